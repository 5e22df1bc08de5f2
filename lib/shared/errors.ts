/**
 * The base of every failure wardflow reports to a person by name (the CLI's, the audit
 * verifier's and exporter's): the message says what happened and what to do next; it never
 * carries an execution's input, an email address, a task token or a secret. `exitCode` is
 * what the CLI exits with: 2 for a usage error, 1 for any other failure.
 *
 * It lives below the CLI so that the audit code and the local runtime can throw these without
 * importing the CLI (only bin/ does).
 */
export abstract class WardflowError extends Error {
  abstract override readonly name: string;
  readonly exitCode: 1 | 2 = 1;
}

/** The event history could not be proven intact; the stream is not shown. */
export class HistoryUnverified extends WardflowError {
  readonly name = 'HistoryUnverified';
}
