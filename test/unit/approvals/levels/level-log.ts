import { readFileSync } from 'node:fs';
import { checkPolicy, formatProblems } from '../../../../functions/shared/approvals/policy/check.js';
import { evaluatePolicy } from '../../../../functions/shared/approvals/policy/evaluate.js';
import type { ApprovalPolicy } from '../../../../functions/shared/approvals/policy/schema.js';
import type { LevelEvent } from '../../../../functions/shared/approvals/levels/events.js';
import { startRoute } from '../../../../functions/shared/approvals/levels/route.js';
import { type FoldableEvent, type LevelState, levelState } from '../../../../functions/shared/approvals/levels/state.js';

/** Test support: the shipped invoice policy, and an in-memory versioned log that appends only at the expected version, as the event store does. */

const members = (group: string, count: number) => Array.from({ length: count }, (_, i) => `${group}-${i + 1}@example.com`);
export const GROUP_SIZES = { finance: 3, managers: 2, 'finance-directors': 3 };
const ENVIRONMENT = { groupMembers: Object.fromEntries(Object.entries(GROUP_SIZES).map(([group, count]) => [group, members(group, count)])) };

export function invoicePolicy(): ApprovalPolicy {
  const text = readFileSync(new URL('../../../../statemachines/invoice-approval/approval-policy.json', import.meta.url), 'utf8');
  const checked = checkPolicy(JSON.parse(text), ENVIRONMENT);
  if (!checked.ok) throw new Error(formatProblems(checked.problems));
  return checked.policy;
}

export const HOUR = 3_600_000;
export const T0 = new Date('2026-12-01T09:00:00.000Z');
export const at = (hours: number) => new Date(T0.getTime() + hours * HOUR);

export interface StoredLevelEvent extends FoldableEvent {
  type: string;
  actor: string;
  data: unknown;
  version: number;
  time: string;
}

export class ConflictInTest extends Error {}

/** A stream: append only at the version last read, like DynamoDB's conditional write. */
export class LevelLog {
  readonly events: StoredLevelEvent[] = [];

  state(): LevelState {
    return levelState(this.events);
  }

  append(expectedVersion: number, events: readonly LevelEvent[], now: Date): void {
    if (expectedVersion !== this.events.length) throw new ConflictInTest(`expected ${expectedVersion}, at ${this.events.length}`);
    for (const event of events) this.events.push({ ...event, version: this.events.length + 1, time: now.toISOString() });
  }

  types(): string[] {
    return this.events.map((event) => event.type);
  }
}

/** A log holding the route the invoice policy chooses for `facts`, started at T0. */
export function routedInvoice(facts: object, sizes: Record<string, number> = GROUP_SIZES): LevelLog {
  const routing = startRoute(evaluatePolicy(invoicePolicy(), facts), sizes, T0, { approvalId: 'exec-1-1', executionId: 'exec-1' });
  if (!routing.ok) throw new Error(routing.problem);
  const log = new LevelLog();
  log.append(0, routing.events, T0);
  return log;
}
