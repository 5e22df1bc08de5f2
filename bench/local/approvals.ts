import { performance } from 'node:perf_hooks';
import type { LocalEngine } from '../../lib/local/runtime/engine/engine.js';
import { approvalLinks } from '../../lib/local/runtime/services/inbox-client.js';
import { coveredMs, type TracedRequest, type traceRequests, type watchResumes } from './approval-probe.js';
import { type AnsweredRequest, watchServerRequests } from './server-requests.js';
import { executionIdOfApproval } from '../../functions/shared/approvals/approval-id.js';
import { splitExecutionId } from '../../functions/shared/events/execution-id.js';

/** How long a large invoice may take to reach its gate, or an approved one to end. */
const WITHIN_MS = 5 * 60_000;

/** An execution waiting at its approval gate, with the link its approval email carries. */
export interface GatedExecution {
  name: string;
  executionArn: string;
  link: string;
}

/** One approval, timed from sending the POST (its GET already done). Milliseconds. */
export interface ApprovalSample {
  /** To the gate task resumed (SendTaskSuccess reached the engine). NaN if it never was. */
  resumeMs: number;
  /** To the POST's answer (sent after SendTaskSuccess was answered). */
  answeredMs: number;
  /** To the execution SUCCEEDED (engine.waitUntilEnded). */
  succeededMs: number;
  postStatus: number;
  ended: string;
  /** What the local services were asked between the POST and the resume, when traced. */
  requests?: TracedRequest[];
}

export interface ApprovalTools {
  engine: LocalEngine;
  resumes: ReturnType<typeof watchResumes>;
  trace?: ReturnType<typeof traceRequests>;
}

/**
 * Starts the large invoice under each name and resolves once every one waits at its gate with
 * its approval email in the inbox. The inbox is read again only after the SES server has
 * answered a new request (an email sent), never on a timer.
 *
 * @example
 * const gated = await startGated({ engine, stateMachineArn, input, inboxUrl }, ['large-1', 'large-2']);
 */
export async function startGated(
  run: { engine: LocalEngine; stateMachineArn: string; input: string; inboxUrl: string },
  names: readonly string[],
): Promise<GatedExecution[]> {
  const sesPort = Number(new URL(run.inboxUrl).port);
  const sent = changes((request) => request.port === sesPort && request.method !== 'GET');
  let gated = false;
  try {
    const arns = new Map<string, string>();
    const endedEarly: string[] = [];
    for (const name of names) {
      const { executionArn } = await run.engine.startExecution({ stateMachineArn: run.stateMachineArn, name, input: run.input });
      arns.set(name, executionArn);
      // One that ends before its gate would be waited for in vain: say so at once.
      void run.engine.waitUntilEnded(executionArn, WITHIN_MS).then((ended) => {
        if (gated || ended.status === 'RUNNING') return;
        endedEarly.push(`${name} ${ended.status}${ended.error === undefined ? '' : ` (${ended.error}: ${ended.cause ?? ''})`}`);
        sent.wake();
      });
    }
    const deadline = performance.now() + WITHIN_MS;
    for (;;) {
      const seen = sent.count();
      const links = await linksByExecution(run.inboxUrl);
      const missing = names.filter((name) => !links.has(name));
      if (missing.length === 0) {
        gated = true;
        return names.map((name) => ({ name, executionArn: arns.get(name)!, link: links.get(name)! }));
      }
      if (endedEarly.length > 0) throw new Error(`a large invoice ended before its approval email: ${endedEarly[0]}`);
      if (!(await sent.after(seen, deadline - performance.now()))) {
        throw new Error(`${missing.length} of ${names.length} large invoices sent no approval email within ${WITHIN_MS / 1000} s (first: ${missing[0]})`);
      }
    }
  } finally {
    gated = true;
    sent.stop();
  }
}

/**
 * Approves one waiting execution as a browser does: GET the page (not timed), then POST the
 * approve button's form, timed to the resume and to the answer. Resolves once both are in;
 * `ended` resolves with the whole sample once the execution has ended.
 */
