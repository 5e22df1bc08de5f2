import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { WORKFLOWS } from '../../../../statemachines/index.js';
import type { AnyWorkflow } from '../../../workflows/workflow-definition.js';
import type { StoredEvent } from '../../../../functions/shared/events/event.js';
import { executionState } from '../../../../functions/shared/events/fold.js';

/** The repository root, against which a workflow's `examples` folder is given. */
const ROOT = new URL('../../../../', import.meta.url).pathname;

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
  /** The workflow the example is an input of. */
  workflow: string;
  file: string;
  name: string;
  input: string;
  expected: ExpectedOutcomes[string];
}

/** The examples of one workflow listed in its folder's expected.json, in file-name order. */
export function loadExamples(workflow: string, folder: string): Example[] {
  const expected = Expected.parse(JSON.parse(readFileSync(join(folder, 'expected.json'), 'utf8')));
  return readdirSync(folder)
    .filter((file) => file in expected)
    .sort()
    .map((file) => ({ workflow, file, name: basename(file, '.json'), input: readFileSync(join(folder, file), 'utf8'), expected: expected[file]! }));
}

/**
 * The examples of every workflow of the app that declares an `examples` folder, workflow by
 * workflow: what `npm start`'s first start and `npm run demo` run.
 *
 * @example
 * loadWorkflowExamples().map((e) => `${e.workflow}/${e.file}`); // ['invoice-approval/invoice-large.json', ...]
 */
export function loadWorkflowExamples(workflows: readonly Pick<AnyWorkflow, 'name' | 'examples'>[] = WORKFLOWS): Example[] {
  return workflows.flatMap((workflow) => (workflow.examples === undefined ? [] : loadExamples(workflow.name, join(ROOT, workflow.examples))));
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
