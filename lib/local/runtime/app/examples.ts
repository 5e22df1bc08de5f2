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

/** How an example names another, of any workflow: `<workflow>/<file>`. */
const EXAMPLE_KEY = /^[a-z][a-z0-9-]*\/[^/\\]+\.json$/;

const Expected = z.record(
  z.string(),
  z.object({
    /** What the demo's approver clicks when the invoice needs a human. */
    approver: z.enum(['approve', 'reject']).optional(),
    outcome: z.string(),
    /**
     * Another example, `<workflow>/<file>`, that must have ended before this one starts: the data
     * this one relies on (a vendor's bank details in the register) is what that one records.
     */
    after: z.string().regex(EXAMPLE_KEY, 'an example named <workflow>/<file>.json').optional(),
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

/** How examples name each other in `after`: `<workflow>/<file>`. */
export function exampleKey(example: Pick<Example, 'workflow' | 'file'>): string {
  return `${example.workflow}/${example.file}`;
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
 * workflow: what `npm start`'s first start and `npm run demo` run. An example whose expected.json
 * entry says `after: "<workflow>/<file>"` comes after that one (which the runners start it after
 * it ended); otherwise the order is workflow by workflow, file by file. An `after` that names no
 * example, or that closes a cycle, is an Error naming the examples.
 *
 * @example
 * loadWorkflowExamples().map(exampleKey); // ['invoice-approval/invoice-large.json', ..., 'vendor-bank-details/bank-change-acme.json', 'invoice-approval/invoice-small.json', ...]
 */
export function loadWorkflowExamples(workflows: readonly Pick<AnyWorkflow, 'name' | 'examples'>[] = WORKFLOWS, root: string = ROOT): Example[] {
  return orderByAfter(workflows.flatMap((workflow) => (workflow.examples === undefined ? [] : loadExamples(workflow.name, join(root, workflow.examples)))));
}

/**
 * The examples with every one after the example its `after` names, otherwise in the given order
 * (a stable topological sort).
 *
 * @throws Error when an `after` names no example of the list, names the example itself, or closes a cycle.
 */
export function orderByAfter(examples: readonly Example[]): Example[] {
  const byKey = new Map(examples.map((example) => [exampleKey(example), example]));
  for (const example of examples) {
    const after = example.expected.after;
    if (after === undefined) continue;
    if (!byKey.has(after)) {
      throw new Error(`example ${exampleKey(example)} runs after "${after}", which is not an example of any workflow (the examples are: ${[...byKey.keys()].join(', ')}); fix "after" in its expected.json`);
    }
  }
  const ordered: Example[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (example: Example, path: string[]): void => {
    const key = exampleKey(example);
    if (state.get(key) === 'done') return;
    if (state.get(key) === 'visiting') throw new Error(`examples wait for each other in a cycle: ${[...path.slice(path.indexOf(key)), key].join(' -> ')}; remove one "after" from their expected.json`);
    state.set(key, 'visiting');
    const after = example.expected.after;
    if (after !== undefined) visit(byKey.get(after)!, [...path, key]);
    state.set(key, 'done');
    ordered.push(example);
  };
  for (const example of examples) visit(example, []);
  return ordered;
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