export async function approveOne(gated: GatedExecution, tools: ApprovalTools): Promise<{ ended: Promise<ApprovalSample> }> {
  const shown = await fetch(gated.link);
  const page = await shown.text();
  if (shown.status !== 200 || !page.includes('value="approve"')) throw new Error(`the approval page of ${gated.name} answered ${shown.status} without an approve button`);
  const t0 = performance.now();
  const resumed = tools.resumes.resumedAt(gated.executionArn, WITHIN_MS);
  const answer = await fetch(gated.link, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ decision: 'approve' }).toString(),
  });
  await answer.text();
  const answeredAt = performance.now();
  const resumedAt = answer.status === 200 ? await resumed : Number.NaN;
  const requests = tools.trace?.between(t0, Number.isNaN(resumedAt) ? answeredAt : resumedAt);
  const ended = tools.engine.waitUntilEnded(gated.executionArn, WITHIN_MS).then(({ status }) => ({
    resumeMs: resumedAt - t0,
    answeredMs: answeredAt - t0,
    succeededMs: performance.now() - t0,
    postStatus: answer.status,
    ended: status,
    ...(requests === undefined ? {} : { requests }),
  }));
  return { ended };
}

/**
 * Approves them one after another, as one person clicking: each POST is sent once the previous
 * one has resumed its execution and been answered. With `waitForEnds` the next also waits for
 * the previous execution to end (at rest: nothing else runs while one is timed); without, the
 * approved executions finish their last steps while the next approval is timed (under load,
 * where waiting for each end would take seconds each).
 */
export async function approveInTurn(
  gated: readonly GatedExecution[],
  tools: ApprovalTools,
  options: { waitForEnds: boolean },
): Promise<ApprovalSample[]> {
  const samples: Array<Promise<ApprovalSample>> = [];
  for (const one of gated) {
    const { ended } = await approveOne(one, tools);
    if (options.waitForEnds) await ended;
    samples.push(ended);
  }
  return Promise.all(samples);
}

/** One service operation's share of the POST-to-resume time, per approval on average. */
export interface RequestShare {
  name: string;
  perApproval: number;
  msPerApproval: number;
}

/**
 * What the traced approvals asked the local services, per approval on average, most time first,
 * and how much of POST-to-resume at least one such request was open (the rest is the handler's
 * own work and the hops between).
 */
export function requestShares(samples: readonly ApprovalSample[]): { shares: RequestShare[]; coveredMsPerApproval: number; resumeMsPerApproval: number } {
  const traced = samples.filter((s) => s.requests !== undefined && !Number.isNaN(s.resumeMs));
  const totals = new Map<string, { count: number; ms: number }>();
  let covered = 0;
  let resume = 0;
  for (const sample of traced) {
    covered += coveredMs(sample.requests!);
    resume += sample.resumeMs;
    for (const request of sample.requests!) {
      const total = totals.get(request.name) ?? { count: 0, ms: 0 };
      total.count += 1;
      total.ms += request.finishedAt - request.startedAt;
      totals.set(request.name, total);
    }
  }
  const n = Math.max(1, traced.length);
  const shares = [...totals].map(([name, { count, ms }]) => ({ name, perApproval: count / n, msPerApproval: ms / n })).sort((a, b) => b.msPerApproval - a.msPerApproval);
  return { shares, coveredMsPerApproval: covered / n, resumeMsPerApproval: resume / n };
}

/** Links in the inbox by execution name (an approval id is `<workflow>:<execution name>-<gate>`). */
async function linksByExecution(inboxUrl: string): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  for (const link of await approvalLinks(inboxUrl)) links.set(splitExecutionId(executionIdOfApproval(link.approvalId)).name, link.url);
  return links;
}

/** Counts requests that match, and lets a caller wait for the count to move past what it saw. */
function changes(matches: (request: AnsweredRequest) => boolean) {
  let count = 0;
  const waiters = new Set<() => void>();
  const wakeAll = () => {
    for (const wake of [...waiters]) wake();
  };
  const stop = watchServerRequests((request) => {
    if (!matches(request)) return;
    count += 1;
    wakeAll();
  });
  return {
    count: () => count,
    /** Ends every wait now (something else happened that the waiter must look at). */
    wake: wakeAll,
    /** True once the count is past `seen`; false if `withinMs` passes first. */
    after(seen: number, withinMs: number): Promise<boolean> {
      if (count > seen) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => done(false), Math.max(0, withinMs));
        const done = (moved: boolean) => {
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(moved);
        };
        const wake = () => done(true);
        waiters.add(wake);
      });
    },
    stop,
  };
}
