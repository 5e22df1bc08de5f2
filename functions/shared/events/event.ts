/**
 * The shape of an event, the unit of the system of record.
 *
 * Streams are `execution#<id>` and `approval#<id>`, and streams of the kinds a workflow declares
 * (stream-kinds.ts); versions start at 1 and have no gaps.
 * `hash` is SHA-256 (hex) over the canonical encoding of every other field, and
 * `prevHash` is the previous event's `hash` (null for version 1), so a stream is a chain.
 * Sensitive values (documents, prompts, task tokens, approvers' addresses, comments) never sit
 * in `data` or `actor`: they are sealed (envelope-encrypted, see functions/shared/crypto) into
 * `sealed`, whose ciphertext is covered by the hash.
 */
export const EVENT_TYPES = [
  'ExecutionStarted',
  'StepSucceeded',
  'StepFailed',
  'ValidationFailed',
  'SecretRead',
  'ModelInvoked',
  'GuardTriggered',
  'ApprovalRequested',
  /** A retried or resumed gate task got a new task token; it replaces the sealed one. */
  'ApprovalTokenReplaced',
  /** request-approval emailed the approvers their links (on the execution stream: how many, never who). */
  'ApprovalNotified',
  'ApprovalAutoDecided',
  'ApprovalDecided',
  'ApprovalExpired',
  /** A policy chose the route of levels (approval stream; functions/shared/approvals/levels/events.ts has every level event's shape). */
  'ApprovalRouted',
  /** A level opened (the first, the next, or its escalation group): group, quorum, deadline. */
  'ApprovalLevelStarted',
  /** One approver's vote at a level, by position in the group asked. */
  'ApprovalVoted',
  /** A level reached its quorum. */
  'ApprovalLevelCompleted',
  /** The level's one reminder went to those who had not voted (positions only). */
  'ApprovalReminderSent',
  'ApprovalEscalated',
  /**
   * A decision was refused without deciding anything: `{ approvalId, executionId, reason, approverIndex?,
   * executionStatus?, window? }`, reason from the closed list in attempt-refused-data.ts (forged-link,
   * expired-link, wrong-approver, already-decided, duplicate-approver, expired, execution-not-running).
   * Rate limited per approval (functions/shared/approvals/refusal-limits.ts); never an address, a token or a link.
   * Folds ignore it: it changes no status.
   */
  'ApprovalAttemptRefused',
  'PaymentRecorded',
  'ExecutionSucceeded',
  'ExecutionFailed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * A workflow's own event type (`VendorBankDetailsChanged`), made only by `defineEvents`
 * (domain-events.ts), which registers it and checks its data: the brand keeps a typo in a plain
 * string from passing for one.
 */
export type DomainEventType = string & { readonly __domainEventType: true };

/** JSON values only: events are canonically encoded and hashed. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** What a caller hands to `append`: the store fills in stream, version, time, hashes. */
export interface NewEvent {
  type: EventType | DomainEventType;
  /**
   * Who caused it: an approver by position in the request's approvers (`approver:0`), or a role
   * (`step:extract-invoice`). Never an address or a name: actors are stored in clear.
   */
  actor: string;
  /** Non-sensitive facts, stored in clear. */
  data: { [key: string]: Json };
  /** Sensitive facts; sealed with the stream and version as encryption context before storage. */
  sensitive?: { [key: string]: Json };
}

/** An event as stored and as read back (sensitive part still sealed). */
export interface StoredEvent {
  stream: string;
  version: number;
  /** A platform type, or a workflow's own (any PascalCase name: readers never refuse a workflow's events). */
  type: EventType | DomainEventType;
  /** ISO-8601 UTC timestamp with milliseconds. */
  time: string;
  actor: string;
  data: { [key: string]: Json };
  /** Base64 ciphertext of the sensitive part, or null when the event has none. */
  sealed: string | null;
  prevHash: string | null;
  hash: string;
}

export const executionStream = (executionId: string): string => `execution#${executionId}`;
export const approvalStream = (approvalId: string): string => `approval#${approvalId}`;
