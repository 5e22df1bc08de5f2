import fc from 'fast-check';
import type { Level } from '../../../../functions/shared/approvals/policy/schema.js';

/** Routes of 1 to 3 levels with small groups, and their group sizes; escalation groups are never smaller than the quorum they keep. */
export interface ArbitraryRoute {
  levels: Level[];
  sizes: Record<string, number>;
}

const levelArbitrary = (index: number) =>
  fc
    .record({
      size: fc.integer({ min: 1, max: 4 }),
      quorumPick: fc.integer({ min: 1, max: 4 }),
      all: fc.boolean(),
      deadlineHours: fc.integer({ min: 2, max: 72 }),
      reminder: fc.option(fc.integer({ min: 1, max: 80 }), { nil: undefined }),
      escalation: fc.option(fc.record({ size: fc.integer({ min: 1, max: 4 }), deadlineHours: fc.integer({ min: 2, max: 48 }) }), { nil: undefined }),
    })
    .map(({ size, quorumPick, all, deadlineHours, reminder, escalation }) => {
      const quorum = Math.min(quorumPick, size);
      const level: Level = {
        name: `level-${index}`,
        group: `group-${index}`,
        quorum: all ? 'all' : quorum,
        deadlineHours,
        ...(reminder !== undefined ? { reminderHoursBeforeDeadline: reminder } : {}),
        onDeadline: escalation === undefined ? 'fail' : { escalateTo: `escalation-${index}`, deadlineHours: escalation.deadlineHours },
      };
      const sizes: Record<string, number> = { [level.group]: size };
      if (escalation !== undefined) sizes[`escalation-${index}`] = all ? escalation.size : Math.max(escalation.size, quorum);
      return { level, sizes };
    });

export const routeArbitrary: fc.Arbitrary<ArbitraryRoute> = fc
  .integer({ min: 1, max: 3 })
  .chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => levelArbitrary(i))))
  .map((levels) => ({ levels: levels.map(({ level }) => level), sizes: Object.assign({}, ...levels.map(({ sizes }) => sizes)) as Record<string, number> }));

export const decisionArbitrary = fc.oneof({ arbitrary: fc.constant('approve' as const), weight: 6 }, { arbitrary: fc.constant('reject' as const), weight: 1 });
