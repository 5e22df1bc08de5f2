import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type LevelVote, voteAtLevel } from '../../../../functions/shared/approvals/levels/decide.js';
import type { LevelDeliver } from '../../../../functions/shared/approvals/levels/events.js';
import { startRoute } from '../../../../functions/shared/approvals/levels/route.js';
import { type LevelState, levelState, votesOfGroupAsked } from '../../../../functions/shared/approvals/levels/state.js';
import { nextTimerAt, onTimer } from '../../../../functions/shared/approvals/levels/timers.js';
import { decisionArbitrary, routeArbitrary } from './level-arbitraries.js';
import { ConflictInTest, LevelLog, T0 } from './level-log.js';

/**
 * The exactly-once contract, simulated: voters (and, in some runs, a timer) each read the stream,
 * decide on what they read, and append at the version they read; a loser of the race gets a
 * conflict, reads again and decides again. The schedule (who moves next) is arbitrary, so every
 * interleaving of reads and appends is tried. However they interleave: exactly one delivery,
 * each level completes at most once, and never with fewer approvals than its quorum.
 */

type Actor = { kind: 'voter'; vote: Required<Pick<LevelVote, 'approverIndex' | 'decision' | 'level'>> } | { kind: 'timer' };
type Progress = { phase: 'read' } | { phase: 'hold'; snapshot: LevelState } | { phase: 'done' };

class Simulation {
  readonly log = new LevelLog();
  readonly delivered: LevelDeliver[] = [];
  readonly progress: Progress[];
  clock = T0;

  constructor(readonly actors: Actor[]) {
    this.progress = actors.map(() => ({ phase: 'read' }));
  }

  /** One move of one actor: a read, or a decision and its append. Returns whether the stream or the actor moved on. */
  step(index: number): boolean {
    const actor = this.actors[index]!;
    const progress = this.progress[index]!;
    if (progress.phase === 'done') return false;
    if (progress.phase === 'read') {
      this.progress[index] = { phase: 'hold', snapshot: this.log.state() };
      return false;
    }
    const { snapshot } = progress;
    this.progress[index] = { phase: 'read' };
    if (actor.kind === 'timer') {
      const due = nextTimerAt(snapshot);
      if (due === undefined) return false;
      const now = new Date(Math.max(this.clock.getTime(), Date.parse(due)));
      const outcome = onTimer(snapshot, now);
      if (outcome.events.length === 0) return false;
      if (!this.append(snapshot, outcome.events, outcome.deliver, now)) return false;
      this.clock = now;
      return true;
    }
    const outcome = voteAtLevel(snapshot, { ...actor.vote, group: snapshot.route[actor.vote.level]?.group }, this.clock);
    if (!outcome.ok) {
      // A vote for a level not open yet waits for it; any other refusal is final.
      const waiting = outcome.reason === 'wrong-approver' && snapshot.status === 'pending' && actor.vote.level > snapshot.level;
      if (!waiting) this.progress[index] = { phase: 'done' };
      return !waiting;
    }
    if (outcome.events.length === 0 || this.append(snapshot, outcome.events, outcome.deliver, this.clock)) {
      this.progress[index] = { phase: 'done' };
      return true;
    }
    return false;
  }

  private append(snapshot: LevelState, events: Parameters<LevelLog['append']>[1], deliver: LevelDeliver | undefined, now: Date): boolean {
    try {
      this.log.append(snapshot.version, events, now);
    } catch (error) {
      if (error instanceof ConflictInTest) return false;
      throw error;
    }
    if (deliver !== undefined) this.delivered.push(deliver);
    return true;
  }

  /** An actor's turn alone: finish what it held (which may lose to what others appended), then read afresh and decide. */
  turn(index: number): boolean {
    let moved = false;
    if (this.progress[index]!.phase === 'hold') moved = this.step(index);
    if (this.progress[index]!.phase === 'read') {
      this.step(index);
      moved = this.step(index) || moved;
    }
    return moved;
  }

  /** After the schedule: everyone takes turns until nobody moves; then the timer takes its turn, until the gate ends. */
  drain(): void {
    const timer = this.actors.findIndex((actor) => actor.kind === 'timer');
    for (let rounds = 0; rounds < 1000; rounds++) {
      let moved = false;
      for (let i = 0; i < this.actors.length; i++) if (i !== timer) moved = this.turn(i) || moved;
      if (moved) continue;
      if (this.log.state().status !== 'pending') return;
      if (!this.turn(timer)) return;
    }
    throw new Error('the simulation did not settle');
  }
}

