import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type LevelAsked, levelAskedInWords, levelProgressInWords, type LevelViewer } from '../../../functions/shared/approvals/level-words.js';
import { voteAtLevel, type LevelVote } from '../../../functions/shared/approvals/levels/decide.js';
import { LEVEL_EVENT_TYPES } from '../../../functions/shared/approvals/levels/events.js';
import { startRoute } from '../../../functions/shared/approvals/levels/route.js';
import { initialLevelState, levelState } from '../../../functions/shared/approvals/levels/state.js';
import { onTimer } from '../../../functions/shared/approvals/levels/timers.js';
import { decisionArbitrary, routeArbitrary } from './levels/level-arbitraries.js';
import { at, type LevelLog, LevelLog as Log, routedInvoice, T0 } from './levels/level-log.js';

/**
 * A policy level in the approver's words: which level asks them and what closes it, who at
 * their level decided (by title and position from 1, the viewer as "you") and what is still
 * needed. Played on the shipped invoice policy through the pure domain; never an address,
 * never a word the caller did not give.
 */
const MANAGER = { one: 'manager', other: 'managers' };
const DIRECTOR = { one: 'finance director', other: 'finance directors' };
const TITLES = { managers: MANAGER, 'finance-directors': DIRECTOR, finance: { one: 'finance approver', other: 'finance approvers' } };
const ABOVE_50000 = { amount: '75000.00', currency: 'EUR', knownVendor: true };
const MID_RANGE = { amount: '12000.00', currency: 'EUR', knownVendor: true };

function vote(log: LevelLog, command: LevelVote, now: Date): void {
  const state = log.state();
  const outcome = voteAtLevel(state, command, now);
  if (!outcome.ok) throw new Error(`refused: ${outcome.reason}`);
  log.append(state.version, outcome.events, now);
}

function fire(log: LevelLog, now: Date): void {
  const state = log.state();
  const outcome = onTimer(state, now);
  if (outcome.events.length > 0) log.append(state.version, outcome.events, now);
}

describe('levelAskedInWords', () => {
  it('says the level, who the approver is among whom, and what closes it', () => {
    expect(levelAskedInWords({ levelIndex: 1, levelCount: 2, title: DIRECTOR, quorum: 2, approverCount: 3 })).toBe(
      'Level 2 of 2. You are one of 3 finance directors; 2 of 3 finance directors must approve, and one rejection closes it.',
    );
    expect(levelAskedInWords({ levelIndex: 0, levelCount: 2, title: MANAGER, quorum: 1, approverCount: 2 })).toBe(
      'Level 1 of 2. You are one of 2 managers; the first decision closes it. Once this level approves, the request goes on to level 2.',
    );
    expect(levelAskedInWords({ levelIndex: 0, levelCount: 3, title: MANAGER, quorum: 'all', approverCount: 1 })).toBe(
      'Level 1 of 3. You are the only manager; your decision closes it. Once this level approves, the request goes on to level 2.',
    );
  });

  it('does not number the one level of a one-level route', () => {
    expect(levelAskedInWords({ levelIndex: 0, levelCount: 1, title: { one: 'finance approver', other: 'finance approvers' }, quorum: 1, approverCount: 3 })).toBe(
      'You are one of 3 finance approvers; the first decision closes it.',
    );
  });

  it('says why an escalated level came to the approver', () => {
    expect(levelAskedInWords({ levelIndex: 0, levelCount: 2, title: DIRECTOR, quorum: 1, approverCount: 3, escalatedFrom: MANAGER })).toBe(
      'Level 1 of 2. This level was escalated to you because the managers did not decide in time. You are one of 3 finance directors; the first decision closes it. Once this level approves, the request goes on to level 2.',
    );
  });

  it('reads a blank title as "approver" and holds positions to the route', () => {
    expect(levelAskedInWords({ levelIndex: 7, levelCount: 2, title: { one: ' \n', other: '' }, quorum: 1, approverCount: 1 })).toBe('Level 2 of 2. You are the only approver; your decision closes it.');
    expect(levelAskedInWords({ levelIndex: -3, levelCount: Number.NaN, title: MANAGER, quorum: 1, approverCount: 1 })).toBe('You are the only manager; your decision closes it.');
  });

  it('never throws, and says only what it was given: its own words, the titles and counts, no address', () => {
    const title = fc.record({ one: fc.string({ maxLength: 12 }), other: fc.string({ maxLength: 12 }) });
    const number = fc.oneof(fc.integer({ min: -3, max: 9 }), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 1.5, Number.MAX_SAFE_INTEGER));
    fc.assert(
      fc.property(number, number, title, fc.oneof(number, fc.constant('all' as const)), number, fc.option(title, { nil: undefined }), (levelIndex, levelCount, t, quorum, approverCount, escalatedFrom) => {
        const asked: LevelAsked = { levelIndex, levelCount, title: t, quorum, approverCount, ...(escalatedFrom !== undefined ? { escalatedFrom } : {}) };
        const words = levelAskedInWords(asked);
        expect(words).not.toMatch(/NaN|undefined|Infinity|null|\[object/);
        expect(words).toMatch(/^(Level [1-5] of [2-5]\. )?(This level was escalated to you because the .+ did not decide in time\. )?You are (the only .+; your decision closes it\.|one of \d+ .+; (the first decision closes it|.+ must approve, and one rejection closes it)\.)( Once this level approves, the request goes on to level [2-5]\.)?$/s);
      }),
      { numRuns: 300 },
    );
    const planted = 'approver.one@example.com';
    expect(levelAskedInWords({ levelIndex: 0, levelCount: 2, title: MANAGER, quorum: 1, approverCount: 2 })).not.toContain('@');
    expect(levelAskedInWords({ levelIndex: 0, levelCount: 2, title: { one: planted, other: planted }, quorum: 1, approverCount: 2 })).toContain(planted);
  });
});

