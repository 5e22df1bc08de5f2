import { randomBytes } from 'node:crypto';
import { AwsProtocolError } from '../../aws-endpoint/protocol-error.js';

/**
 * The task tokens of `.waitForTaskToken` tasks that are waiting, with AWS's answers to
 * SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat: InvalidToken for a string that is not
 * a token, TaskDoesNotExist for one no task waits on, TaskTimedOut for one whose task timed out,
 * InvalidOutput for output that is not JSON.
 *
 * Tokens live in memory only, like an invocation: after a restart the runtime resumes the
 * waiting task, which issues a new token (and the handler records it in place of the old one).
 */
export interface WaitingTask {
  executionArn: string;
  stateName: string;
}

interface Pending extends WaitingTask {
  resolve(output: unknown): void;
  reject(error: Error): void;
  onHeartbeat?: () => void;
}

/** A task failure sent with SendTaskFailure: Retry and Catch match on its name. */
export class TaskFailure extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

const TOKEN = /^wflt1\.[A-Za-z0-9_-]{64}$/;
/** How many ended tokens are remembered, to answer TaskTimedOut rather than TaskDoesNotExist. */
const REMEMBERED = 1000;

export class TaskTokens {
  private readonly pending = new Map<string, Pending>();
  private readonly timedOut = new Set<string>();

  /**
   * A new token for a task that starts waiting, and the promise its answer settles.
   *
   * @example
   * const { token, answer } = tokens.issue({ executionArn, stateName: 'ApprovalGate' });
   */
  issue(task: WaitingTask & { onHeartbeat?: () => void }): { token: string; answer: Promise<unknown> } {
    const token = `wflt1.${randomBytes(48).toString('base64url')}`;
    let resolve!: (output: unknown) => void;
    let reject!: (error: Error) => void;
    const answer = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Nobody may be listening yet when the task is abandoned (timeout, stop): no unhandled rejection.
    answer.catch(() => undefined);
    this.pending.set(token, { ...task, resolve, reject });
    return { token, answer };
  }

  succeed(token: string, output: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(output);
    } catch {
      throw new AwsProtocolError('InvalidOutput', 'The output is not valid JSON.');
    }
    this.take(token).resolve(parsed);
  }

  fail(token: string, error: string | undefined, cause: string | undefined): void {
    this.take(token).reject(new TaskFailure(error ?? '', cause ?? ''));
  }

  heartbeat(token: string): void {
    this.find(token).onHeartbeat?.();
  }

  /** Fails a waiting task from the runtime's side (HeartbeatSeconds passed without a heartbeat). */
  expire(token: string, error: string, cause: string): void {
    const task = this.pending.get(token);
    if (task === undefined) return;
    this.abandon(token, 'timed-out');
    task.reject(new TaskFailure(error, cause));
  }

  /** The task stopped waiting (timed out, failed to start, execution ended): later answers get TaskTimedOut. */
  abandon(token: string, reason: 'timed-out' | 'ended'): void {
    this.pending.delete(token);
    if (reason === 'timed-out') {
      this.timedOut.add(token);
      if (this.timedOut.size > REMEMBERED) this.timedOut.delete(this.timedOut.values().next().value as string);
    }
  }

  /** Tokens of one execution still waiting (to abandon them when it stops). */
  ofExecution(executionArn: string): string[] {
    return [...this.pending].filter(([, task]) => task.executionArn === executionArn).map(([token]) => token);
  }

  private take(token: string): Pending {
    const task = this.find(token);
    this.pending.delete(token);
    return task;
  }

  private find(token: string): Pending {
    // Messages never quote the token: it is a credential.
    if (!TOKEN.test(token)) throw new AwsProtocolError('InvalidToken', 'Invalid token');
    const task = this.pending.get(token);
    if (task !== undefined) return task;
    if (this.timedOut.has(token)) throw new AwsProtocolError('TaskTimedOut', 'Task Timed Out');
    throw new AwsProtocolError('TaskDoesNotExist', 'Task does not exist anymore');
  }
}
