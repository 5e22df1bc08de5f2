import { WardflowError } from '../shared/errors.js';
import type { ExportSubject } from './export-subject.js';

/** `audit export`: the archive holds no event of the execution or approval asked for. */
export class AuditSubjectNotFound extends WardflowError {
  readonly name = 'AuditSubjectNotFound';
  constructor(subject: ExportSubject, unreadableObjects: number) {
    const unreadable =
      unreadableObjects === 0 ? '' : ` ${unreadableObjects} archive ${unreadableObjects === 1 ? 'object' : 'objects'} could not be read; \`wardflow audit verify\` names them.`;
    super(`no events of ${subject.kind} ${subject.id} in the audit archive (is the id right? archiving lags the event store by seconds).${unreadable}`);
  }
}

/** `audit export --out`: a report file is already there; reports are never overwritten. */
export class ReportFileExists extends WardflowError {
  readonly name = 'ReportFileExists';
  constructor(path: string) {
    super(`${path} already exists and an audit report is never overwritten: move it away, or pass another --out folder.`);
  }
}

/** `audit export --out`: the folder cannot be created or a file cannot be written there. */
export class ReportNotWritten extends WardflowError {
  readonly name = 'ReportNotWritten';
  constructor(path: string, code: string | undefined) {
    super(`cannot write ${path}${code === undefined ? '' : ` (${code})`}: check that --out names a folder you may write to.`);
  }
}
