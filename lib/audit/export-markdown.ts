import type { Json } from '../../functions/shared/events/event.js';
import { type ApprovalOverview, type ChainProof, type DecisionRecord, type ExecutionOverview, type ExportReport, HOW_TO_RECOMPUTE, type StreamReport } from './export-report.js';

/**
 * A value from an event (or anything else not written by wardflow itself) as safe Markdown
 * text, for a table cell or a line: it cannot end the cell, the row or the line, open a code
 * span, a link or an emphasis, or become HTML when the report is rendered.
 * - `\` first, so no escape added here can be undone; then `` ` `` `*` `_` `[` `]` `|` `~` are
 *   backslash-escaped (GFM honours `\|` inside table cells);
 * - `&`, `<` and `>` become entities: no tag, comment or autolink can start;
 * - line breaks and other control characters (C0, DEL, C1, U+2028/U+2029) become visible
 *   symbols (`␊` for a newline, `␍`, `␉`, ... or `U+2028`), so a value stays on its row.
 *
 * @example
 * markdownText('a|b\n<script>'); // 'a\\|b␊&lt;script&gt;'
 */
export function markdownText(value: string): string {
  return value
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, controlPicture);
}

function controlPicture(c: string): string {
  const code = c.charCodeAt(0);
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * An event's clear data in one line: `key=value` pairs joined by `; `, nested objects by
 * dotted path, arrays in brackets. Not escaped: callers pass it through `markdownText`.
 *
 * @example
 * compactFacts({ step: 'pay', summary: { amount: '10.00' }, fields: ['a', 'b'] });
 * // 'step=pay; summary.amount=10.00; fields=[a, b]'
 */
export function compactFacts(data: { [key: string]: Json }): string {
  const parts: string[] = [];
  const walk = (value: Json, path: string): void => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const entries = Object.entries(value);
      if (entries.length === 0) parts.push(`${path}={}`);
      for (const [key, item] of entries) walk(item, path === '' ? key : `${path}.${key}`);
      return;
    }
    parts.push(`${path}=${plain(value)}`);
  };
  for (const [key, value] of Object.entries(data)) walk(value, key);
  return parts.join('; ');
}

function plain(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(plain).join(', ')}]`;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * The report as Markdown: problems first (when any), the overview, who decided what and when,
 * every event of every stream, then the chain proof with everything needed to recompute it.
 * Every value taken from an event goes through `markdownText`.
 *
 * @example
 * io.out(renderExportMarkdown(buildExportReport(extract, new Date())));
 */
export function renderExportMarkdown(report: ExportReport): string {
  const t = markdownText;
  const lines: string[] = [];
  const { subject } = report;
  lines.push(`# Audit report: ${subject.kind} ${t(subject.id)}`, '');
  if (report.verified) {
    const events = report.streams.reduce((n, s) => n + s.proof.events, 0);
    lines.push(`**Chain proof holds**: every stream below verifies (${events} ${events === 1 ? 'event' : 'events'}, ${report.streams.length} ${report.streams.length === 1 ? 'stream' : 'streams'}).`, '');
  } else {
    lines.push(`**PROBLEMS: the chain proof does not hold.** ${report.problems.length === 1 ? 'One problem' : `${report.problems.length} problems`} found:`, '');
    for (const problem of report.problems) lines.push(`- ${t(problem)}`);
    lines.push('');
  }
  lines.push(
    `Read from the audit archive alone (bucket ${t(report.archive.bucket)}, ${report.archive.objectsRead} objects read) at ${t(report.generatedAt)}.`,
    'Sealed parts of events (personal data, encrypted) are shown only as "sealed": they are never opened or printed.',
    '',
  );

  lines.push('## Overview', '', ...table(['fact', 'value'], overviewRows(report.overview).map(([k, v]) => [k, t(v)])), '');

  lines.push('## Decisions: who decided what, and when', '');
  if (report.decisions.length === 0) lines.push('No approval events in the archive for this report.', '');
  else lines.push(...table(['approval', 'version', 'time', 'what', 'by', 'decision', 'detail', 'closed it'], report.decisions.map(decisionRow)), '');

  for (const stream of report.streams) lines.push(...streamEvents(stream));

  lines.push('## Chain proof', '', 'How to recompute every hash independently:', '');
  // wardflow's own text (HOW_TO_RECOMPUTE), written Markdown-safe: its code spans stay code spans.
  for (const step of HOW_TO_RECOMPUTE) lines.push(`- ${step}`);
  lines.push('');
  for (const stream of report.streams) lines.push(...streamProof(stream.stream, stream.proof));
  return `${lines.join('\n').trimEnd()}\n`;
}

