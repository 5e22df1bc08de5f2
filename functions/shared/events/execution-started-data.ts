import type { ValidationIssue } from '../errors.js';

/**
 * ExecutionStarted's clear part about who started it (functions/record-start/started-by.ts):
 * `startedBy` is only ever the account and the principal's type, `local` or `unknown`, so a full
 * principal (an IAM user or a role session, often a person's name or address) is refused in
 * clear by the store; it belongs in the sealed part. Events written before starters were recorded
 * have neither key.
 */
const CLEAR_STARTER = /^(unknown|local|aws:\d{12}:(root|user|assumed-role|federated-user))$/;
const THROUGH: ReadonlySet<unknown> = new Set(['wardflow', 'other']);

/**
 * What is wrong with ExecutionStarted's starter keys, as issues naming paths only.
 *
 * @example
 * executionStartedIssues({ workflow: 'w', startedBy: 'aws:123456789012:assumed-role', startedThrough: 'wardflow' }, 'events[0].data'); // []
 */
export function executionStartedIssues(data: Record<string, unknown>, at: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (data.startedBy !== undefined && (typeof data.startedBy !== 'string' || !CLEAR_STARTER.test(data.startedBy))) {
    issues.push({ path: `${at}.startedBy`, expected: 'unknown, local or aws:<account>:<principal type> (the full principal is sealed)' });
  }
  if (data.startedThrough !== undefined && !THROUGH.has(data.startedThrough)) issues.push({ path: `${at}.startedThrough`, expected: 'wardflow or other' });
  return issues;
}
