import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReportFileExists, ReportNotWritten } from './export-errors.js';
import type { ExportSubject } from './export-subject.js';

/** The paths `writeReportFiles` wrote. */
export interface ReportFiles {
  markdown: string;
  json: string;
}

/**
 * Writes a report as `<execution|approval>-<id>.md` and `.json` into `dir` (created, owner
 * only, when missing). The files are the owner's only (0600): a report names people's roles
 * and decisions. Nothing is overwritten: when either file exists, neither is written
 * (ReportFileExists), and each is created exclusively ('wx') against a race.
 *
 * @example
 * const { markdown, json } = writeReportFiles('reports', { kind: 'execution', id: 'e1' }, { markdown: md, json: text });
 * // 'reports/execution-e1.md', 'reports/execution-e1.json'
 */
export function writeReportFiles(dir: string, subject: ExportSubject, content: { markdown: string; json: string }): ReportFiles {
  const base = join(dir, `${subject.kind}-${subject.id}`);
  const paths: ReportFiles = { markdown: `${base}.md`, json: `${base}.json` };
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new ReportNotWritten(dir, codeOf(error));
  }
  for (const path of [paths.markdown, paths.json]) if (existsSync(path)) throw new ReportFileExists(path);
  write(paths.markdown, content.markdown);
  write(paths.json, content.json);
  return paths;
}

function write(path: string, text: string): void {
  try {
    writeFileSync(path, text, { encoding: 'utf8', mode: 0o600, flag: 'wx' });
  } catch (error) {
    if (codeOf(error) === 'EEXIST') throw new ReportFileExists(path);
    throw new ReportNotWritten(path, codeOf(error));
  }
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
