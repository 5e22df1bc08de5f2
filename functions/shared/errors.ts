/**
 * Every failure a step can raise, by name. Step Functions catches them by `name`
 * (a Lambda error's `errorType` is the thrown error's `name`), so the names are a
 * public contract: renaming one breaks the Catch clauses in statemachines/.
 *
 * Messages say what happened and what to do next. They never carry a secret, a task
 * token, document text or any other input value: only field paths, expectations and ids.
 */
export abstract class WardflowError extends Error {
  abstract override readonly name: string;
  /** Safe, structured details for events and logs (never input values). */
  readonly details: Record<string, unknown>;

  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.details = details;
  }
}

/** One reason why a value failed its schema: where, and what was expected. */
export interface ValidationIssue {
  /** Dotted path to the field, e.g. `input.invoice.amount`; `(root)` for the whole value. */
  path: string;
  /** What the schema expected there, e.g. `string of at most 100000 characters`. */
  expected: string;
}

/** Input or output of a step did not match its schema. */
export class ValidationFailed extends WardflowError {
  readonly name = 'ValidationFailed';
  readonly issues: ValidationIssue[];
  readonly source: string;

  constructor(source: string, issues: ValidationIssue[]) {
    const summary = issues
      .slice(0, 5)
      .map((i) => `${i.path}: expected ${i.expected}`)
      .join('; ');
    const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
    super(`${source} is invalid: ${summary}${more}. Fix the listed fields and retry.`, { source, issues });
    this.issues = issues;
    this.source = source;
  }
}

/** Another writer appended to the stream first; nothing was written. Re-read and retry. */
export class ConcurrencyConflict extends WardflowError {
  readonly name = 'ConcurrencyConflict';
  constructor(
    readonly stream: string,
    readonly expectedVersion: number,
  ) {
    super(
      `Stream ${stream} moved past version ${expectedVersion} before this append; nothing was written. Re-read the stream and retry.`,
      { stream, expectedVersion },
    );
  }
}

/** An event's hash, its link to the previous event, or a sealed field does not check out. */
export class TamperDetected extends WardflowError {
  readonly name = 'TamperDetected';
  constructor(
    readonly stream: string,
    readonly version: number,
    readonly reason: string,
  ) {
    super(`Event ${stream} v${version} failed verification: ${reason}. Treat the stream as compromised and investigate.`, {
      stream,
      version,
      reason,
    });
  }
}

/** A secret could not be loaded. The message names the secret, never its value. */
export class SecretUnavailable extends WardflowError {
  readonly name = 'SecretUnavailable';
  constructor(
    readonly secretName: string,
    reason: string,
  ) {
    super(`Secret ${secretName} could not be read: ${reason}. Check that it exists and that the step's role may read it.`, {
      secretName,
    });
  }
}

/** The model call failed or returned something unusable. */
export class ModelFailed extends WardflowError {
  readonly name = 'ModelFailed';
  constructor(
    readonly modelId: string,
    reason: string,
  ) {
    super(`Model ${modelId} failed: ${reason}.`, { modelId });
  }
}

/** A model is not on the allow-list of this environment. */
export class ModelNotAllowed extends WardflowError {
  readonly name = 'ModelNotAllowed';
  constructor(readonly modelId: string) {
    super(`Model ${modelId} is not on this environment's allow-list. Add it to the environment config or pick an allowed model.`, {
      modelId,
    });
  }
}

/** A guard (grounding, injection, PII) blocked the step. */
export class GuardTriggered extends WardflowError {
  readonly name = 'GuardTriggered';
  constructor(
    readonly guard: string,
    reason: string,
    details: Record<string, unknown> = {},
  ) {
    super(`Guard ${guard} blocked this step: ${reason}.`, { guard, ...details });
  }
}

/**
 * A guard could not give a verdict (Bedrock Guardrails did not answer, or answered something
 * unreadable): the step fails closed instead of letting unchecked text reach a model. The message
 * names the guard and the AWS error name only, never the text or the request.
 */
export class GuardUnavailable extends WardflowError {
  readonly name = 'GuardUnavailable';
  constructor(
    readonly guard: string,
    reason: string,
  ) {
    super(`Guard ${guard} could not check this step's input: ${reason}. Nothing was sent to a model; check the guard's service, quotas and the step's IAM role.`, { guard });
  }
}

