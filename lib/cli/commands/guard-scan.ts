import { scoreInjection } from '../../../functions/shared/guards/injection.js';
import { findPii } from '../../../functions/shared/guards/pii.js';
import type { GuardSpan } from '../../../functions/shared/guards/types.js';
import { InputInvalid } from '../errors.js';
import type { CliIo } from '../io.js';
import { findJsonSyntaxError } from '../json-syntax.js';
import type { CommandLine } from '../options.js';
import { readUserFile } from '../read-file.js';
import { renderTable } from '../table.js';
import { terminalSafeJsonText } from '../terminal-text.js';

/** The guards `guard scan` runs. */
export const SCAN_GUARDS = ['injection', 'pii'] as const;
export type ScanGuard = (typeof SCAN_GUARDS)[number];

/** A file larger than this is refused unread: the scan holds the whole file in memory. */
export const MAX_SCAN_BYTES = 64 * 1024 * 1024;

/** One line's verdict, exactly what `--json` prints. */
export interface ScanVerdict {
  flagged: boolean;
  /** injection: the classifier's score, 0..1. pii: how many findings (0 when none). */
  score: number;
  spans: GuardSpan[];
}

/**
 * `wardflow guard scan --jsonl FILE [--guard injection|pii] [--json]`: runs one guard over each
 * line `{"text": ...}` of a JSON Lines file and prints one verdict per line, in order (blank
 * lines are skipped). With --json each verdict is one JSON object on its own line; without, a
 * table of line number, flagged, score and the spans' kinds and offsets. Nothing of the scanned
 * text is printed, in the verdicts or in errors: a bad line is named by its number and what is
 * wrong with it. Needs neither AWS nor the local runtime.
 *
 * @example
 * await guardScanCommand(parseCommandLine(['guard', 'scan', '--jsonl', 'prompts.jsonl', '--json']), io);
 */
export async function guardScanCommand(line: CommandLine, io: CliIo): Promise<number> {
  const scan = line.guardScan!;
  const texts = parseJsonLines(await readScanFile(scan.file), scan.file);
  const verdicts = texts.map(({ text }) => scanText(scan.guard, text));
  if (line.json) {
    // JSON Lines, one compact object per input line, so the output lines up with the input.
    for (const verdict of verdicts) io.out(terminalSafeJsonText(JSON.stringify(verdict)));
    return 0;
  }
  const rows = texts.map(({ lineNumber }, i) => {
    const verdict = verdicts[i]!;
    return [String(lineNumber), verdict.flagged ? 'yes' : 'no', scan.guard === 'pii' ? String(verdict.score) : verdict.score.toFixed(3), spansCell(verdict.spans)];
  });
  for (const row of renderTable(['line', 'flagged', 'score', 'spans'], rows)) io.out(row);
  const flagged = verdicts.filter((verdict) => verdict.flagged).length;
  io.out(`${flagged} of ${verdicts.length} ${verdicts.length === 1 ? 'line' : 'lines'} flagged by the ${scan.guard} guard.`);
  return 0;
}

/** One text's verdict from one guard. */
export function scanText(guard: ScanGuard, text: string): ScanVerdict {
  if (guard === 'pii') {
    const spans = findPii(text);
    return { flagged: spans.length > 0, score: spans.length, spans: spans.map(({ kind, start, end }) => ({ kind, start, end })) };
  }
  const result = scoreInjection(text);
  return { flagged: result.flagged, score: Number(result.score.toFixed(4)), spans: result.spans };
}

function spansCell(spans: readonly GuardSpan[]): string {
  return spans.length === 0 ? '-' : spans.map((span) => `${span.kind} ${span.start}-${span.end}`).join(', ');
}

/**
 * The texts of a JSON Lines file, with their line numbers. Each non-blank line must be a JSON
 * object with a string `text`; the first that is not fails the scan, named by its number and
 * what is wrong (for broken JSON the column and what was expected), never by its content.
 */
export function parseJsonLines(content: string, label: string): { lineNumber: number; text: string }[] {
  const texts: { lineNumber: number; text: string }[] = [];
  const lines = content.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, i) => {
    const lineText = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (lineText.trim() === '') return;
    const lineNumber = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(lineText);
    } catch {
      const broken = findJsonSyntaxError(lineText);
      throw new InputInvalid(`${label}, line ${lineNumber}: not valid JSON${broken ? ` (column ${broken.column}: expected ${broken.expected})` : ''}. Each line must be an object such as {"text": "..."}.`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof (value as { text?: unknown }).text !== 'string') {
      throw new InputInvalid(`${label}, line ${lineNumber}: each line must be a JSON object with a string "text", such as {"text": "..."}.`);
    }
    texts.push({ lineNumber, text: (value as { text: string }).text });
  });
  return texts;
}

/** The file's text; a file over {@link MAX_SCAN_BYTES} or anything but a regular file is refused before reading. */
async function readScanFile(file: string): Promise<string> {
  return readUserFile(file, 'Pass a JSON Lines file, one {"text": "..."} per line.', async (handle, stat) => {
    if (!stat.isFile()) throw new InputInvalid(`${file} is not a regular file; guard scan reads a JSON Lines file.`);
    if (stat.size > MAX_SCAN_BYTES) throw new InputInvalid(`${file} is ${stat.size} bytes; guard scan reads at most ${MAX_SCAN_BYTES} bytes (64 MiB). Split the file and scan the parts.`);
    return handle.readFile({ encoding: 'utf8' });
  });
}
