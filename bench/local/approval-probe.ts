import { performance } from 'node:perf_hooks';
import type { TaskTokens } from '../../lib/local/runtime/engine/task-tokens.js';
import { type AnsweredRequest, watchServerRequests } from './server-requests.js';

/**
 * When each waiting task was resumed: the moment SendTaskSuccess reached the engine's task
 * tokens and settled the gate's answer (the gate task continues from there).
 *
 * Why it wraps the engine's `tokens` object: nothing public tells of a resume, and these two
 * methods are where every SendTaskSuccess passes (the local AWS endpoint calls the engine, the
 * engine calls `tokens.succeed`). The wrappers only note times; `stop()` puts the methods back.
 *
 * @example
 * const resumes = watchResumes(runtime.engine.tokens);
 * const at = await resumes.resumedAt(executionArn, 60_000); // performance.now() of the resume
 */
export function watchResumes(tokens: TaskTokens) {
  const { issue, succeed } = tokens;
  const executionOf = new Map<string, string>();
  const resumed = new Map<string, number>();
  const waiters = new Map<string, (at: number) => void>();
  tokens.issue = (task) => {
    const issued = issue.call(tokens, task);
    executionOf.set(issued.token, task.executionArn);
    return issued;
  };
  tokens.succeed = (token, output) => {
    succeed.call(tokens, token, output); // throws for an unknown token: no resume then
    const at = performance.now();
    const executionArn = executionOf.get(token);
    executionOf.delete(token);
    if (executionArn === undefined) return;
    resumed.set(executionArn, at);
    waiters.get(executionArn)?.(at);
  };
  return {
    /** Resolves with the time the execution's waiting task was resumed, or NaN after `timeoutMs`. */
    resumedAt(executionArn: string, timeoutMs: number): Promise<number> {
      const known = resumed.get(executionArn);
      if (known !== undefined) return Promise.resolve(known);
      return new Promise((resolve) => {
        const timer = setTimeout(() => done(Number.NaN), timeoutMs);
        const done = (at: number) => {
          clearTimeout(timer);
          waiters.delete(executionArn);
          resolve(at);
        };
        waiters.set(executionArn, done);
      });
    },
    stop(): void {
      tokens.issue = issue;
      tokens.succeed = succeed;
    },
  };
}

/** One request a local service answered while an approval was being decided. */
export interface TracedRequest {
  /** `dynamodb PutItem`, `aws SendTaskSuccess`, `s3 PUT` ... */
  name: string;
  startedAt: number;
  finishedAt: number;
}

/**
 * Records every request the local services answer, named by service and operation, to see what
 * an approval's POST spends its time on (at rest, when nothing else runs).
 *
 * @example
 * const trace = traceRequests({ [dynamodbPort]: 'dynamodb', [awsPort]: 'aws' });
 * const during = trace.between(t0, t1);
 */
export function traceRequests(services: Readonly<Record<number, string>>) {
  let recorded: TracedRequest[] = [];
  const stop = watchServerRequests((request: AnsweredRequest) => {
    const service = services[request.port];
    if (service === undefined) return;
    const operation = request.operation === '(none)' ? request.method : request.operation;
    recorded.push({ name: `${service} ${operation}`, startedAt: request.startedAt, finishedAt: request.finishedAt });
  });
  return {
    /**
     * The requests that started between `from` and `to`, cut off at `to` (SendTaskSuccess is
     * answered after the resume it causes); everything recorded so far is forgotten.
     */
    between(from: number, to: number): TracedRequest[] {
      const inside = recorded.filter((r) => r.startedAt >= from && r.startedAt <= to).map((r) => ({ ...r, finishedAt: Math.min(r.finishedAt, to) }));
      recorded = [];
      return inside;
    },
    stop,
  };
}

/**
 * How long at least one of the intervals was open (their union), in the intervals' unit.
 *
 * @example
 * coveredMs([{ startedAt: 0, finishedAt: 10 }, { startedAt: 5, finishedAt: 12 }, { startedAt: 20, finishedAt: 21 }]); // 13
 */
export function coveredMs(intervals: readonly { startedAt: number; finishedAt: number }[]): number {
  const sorted = [...intervals].sort((a, b) => a.startedAt - b.startedAt);
  let total = 0;
  let open: { startedAt: number; finishedAt: number } | undefined;
  for (const { startedAt, finishedAt } of sorted) {
    if (open !== undefined && startedAt <= open.finishedAt) open.finishedAt = Math.max(open.finishedAt, finishedAt);
    else {
      if (open !== undefined) total += open.finishedAt - open.startedAt;
      open = { startedAt, finishedAt };
    }
  }
  return open === undefined ? total : total + open.finishedAt - open.startedAt;
}