/** An approver rejected the request. */
export class ApprovalRejected extends WardflowError {
  readonly name = 'ApprovalRejected';
  constructor(readonly approvalId: string) {
    super(`Approval ${approvalId} was rejected.`, { approvalId });
  }
}

/** The approval is no longer open (already decided or expired). */
export class ApprovalClosed extends WardflowError {
  readonly name = 'ApprovalClosed';
  constructor(
    readonly approvalId: string,
    readonly status: string,
  ) {
    super(`Approval ${approvalId} is already ${status}; nothing was changed.`, { approvalId, status });
  }
}

/** The approval's gate timed out before a decision. */
export class ApprovalExpired extends WardflowError {
  readonly name = 'ApprovalExpired';
  constructor(readonly approvalId: string) {
    super(`Approval ${approvalId} expired before a decision; the execution ends fail-closed.`, { approvalId });
  }
}

/** The payments API refused or failed. */
export class PaymentFailed extends WardflowError {
  readonly name = 'PaymentFailed';
  constructor(reason: string) {
    super(`Payment failed: ${reason}.`);
  }
}

/**
 * An approval email could not be sent. Transient from the gate's point of view: the approval
 * is on record (token sealed) before any email goes out, and the gate retries this error, so
 * the retried task replaces the token and sends every approver a fresh link. The message
 * names the approval, never an address.
 */
export class NotificationFailed extends WardflowError {
  readonly name = 'NotificationFailed';
  constructor(
    readonly approvalId: string,
    reason: string,
  ) {
    super(`The approval email for approval ${approvalId} could not be sent: ${reason}. The gate retries; if it keeps failing, check the sender identity and the email service's sending limits.`, {
      approvalId,
    });
  }
}

/** Required configuration (environment variables) is missing or malformed. */
export class ConfigurationInvalid extends WardflowError {
  readonly name = 'ConfigurationInvalid';
  constructor(reason: string) {
    super(`Configuration is invalid: ${reason}.`);
  }
}

/** Any unexpected failure, with its original message replaced by a safe one. */
export class StepFailed extends WardflowError {
  readonly name = 'StepFailed';
  constructor(step: string, reason: string) {
    super(`Step ${step} failed: ${reason}. See the step's logs for the correlation id.`, { step });
  }
}

/**
 * A call to a service failed in a way that passes by itself (a timeout, a throttle, a reset
 * socket, a 5xx): nothing was decided, and the state machine retries the step with backoff
 * (TRANSIENT_ERRORS in statemachines/fragments/step-task.ts) before it takes the failure path.
 * Every wardflow step is safe to run again, so a retry repeats no effect.
 */
export class TransientFailure extends WardflowError {
  readonly name = 'TransientFailure';
  constructor(step: string, kind: string) {
    super(`Step ${step} failed on a transient ${kind}; nothing was decided. Step Functions retries it.`, { step, kind });
  }
}

/** Names that Step Functions Catch clauses may match. */
export const ERROR_NAMES = [
  'ValidationFailed',
  'ConcurrencyConflict',
  'TamperDetected',
  'SecretUnavailable',
  'ModelFailed',
  'ModelNotAllowed',
  'GuardTriggered',
  'GuardUnavailable',
  'ApprovalRejected',
  'ApprovalClosed',
  'ApprovalExpired',
  'PaymentFailed',
  'NotificationFailed',
  'ConfigurationInvalid',
  'StepFailed',
  'TransientFailure',
] as const;
export type ErrorName = (typeof ERROR_NAMES)[number];

/**
 * The name of an error when it is a plain identifier, safe for logs, events and messages;
 * `fallback` otherwise. A thrown value's `name` is attacker-influenced (a parsed payload, a
 * service answer) and could carry input text, so only short identifiers pass.
 *
 * @example
 * safeErrorName(new TypeError('Jane Doe')); // 'TypeError'
 * safeErrorName({ name: 'not a name: Jane' }); // 'Error'
 * safeErrorName('boom', 'UnknownError'); // 'UnknownError'
 */
export function safeErrorName(error: unknown, fallback = 'Error'): string {
  const name = error instanceof Error ? error.name : undefined;
  return typeof name === 'string' && SAFE_NAME.test(name) ? name : fallback;
}

const SAFE_NAME = /^[A-Za-z][A-Za-z0-9_.]{0,63}$/;
