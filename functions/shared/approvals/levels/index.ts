/**
 * Multi-level approvals, pure (no I/O, no clock: `now` is passed in): the level events, their
 * fold, votes, timers, routing and the roster of a route's groups. Policy gates run them through
 * functions/shared/approvals/policy-gate/ (docs/approval-policies.md, "How levels run").
 */
export { startRoute, type RouteIds, type Routing } from './route.js';
export { finalDeliver, type LevelVote, type VoteOutcome, type VoteRefusalReason, voteAtLevel } from './decide.js';
export { asEventData, LEVEL_EVENT_TYPES, type LevelDeliver, type LevelEvent, type LevelEventData, type LevelEventType, levelEventIssues, MAX_GROUP_SIZE, type RoutedLevel } from './events.js';
export { evolveLevels, type FoldableEvent, initialLevelState, type LevelState, levelState, type LevelStatus, type RecordedVote, votesOfGroupAsked } from './state.js';
export { nextTimerAt, onTimer, type TimerOutcome } from './timers.js';
export { settleLevel } from './settle.js';
export { rosterIndex, rosterOf, rosterPosition, type RosterEntry } from './roster.js';
