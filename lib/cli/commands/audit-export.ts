import { collectExportStreams, s3ArchiveSource } from '../../audit/export-collect.js';
import { AuditSubjectNotFound } from '../../audit/export-errors.js';
import { writeReportFiles } from '../../audit/export-files.js';
import { renderExportMarkdown } from '../../audit/export-markdown.js';
import { buildExportReport, exportReportJson, type ExportReport } from '../../audit/export-report.js';
import { type ExportSubject, isValidSubjectId, subjectStream } from '../../audit/export-subject.js';
import type { Connection } from '../connection.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import type { CommandLine } from '../options.js';
import { terminalLines, terminalSafeJsonText } from '../terminal-text.js';

/**
 * `wardflow audit export --execution ID | --approval ID [--out DIR] [--json]`: an auditor's report
 * of one execution or approval from the audit archive alone (the audit bucket; never the event
 * store): every event, who decided what and when, and the chain proof of every stream, with the
 * archive objects and their checksums so anyone can recompute it.
 *
 * Markdown on stdout by default, one JSON document with --json; with --out DIR both files are
 * written there (never overwritten) and their paths printed. Exit 0 when every chain verifies,
 * 1 when the report names a problem (it is still printed) or the archive holds no events of the
 * id, 2 for a malformed id (not echoed: it may be anything).
 *
 * @example
 * await auditExportCommand(connection, parseCommandLine(['audit', 'export', '--execution', 'e1']), io);
 */
export async function auditExportCommand(connection: Connection, line: CommandLine, io: CliIo): Promise<number> {
  const { subject, out } = exportArguments(line);
  const extract = await collectExportStreams(s3ArchiveSource(connection.s3, connection.auditBucket()), subject);
  if ((extract.streams.get(subjectStream(subject)) ?? []).length === 0) throw new AuditSubjectNotFound(subject, extract.unreadable.length);

  const report = buildExportReport(extract, new Date());
  if (out !== undefined) {
    const files = writeReportFiles(out, subject, { markdown: renderExportMarkdown(report), json: exportReportJson(report) });
    if (line.json) io.out(JSON.stringify(files, null, 2));
    else io.out(`${files.markdown}\n${files.json}`);
  } else if (line.json) {
    io.out(terminalSafeJsonText(exportReportJson(report).trimEnd()));
  } else {
    // The report escapes C0 and C1 controls for Markdown; bidirectional controls and anything it
    // may miss are taken out here, since this copy goes to a terminal (the --out files stay exact).
    io.out(terminalLines(renderExportMarkdown(report).trimEnd()));
  }
  if (report.verified) return 0;
  reportProblems(io, report, line.json);
  return 1;
}

/** The subject and --out folder of an `audit export` command line; a malformed id is a usage error that does not repeat it. */
function exportArguments(line: CommandLine): { subject: ExportSubject; out: string | undefined } {
  const audit = line.audit;
  if (audit?.action !== 'export') throw new UsageError('`audit export` needs exactly one of --execution ID and --approval ID.');
  const { execution, approval } = audit;
  if ((execution === undefined) === (approval === undefined)) throw new UsageError('`audit export` needs exactly one of --execution ID and --approval ID.');
  const subject: ExportSubject = execution !== undefined ? { kind: 'execution', id: execution } : { kind: 'approval', id: approval as string };
  if (!isValidSubjectId(subject.kind, subject.id)) {
    throw new UsageError(
      subject.kind === 'execution'
        ? '--execution must be an execution name (as `wardflow executions` lists it): 1 to 80 characters without whitespace or any of < > { } [ ] ? * " # % \\ ^ | ~ ` $ & , ; : /.'
        : '--approval must be an approval id: 1 to 100 letters, digits, "_", ":" or "-" (an execution\'s first approval is <execution>-1).',
    );
  }
  return { subject, out: audit.out };
}

/** The report already names its problems at the top; stderr says the proof failed, so a script need not parse stdout. */
function reportProblems(io: CliIo, report: ExportReport, json: boolean): void {
  const count = report.problems.length;
  const message = `the chain proof of ${report.subject.kind} ${report.subject.id} does not hold: ${count === 1 ? 'one problem' : `${count} problems`}, named at the top of the report. Run \`wardflow audit verify\` to check the whole archive.`;
  if (json) io.err(JSON.stringify({ error: { name: 'ChainProofFailed', message } }));
  else io.err(`wardflow: ${message}`);
}
