import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { StoredEvent } from '../../../../functions/shared/events/event.js';
import { executionState } from '../../../../functions/shared/events/fold.js';

/** examples/: invoices to run, and what each should end as (expected.json). */
export const EXAMPLES_FOLDER = new URL('../../../../examples/', import.meta.url).pathname;

const Expected = z.record(
  z.string(),
  z.object({
    /** What the demo's approver clicks when the invoice needs a human. */
    approver: z.enum(['approve', 'reject']).optional(),
    outcome: z.string(),
  }),
);
export type ExpectedOutcomes = z.infer<typeof Expected>;

export interface Example {
  file: string;
  name: string;
  input: string;
  expected: ExpectedOutcomes[string];
}

/** The examples listed in examples/expected.json, in file-name order. */
export function loadExamples(folder = EXAMPLES_FOLDER): Example[] {
  const expected = Expected.parse(JSON.parse(readFileSync(join(folder, 'expected.json'), 'utf8')));
  return readdirSync(folder)
    .filter((file) => file in expected)
    .sort()
    .map((file) => ({ file, name: basename(file, '.json'), input: readFileSync(join(folder, file), 'utf8'), expected: expected[file]! }));
}

/** A fresh execution name for an example: its file name and a random suffix (names are unique per state machine). */
export function executionNameFor(example: Example): string {
  return `${example.name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 60)}-${randomBytes(4).toString('hex')}`;
}

/**
 * What an execution's stream says happened, in the names expected.json uses:
 * `succeeded-auto-approved`, `succeeded-approved`, `failed-validation`, `failed-rejected`,
 * `failed-<error>`, `waiting-for-approval`, or the fold's status while it runs.
 */
export function outcomeOf(events: readonly StoredEvent[]): string {
  const state = executionState(events);
  if (state.status === 'succeeded') return events.some((e) => e.type === 'ApprovalRequested') ? 'succeeded-approved' : 'succeeded-auto-approved';
  if (state.status === 'failed') {
    if (state.lastError === 'ValidationFailed') return 'failed-validation';
    if (state.lastError === 'ApprovalRejected') return 'failed-rejected';
    return `failed-${state.lastError ?? 'unknown'}`;
  }
  return state.status;
}
