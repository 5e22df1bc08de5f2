import { MAX_APPROVAL_ID_LENGTH } from '../../../functions/shared/approvals/approval-id.js';
import { qualifiedExecutionId, splitExecutionId } from '../../../functions/shared/events/execution-id.js';
import { type ArchiveExtract, collectExportStreams, s3ArchiveSource } from '../../audit/export-collect.js';
import { AuditSubjectNotFound } from '../../audit/export-errors.js';
import { writeReportFiles } from '../../audit/export-files.js';
import { renderExportMarkdown } from '../../audit/export-markdown.js';
import { buildExportReport, exportReportJson, type ExportReport } from '../../audit/export-report.js';
import { type ExportSubject, isValidSubjectId, subjectStream } from '../../audit/export-subject.js';
import type { Connection } from '../connection.js';
import { ExecutionAmbiguous, UsageError } from '../errors.js';
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
 * await auditExportCommand(connection, parseCommandLine(['audit', 'export', '--execution', 'invoice-approval:e1']), io);
 */
export async function auditExportCommand(connection: Connection, line: CommandLine, io: CliIo): Promise<number> {
  const { subject: given, out } = exportArguments(line);
  const { subject, extract } = await collectSubject(connection, given);

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

/**
 * Reads the archive for the subject. An execution named by its bare name (no `<workflow>:`) is
 * looked for as each known workflow's (`<workflow>:<name>`) and as a stream written before ids
 * were qualified (`<name>`), one archive read each: found once, that one is the subject; found in
 * more, ExecutionAmbiguous lists the ids to use; found nowhere, AuditSubjectNotFound.
 */
async function collectSubject(connection: Connection, given: ExportSubject): Promise<{ subject: ExportSubject; extract: ArchiveExtract }> {
  const source = s3ArchiveSource(connection.s3, connection.auditBucket());
  const bare = given.kind === 'execution' && splitExecutionId(given.id).workflow === undefined;
  const candidates: ExportSubject[] = bare ? [...Object.keys(connection.workflows).map((workflow) => ({ kind: 'execution' as const, id: qualifiedExecutionId(workflow, given.id) })), given] : [given];
  const found: { subject: ExportSubject; extract: ArchiveExtract }[] = [];
  let unreadable = 0;
  for (const subject of candidates) {
    const extract = await collectExportStreams(source, subject);
    unreadable = Math.max(unreadable, extract.unreadable.length);
    if ((extract.streams.get(subjectStream(subject)) ?? []).length > 0) found.push({ subject, extract });
  }
  if (found.length > 1) throw new ExecutionAmbiguous(given.id, found.map((f) => f.subject.id));
  if (found.length === 0) throw new AuditSubjectNotFound(given, unreadable);
  return found[0]!;
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
        ? '--execution must be an execution id as `wardflow executions` lists it (<workflow>:<name>), or a bare execution name: 1 to 80 letters, digits, "-" and "_".'
        : `--approval must be an approval id: 1 to ${MAX_APPROVAL_ID_LENGTH} letters, digits, "_", ":" or "-" (an execution's first approval is <workflow>:<name>-1).`,
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