function overviewRows(overview: ExecutionOverview | ApprovalOverview): [string, string][] {
  const or = (value: string | null): string => value ?? '-';
  if (overview.kind === 'execution') {
    return [
      ['Execution', overview.executionId],
      ['Workflow', or(overview.workflow)],
      ['Source', or(overview.source)],
      ['Started', or(overview.startedAt)],
      ['Ended', or(overview.endedAt)],
      ['Outcome', overview.outcome],
      ...(overview.error === null ? [] : [['Error', overview.error] as [string, string]]),
    ];
  }
  return [
    ['Approval', overview.approvalId],
    ['Execution', or(overview.executionId)],
    ['Status', overview.status],
    ['Approvers', `${overview.approverCount} (who they are is sealed; a decision names one by position, approver:0 is the first)`],
    ['Requested', or(overview.requestedAt)],
    ['Expires', or(overview.expiresAt)],
    ['Decision', or(overview.decision)],
    ['Decided', or(overview.decidedAt)],
    ['Decided by', or(overview.decidedBy)],
  ];
}

function decisionRow(d: DecisionRecord): string[] {
  const t = markdownText;
  return [t(d.approvalId), String(d.version), t(d.time), d.what, t(d.by), d.decision ?? '', t(d.detail ?? ''), d.closed ? 'yes' : ''];
}

function streamEvents(stream: StreamReport): string[] {
  const t = markdownText;
  const lines = [`## Events of ${t(stream.stream)}`, ''];
  const count = `${stream.events.length} ${stream.events.length === 1 ? 'event' : 'events'}`;
  lines.push(`State from its events: ${t(stream.state)}; ${count}.${stream.why === null ? '' : ` In this report because it is ${t(stream.why)}.`}`, '');
  const rows = stream.events.map((e) => [String(e.version), t(e.time), t(e.type), t(e.actor), e.sealed ? 'sealed' : '', t(compactFacts(e.data))]);
  lines.push(...table(['version', 'time', 'type', 'actor', 'sealed', 'facts (clear data)'], rows), '');
  if (stream.changes.length > 0) {
    lines.push('Changes to the event store after the append (DynamoDB Streams MODIFY/REMOVE records):', '');
    lines.push(...table(['version', 'change', 'sequence number', 'archive object'], stream.changes.map((c) => [String(c.version), c.change, t(c.sequenceNumber), t(c.object)])), '');
  }
  return lines;
}

function streamProof(stream: string, proof: ChainProof): string[] {
  const t = markdownText;
  const verdict = proof.failure === null ? 'verified' : `DOES NOT VERIFY at v${proof.failure.version}: ${t(proof.failure.reason)}`;
  const lines = [`### ${t(stream)}: ${verdict}`, '', `Head hash: ${t(proof.head ?? '(no events)')}`, ''];
  const links = proof.links.map((l) => [String(l.version), t(l.hash), t(l.prevHash ?? 'null'), t(l.objects.join(', ')), t(l.sequenceNumbers.join(', '))]);
  lines.push(...table(['version', 'hash', 'prevHash', 'archive object', 'sequence number'], links), '');
  lines.push('Archive objects:', '');
  lines.push(...table(['key', 'SHA-256 checksum kept by S3 (base64)', 'records'], proof.objects.map((o) => [t(o.key), t(o.checksumSha256 ?? 'not returned'), String(o.records)])), '');
  return lines;
}

/** A GFM table. Cells must already be escaped (`markdownText`); an empty cell stays empty. */
function table(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [row(headers), row(headers.map(() => '---')), ...rows.map(row)];
}