const scenario = routeArbitrary.chain((route) => {
  const sizes = route.levels.map((level) => route.sizes[level.group]!);
  const everyone = sizes.flatMap((size, level) => Array.from({ length: size }, (_, approverIndex) => ({ level, approverIndex })));
  return fc.record({
    route: fc.constant(route),
    votes: fc.tuple(...everyone.map((voter) => decisionArbitrary.map((decision) => ({ ...voter, decision })))),
    // The same approver clicking again, perhaps differently (a double click, a change of mind).
    repeats: fc.array(fc.record({ pick: fc.nat(), decision: decisionArbitrary }), { maxLength: 3 }),
    timerRaces: fc.boolean(),
    schedule: fc.array(fc.nat(), { maxLength: 80 }),
  });
});

describe('concurrent votes reach each quorum once', () => {
  it('for any interleaving: exactly one delivery, each level completed at most once and never below its quorum', () => {
    fc.assert(
      fc.property(scenario, ({ route, votes, repeats, timerRaces, schedule }) => {
        const routing = startRoute({ kind: 'route', rule: 'generated', levels: route.levels }, route.sizes, T0, { approvalId: 'e-1', executionId: 'e' });
        if (!routing.ok) throw new Error(routing.problem);
        const voters: Actor[] = [...votes, ...repeats.map(({ pick, decision }) => ({ ...votes[pick % votes.length]!, decision }))].map((vote) => ({ kind: 'voter', vote }));
        const simulation = new Simulation([...voters, { kind: 'timer' }]);
        simulation.log.append(0, routing.events, T0);
        const racing = timerRaces ? simulation.actors.length : voters.length;
        for (const pick of schedule) simulation.step(pick % racing);
        simulation.drain();

        const { log, delivered } = simulation;
        expect(delivered).toHaveLength(1);
        const ends = log.types().filter((type) => type === 'ApprovalDecided' || type === 'ApprovalExpired');
        expect(ends).toHaveLength(1);
        const final = log.state();
        expect(final.status).toBe(delivered[0]!.kind === 'success' ? 'approved' : delivered[0]!.kind === 'failure' && delivered[0]!.error === 'ApprovalRejected' ? 'rejected' : 'expired');

        // Walk the stream: every vote written is one the fold counts, and each completion follows a quorum of approvals.
        const completions = new Map<number, number>();
        for (let i = 0; i < log.events.length; i++) {
          const event = log.events[i]!;
          const before = levelState(log.events.slice(0, i));
          const after = levelState(log.events.slice(0, i + 1));
          if (event.type === 'ApprovalVoted') {
            const level = (event.data as { level: number }).level;
            expect(after.votes[level]!.length).toBe(before.votes[level]!.length + 1);
          }
          if (event.type === 'ApprovalLevelCompleted') {
            const level = (event.data as { level: number }).level;
            completions.set(level, (completions.get(level) ?? 0) + 1);
            expect(votesOfGroupAsked(before).filter((vote) => vote.decision === 'approve').length).toBeGreaterThanOrEqual(before.quorum);
            expect(after.completedLevels).toContain(level);
          }
        }
        for (const count of completions.values()) expect(count).toBe(1);
        if (final.status === 'approved') expect(completions.size).toBe(route.levels.length);
      }),
      { numRuns: 300 },
    );
  });

  it('the two-level 2-of-3 route completes exactly once when all three directors click at the same moment', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 0, maxLength: 40 }), (schedule) => {
        const levels = [
          { name: 'manager', group: 'managers', quorum: 1, deadlineHours: 24, onDeadline: 'fail' as const },
          { name: 'finance-directors', group: 'finance-directors', quorum: 2, deadlineHours: 48, onDeadline: 'fail' as const },
        ];
        const routing = startRoute({ kind: 'route', rule: 'above-50000', levels }, { managers: 2, 'finance-directors': 3 }, T0, { approvalId: 'e-1', executionId: 'e' });
        if (!routing.ok) throw new Error(routing.problem);
        const voters: Actor[] = [
          { kind: 'voter', vote: { level: 0, approverIndex: 0, decision: 'approve' } },
          { kind: 'voter', vote: { level: 0, approverIndex: 1, decision: 'approve' } },
          ...[0, 1, 2].map((approverIndex): Actor => ({ kind: 'voter', vote: { level: 1, approverIndex, decision: 'approve' } })),
        ];
        const simulation = new Simulation([...voters, { kind: 'timer' }]);
        simulation.log.append(0, routing.events, T0);
        for (const pick of schedule) simulation.step(pick % voters.length);
        simulation.drain();
        expect(simulation.delivered).toEqual([{ kind: 'success' }]);
        expect(simulation.log.types().filter((type) => type === 'ApprovalLevelCompleted')).toHaveLength(2);
        expect(simulation.log.types().filter((type) => type === 'ApprovalVoted')).toHaveLength(3);
      }),
      { numRuns: 300 },
    );
  });
});