describe('levelProgressInWords', () => {
  it('above 50,000: the manager sees their approval passed the request on; the directors see what is still needed, then the end', () => {
    const log = routedInvoice(ABOVE_50000);
    const manager: LevelViewer = { group: 'managers', approverIndex: 1 };
    expect(levelProgressInWords(log.state(), manager, TITLES)).toEqual(['No one at this level has decided yet.', '1 more approval from the managers is needed.']);

    vote(log, { approverIndex: 1, decision: 'approve', level: 0, group: 'managers' }, at(2));
    expect(levelProgressInWords(log.state(), manager, TITLES)).toEqual(['You approved.', 'This level approved; level 2 of 2 is now asked of the finance directors.']);
    expect(levelProgressInWords(log.state(), { group: 'managers', approverIndex: 0 }, TITLES)).toEqual(['Manager 2 approved.', 'This level approved; level 2 of 2 is now asked of the finance directors.']);

    const director: LevelViewer = { group: 'finance-directors', approverIndex: 1, level: 1 };
    expect(levelProgressInWords(log.state(), director, TITLES)).toEqual(['No one at this level has decided yet.', '2 more approvals from the finance directors are needed.']);
    vote(log, { approverIndex: 0, decision: 'approve', level: 1, group: 'finance-directors' }, at(3));
    expect(levelProgressInWords(log.state(), director, TITLES)).toEqual(['Finance director 1 approved.', '1 more approval from the finance directors is needed.']);
    vote(log, { approverIndex: 1, decision: 'approve', level: 1, group: 'finance-directors' }, at(4));
    expect(levelProgressInWords(log.state(), director, TITLES)).toEqual(['Finance director 1 approved.', 'You approved.', 'Every level approved: the request is approved.']);
  });

  it('words a rejection as ending the request, at its level and for the levels before', () => {
    const log = routedInvoice(ABOVE_50000);
    vote(log, { approverIndex: 0, decision: 'approve', level: 0, group: 'managers' }, at(1));
    vote(log, { approverIndex: 2, decision: 'reject', level: 1, group: 'finance-directors' }, at(2));
    expect(levelProgressInWords(log.state(), { group: 'finance-directors', approverIndex: 0 }, TITLES)).toEqual(['Finance director 3 rejected: the request is rejected.']);
    expect(levelProgressInWords(log.state(), { group: 'finance-directors', approverIndex: 2 }, TITLES)).toEqual(['You rejected: the request is rejected.']);
    expect(levelProgressInWords(log.state(), { group: 'managers', approverIndex: 0 }, TITLES)).toEqual(['You approved.', 'The request was rejected at level 2.']);
  });

  it('tells the first group its level was escalated, and the escalation group what it still needs', () => {
    const log = routedInvoice(ABOVE_50000);
    fire(log, at(24));
    expect(log.state()).toMatchObject({ level: 0, group: 'finance-directors', escalated: true });
    expect(levelProgressInWords(log.state(), { group: 'managers', approverIndex: 0, level: 0 }, TITLES)).toEqual([
      'No one at this level has decided yet.',
      'This level was escalated to the finance directors because the managers did not decide in time.',
      '1 more approval from the finance directors is needed.',
    ]);
    expect(levelProgressInWords(log.state(), { group: 'finance-directors', approverIndex: 2, level: 0 }, TITLES)).toEqual([
      'No one at this level has decided yet.',
      '1 more approval from the finance directors is needed.',
    ]);
  });

  it('says when the time to decide ran out, and says nothing before the route has started', () => {
    const log = routedInvoice(MID_RANGE);
    fire(log, at(48));
    fire(log, at(72));
    expect(log.state().status).toBe('expired');
    expect(levelProgressInWords(log.state(), { group: 'finance', approverIndex: 0 }, TITLES)).toEqual([
      'No one at this level has decided yet.',
      'The time to decide ran out: the request is closed without approval.',
    ]);
    expect(levelProgressInWords(initialLevelState, { group: 'finance', approverIndex: 0 }, TITLES)).toEqual([]);
  });

  it('names a group without a title as approvers, and a link for a level not yet started says so', () => {
    const log = routedInvoice(ABOVE_50000);
    vote(log, { approverIndex: 0, decision: 'approve', level: 0, group: 'managers' }, at(1));
    vote(log, { approverIndex: 1, decision: 'approve', level: 1, group: 'finance-directors' }, at(2));
    expect(levelProgressInWords(log.state(), { group: 'finance-directors', approverIndex: 0 }, {})).toEqual(['Approver 2 approved.', '1 more approval from the approvers is needed.']);
    const fresh = routedInvoice(ABOVE_50000);
    expect(levelProgressInWords(fresh.state(), { group: 'finance-directors', approverIndex: 0, level: 1 }, TITLES)).toEqual(['No one at this level has decided yet.', 'This level has not started yet.']);
  });

  it('on any route and any votes and timers, every line is one of its sentences, naming only titles and positions', () => {
    const sentence = new RegExp(
      [
        '(You|(Group 0 member|Escalation 0 member|Approver|Group 1 member) \\d+) (approved\\.|rejected: the request is rejected\\.)',
        'No one at this level has decided yet\\.',
        'Every level approved: the request is approved\\.',
        'The request was rejected at level [1-5]\\.',
        'The time to decide ran out: the request is closed without approval\\.',
        'This level approved(; level [1-5] of [1-5] is now asked of the [a-z0-9 ]+)?\\.',
        'This level has not started yet\\.',
        'This level was escalated to the [a-z0-9 ]+ because the [a-z0-9 ]+ did not decide in time\\.',
        '\\d+ more approvals? from the [a-z0-9 ]+ (is|are) needed\\.',
        'No more approvals are needed at this level\\.',
      ]
        .map((alternative) => `(${alternative})`)
        .join('|'),
    );
    // Some groups have titles, the others read as approvers.
    const titles = { 'group-0': { one: 'group 0 member', other: 'group 0 members' }, 'escalation-0': { one: 'escalation 0 member', other: 'escalation 0 members' }, 'group-1': { one: 'group 1 member', other: 'group 1 members' } };
    const op = fc.oneof(
      fc.record({ kind: fc.constant('vote' as const), approverIndex: fc.integer({ min: 0, max: 4 }), decision: decisionArbitrary, hours: fc.integer({ min: 0, max: 60 }) }),
      fc.record({ kind: fc.constant('timer' as const), hours: fc.integer({ min: 0, max: 60 }) }),
    );
    const viewer = fc.record({ group: fc.constantFrom('group-0', 'group-1', 'group-2', 'escalation-0', 'escalation-1', 'other'), approverIndex: fc.integer({ min: 0, max: 4 }), level: fc.option(fc.integer({ min: -1, max: 5 }), { nil: undefined }) });
    fc.assert(
      fc.property(routeArbitrary, fc.array(op, { maxLength: 15 }), viewer, (route, ops, who) => {
        const routing = startRoute({ kind: 'route', rule: 'generated', levels: route.levels }, route.sizes, T0, { approvalId: 'e-1', executionId: 'e' });
        if (!routing.ok) throw new Error(routing.problem);
        const log = new Log();
        log.append(0, routing.events, T0);
        let clock = T0.getTime();
        for (const next of ops) {
          clock += next.hours * 3_600_000;
          const now = new Date(clock);
          const state = log.state();
          const outcome = next.kind === 'vote' ? voteAtLevel(state, { approverIndex: next.approverIndex, decision: next.decision }, now) : onTimer(state, now);
          if ('events' in outcome && outcome.events.length > 0) log.append(state.version, outcome.events, now);
          const { level, ...rest } = who;
          const lines = levelProgressInWords(log.state(), level === undefined ? rest : who, titles);
          expect(lines.length).toBeGreaterThan(0);
          for (const line of lines) expect(line).toMatch(new RegExp(`^(${sentence.source})$`));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('never throws, whatever the state, the viewer and the titles', () => {
    const loose = fc.oneof(fc.integer({ min: -2, max: 6 }), fc.constantFrom('managers', 'finance-directors', 'approve', 'reject', null, 1.5, Number.NaN), fc.anything({ maxDepth: 2 }));
    const event = fc.record({
      type: fc.constantFrom(...LEVEL_EVENT_TYPES),
      data: fc.dictionary(fc.constantFrom('approvalId', 'executionId', 'rule', 'level', 'group', 'quorum', 'approverCount', 'approverIndex', 'decision', 'deadlineAt', 'escalatedFrom', 'levels'), loose, { maxKeys: 8 }),
    });
    const title = fc.oneof(fc.record({ one: fc.string(), other: fc.string() }), fc.anything({ maxDepth: 1 }) as fc.Arbitrary<never>);
    fc.assert(
      fc.property(fc.array(event, { maxLength: 12 }), fc.record({ group: fc.string(), approverIndex: fc.oneof(fc.integer(), fc.double()) }), fc.dictionary(fc.string(), title), fc.option(fc.integer({ min: 0, max: 4 })), (events, who, titles, advanceOn) => {
        // Start from the real invoice route so folds reach a pending level, then add loose events on top.
        const log = routedInvoice(ABOVE_50000);
        const state = levelState([...log.events, ...events]);
        const lines = levelProgressInWords(advanceOn === null ? state : { ...state, level: advanceOn }, who, titles);
        for (const line of lines) expect(line).not.toMatch(/NaN|undefined|Infinity|\[object/);
      }),
      { numRuns: 300 },
    );
  });
});
