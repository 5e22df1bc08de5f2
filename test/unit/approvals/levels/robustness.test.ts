import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { voteAtLevel } from '../../../../functions/shared/approvals/levels/decide.js';
import { LEVEL_EVENT_TYPES, levelEventIssues } from '../../../../functions/shared/approvals/levels/events.js';
import { startRoute } from '../../../../functions/shared/approvals/levels/route.js';
import { levelState } from '../../../../functions/shared/approvals/levels/state.js';
import { nextTimerAt, onTimer } from '../../../../functions/shared/approvals/levels/timers.js';
import { decisionArbitrary, routeArbitrary } from './level-arbitraries.js';
import { LevelLog, T0 } from './level-log.js';

/** No stream, vote or timer makes the fold or the functions throw, and nothing they write is data the validator refuses. */

const instant = fc.oneof(fc.integer({ min: -100, max: 400 }).map((hours) => new Date(T0.getTime() + hours * 3_600_000).toISOString()), fc.constantFrom('not a date', '', '9999-99-99T99:99:99.999Z'));
const loose = fc.oneof(fc.integer({ min: -2, max: 6 }), fc.constantFrom('g0', 'group-0', 'approve', 'reject', 'e-1', null, 1.5, Number.NaN), instant, fc.anything({ maxDepth: 2 }));
const looseData = fc.oneof(
  fc.dictionary(fc.constantFrom('approvalId', 'executionId', 'rule', 'level', 'group', 'quorum', 'approverCount', 'approverIndex', 'decision', 'deadlineAt', 'reminderAt', 'escalatedFrom', 'toGroup', 'approverIndexes', 'levels', 'other'), loose, { maxKeys: 8 }),
  fc.anything({ maxDepth: 3 }),
);
const looseEvent = fc.record({
  type: fc.oneof(fc.constantFrom(...LEVEL_EVENT_TYPES), fc.constantFrom('ApprovalRequested', 'StepSucceeded', 'toString', '__proto__')),
  data: looseData,
  version: fc.option(fc.oneof(fc.nat(), fc.constant(Number.NaN)), { nil: undefined }),
});

const op = fc.oneof(
  fc.record({ kind: fc.constant('vote' as const), approverIndex: fc.integer({ min: -1, max: 5 }), decision: decisionArbitrary, level: fc.option(fc.integer({ min: -1, max: 4 }), { nil: undefined }), hours: fc.integer({ min: 0, max: 200 }) }),
  fc.record({ kind: fc.constant('timer' as const), hours: fc.integer({ min: 0, max: 200 }) }),
);

describe('robustness', () => {
  it('the fold never throws, whatever the events, and the functions never throw on its state', () => {
    fc.assert(
      fc.property(fc.array(looseEvent, { maxLength: 20 }), fc.integer({ min: -5, max: 6 }), instant, (events, approverIndex, now) => {
        const state = levelState(events);
        const when = new Date(now);
        voteAtLevel(state, { approverIndex, decision: 'approve' }, when);
        onTimer(state, when);
        nextTimerAt(state);
      }),
      { numRuns: 400 },
    );
  });

  it('any sequence of votes and timers on a routed gate writes only valid events, and nothing after the gate ended', () => {
    fc.assert(
      fc.property(routeArbitrary, fc.array(op, { maxLength: 25 }), (route, ops) => {
        const routing = startRoute({ kind: 'route', rule: 'generated', levels: route.levels }, route.sizes, T0, { approvalId: 'e-1', executionId: 'e' });
        if (!routing.ok) throw new Error(routing.problem);
        const log = new LevelLog();
        log.append(0, routing.events, T0);
        let clock = T0.getTime();
        for (const next of ops) {
          clock += next.hours * 3_600_000;
          const now = new Date(clock);
          const state = log.state();
          const outcome = next.kind === 'vote' ? voteAtLevel(state, { approverIndex: next.approverIndex, decision: next.decision, ...(next.level !== undefined ? { level: next.level } : {}) }, now) : onTimer(state, now);
          const events = 'events' in outcome ? outcome.events : [];
          if (state.status !== 'pending') expect(events).toEqual([]);
          for (const event of events) expect(levelEventIssues(event.type, event.data, 'data')).toEqual([]);
          if (events.length > 0) log.append(state.version, events, now);
          // Whatever was appended is taken by the fold: it moved the state on.
          if (events.length > 0) expect(log.state()).not.toEqual({ ...state, version: log.state().version });
        }
        expect(log.types().filter((type) => type === 'ApprovalDecided' || type === 'ApprovalExpired').length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });
});
