import { ValidationFailed, type ValidationIssue } from '../errors.js';
import { attemptRefusedIssues } from './attempt-refused-data.js';
import { LEVEL_EVENT_TYPES, levelEventIssues } from '../approvals/levels/events.js';
import { isRegisteredDomainType } from './domain-types.js';
import { executionStartedIssues } from './execution-started-data.js';
import { EVENT_TYPES, type NewEvent } from './event.js';
import { guardTriggeredIssues } from './guard-triggered.js';
import { appendableKinds, isAppendableKind } from './stream-kinds.js';

/** `<kind>#<id>` (`execution#<id>`, `approval#<id>`, a workflow's `vendor#<id>`); ids are short and free of separators and spaces. */
export const STREAM_PATTERN = /^[a-z][a-z0-9]{1,30}#[A-Za-z0-9._:-]{1,128}$/;
/** DynamoDB allows 100 items per TransactWriteItems; one append is one transaction. */
export const MAX_EVENTS_PER_APPEND = 100;
export const MAX_ACTOR_LENGTH = 512;
/** Deeper values are almost certainly a bug, and recursion (canonicalize, JSON) must stay bounded. */
export const MAX_JSON_DEPTH = 64;

const KNOWN_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);
// A lone UTF-16 surrogate cannot be encoded as UTF-8, so DynamoDB would store U+FFFD and the hash would break.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Checks a stream name. Throws `ValidationFailed` naming `stream` (never echoing the value).
 *
 * @example
 * assertStream('execution#01J9Z3'); // ok
 * assertStream('execution#a b');    // throws ValidationFailed
 */
export function assertStream(stream: unknown): asserts stream is string {
  if (typeof stream !== 'string' || !STREAM_PATTERN.test(stream)) {
    throw new ValidationFailed('event stream', [
      { path: 'stream', expected: '<kind>#<id> (execution#<id>, approval#<id>, or a kind the workflow declares), id of 1-128 characters from A-Z a-z 0-9 . _ : -' },
    ]);
  }
}

/**
 * Checks everything a caller hands to `EventStore.append` before any I/O, and reports
 * every problem at once: stream, expected version, event count, and for each event its
 * type, actor, and that `data` and `sensitive` are plain JSON (no undefined, NaN,
 * Infinity, functions, Dates, class instances, or nesting deeper than 64).
 *
 * @example
 * validateAppend('execution#e1', 0, [{ type: 'ExecutionStarted', actor: 'step:start', data: { workflow: 'invoice' } }]);
 */
export function validateAppend(stream: string, expectedVersion: number, events: readonly NewEvent[]): void {
  assertStream(stream);
  const issues: ValidationIssue[] = [];
  const kind = stream.slice(0, stream.indexOf('#'));
  // Reads take any kind; appends only the platform's and those the loaded workflow code declared (defineEvents).
  if (!isAppendableKind(kind)) issues.push({ path: 'stream', expected: `a stream of kind ${appendableKinds().join(', ')}` });
  if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0) {
    issues.push({ path: 'expectedVersion', expected: 'an integer >= 0 (0 for an empty stream)' });
  }
  if (!Array.isArray(events) || events.length === 0 || events.length > MAX_EVENTS_PER_APPEND) {
    issues.push({ path: 'events', expected: `an array of 1 to ${MAX_EVENTS_PER_APPEND} events` });
  } else {
    events.forEach((event, i) => checkNewEvent(event, `events[${i}]`, issues));
  }
  if (issues.length > 0) throw new ValidationFailed('event append', issues);
}

/** The event types only multi-level approvals write; ApprovalDecided and ApprovalExpired keep their older, looser shapes too. */
const LEVEL_ONLY_TYPES = new Set<string>(LEVEL_EVENT_TYPES.filter((type) => type !== 'ApprovalDecided' && type !== 'ApprovalExpired'));

function checkNewEvent(event: NewEvent, at: string, issues: ValidationIssue[]): void {
  if (!isPlainObject(event)) {
    issues.push({ path: at, expected: 'an object with type, actor, data and optional sensitive' });
    return;
  }
  if (typeof event.type !== 'string' || !(KNOWN_TYPES.has(event.type) || isRegisteredDomainType(event.type))) {
    issues.push({ path: `${at}.type`, expected: `one of ${EVENT_TYPES.join(', ')}, or a type of this workflow's defineEvents` });
  }
  if (
    typeof event.actor !== 'string' ||
    event.actor.length === 0 ||
    event.actor.length > MAX_ACTOR_LENGTH ||
    LONE_SURROGATE.test(event.actor)
  ) {
    issues.push({ path: `${at}.actor`, expected: `a well-formed string of 1-${MAX_ACTOR_LENGTH} characters` });
  }
  if (!isPlainObject(event.data)) issues.push({ path: `${at}.data`, expected: 'a plain JSON object' });
  else {
    checkJson(event.data, `${at}.data`, 0, issues);
    // Guard findings are kinds and offsets only: refused here if text could ride along.
    if (event.type === 'GuardTriggered') issues.push(...guardTriggeredIssues(event.data, `${at}.data`));
    // Refusals are written on a flood of untrusted clicks: only positions and fixed words, never an address or a link.
    if (event.type === 'ApprovalAttemptRefused') issues.push(...attemptRefusedIssues(event.data, `${at}.data`));
    // Levels name approvers by position only, and their shapes are strict (levels/events.ts).
    if (LEVEL_ONLY_TYPES.has(event.type)) issues.push(...levelEventIssues(event.type, event.data, `${at}.data`));
    // Who started it stands in clear only as an account and a principal type.
    if (event.type === 'ExecutionStarted') issues.push(...executionStartedIssues(event.data, `${at}.data`));
  }
  if (event.sensitive !== undefined) {
    if (!isPlainObject(event.sensitive)) issues.push({ path: `${at}.sensitive`, expected: 'a plain JSON object or absent' });
    else checkJson(event.sensitive, `${at}.sensitive`, 0, issues);
  }
}

/** Rejects what JSON text cannot carry faithfully, so append and read always agree byte for byte. */
function checkJson(value: unknown, path: string, depth: number, issues: ValidationIssue[]): void {
  if (issues.length >= 20) return; // enough to act on; do not walk a huge broken value
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) issues.push({ path, expected: 'a finite number' });
    return;
  }
  if (depth >= MAX_JSON_DEPTH) {
    issues.push({ path, expected: `JSON nested at most ${MAX_JSON_DEPTH} levels deep` });
    return;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkJson(value[i], `${path}[${i}]`, depth + 1, issues);
    return;
  }
  if (isPlainObject(value)) {
    for (const key of Object.keys(value)) checkJson(value[key], `${path}.${key}`, depth + 1, issues);
    return;
  }
  issues.push({ path, expected: 'a JSON value (string, finite number, boolean, null, array or plain object)' });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
