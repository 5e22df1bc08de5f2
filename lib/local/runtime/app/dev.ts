import { join } from 'node:path';
import { type Example, exampleKey, executionNameFor, loadWorkflowExamples } from './examples.js';
import { servicePaths } from '../services/local-services.js';
import { startLocalRuntime, type LocalRuntime } from './runtime.js';
import { divertProcessOutput } from '../lambda/step-log.js';
import { userInfo } from 'node:os';
import { localStarter, withStarter } from '../../../../functions/record-start/started-by.js';
import { formatClockOffset } from '../../scheduler/clock-offset.js';

export interface DevOptions {
  dataDir: string;
  basePort: number;
  /** Start every workflow's examples on the first start of a data folder. @default true */
  examples?: boolean;
  /** `--clock-offset`: run as if this many ms later (handlers' clocks, approval timers). @default 0 */
  clockOffsetMs?: number;
}

/**
 * `npm start` / `wardflow dev`: starts the local runtime and keeps it running until Ctrl-C
 * (SIGINT) or SIGTERM. On the first start of a data folder it starts every workflow's examples,
 * so the inbox shows approval emails within seconds. Stopping leaves waiting executions
 * RUNNING on disk; the next start resumes them.
 */
export async function runDev(options: DevOptions): Promise<number> {
  const stepLog = join(options.dataDir, 'logs', 'steps.log');
  const print = divertProcessOutput(stepLog);
  print(`wardflow: starting the local runtime (data in ${options.dataDir})`);
  let runtime: LocalRuntime;
  try {
    runtime = await startLocalRuntime({
      dataDir: options.dataDir,
      basePort: options.basePort,
      log: (line) => print(`  ${line}`),
      ...(options.clockOffsetMs === undefined ? {} : { clockOffsetMs: options.clockOffsetMs }),
    });
  } catch (error) {
    print(`wardflow: the local runtime could not start: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const { endpoints } = runtime.endpoints;
  print('');
  // The offset on the ready line itself: a run whose deadlines pass early must not look like a normal one.
  print(runtime.clockOffsetMs === 0 ? 'wardflow local runtime is ready.' : `wardflow local runtime is ready (clock: ${formatClockOffset(runtime.clockOffsetMs)}).`);
  print(`  inbox (approval emails):  ${endpoints.inbox}`);
  print(`  approval site:            ${endpoints.approvalSite}`);
  print(`  data folder:              ${options.dataDir}`);
  print(`  endpoints:                ${join(options.dataDir, 'endpoints.json')}`);
  print(`  step logs:                ${stepLog}`);
  print(`  audit archive:            s3://${runtime.endpoints.resources.auditBucket} (files in ${servicePaths(options.dataDir).s3})`);
  print(`  audit dead letters:       ${runtime.auditStream.deadLetterFile}`);
  if (runtime.resumed.length > 0) print(`  resumed ${runtime.resumed.length} execution(s) that were running when it last stopped`);
  const machines = runtime.endpoints.resources.stateMachines;
  print(`  workflows:                ${Object.keys(machines).join(', ')}`);
  let stopping = false;
  const deferred: Promise<void>[] = [];
  if (runtime.firstStart && options.examples !== false) {
    let waiting = 0;
    const startedArns = new Map<string, { arn: string; name: string }>();
    for (const example of loadWorkflowExamples()) {
      const arn = machines[example.workflow];
      if (arn === undefined) continue;
      const after = example.expected.after === undefined ? undefined : startedArns.get(example.expected.after);
      if (example.expected.after !== undefined && after === undefined) {
        print(`  example ${exampleKey(example)} is not started: it runs after ${example.expected.after}, which this runtime has no workflow for`);
        continue;
      }
      const name = executionNameFor(example);
      const executionArn = `${arn.replace(':stateMachine:', ':execution:')}:${name}`;
      startedArns.set(exampleKey(example), { arn: executionArn, name });
      if (example.expected.approver !== undefined) waiting += 1;
      const start = async () => {
        await runtime.engine.startExecution({ stateMachineArn: arn, name, input: withStarter(example.input, localStarter(userInfo)) });
        print(`  started example ${exampleKey(example)} as execution ${name}`);
      };
      if (after === undefined) {
        await start();
        continue;
      }
      // Here approvals are a person's: an example that relies on another's outcome waits for it, and says so.
      print(`  example ${exampleKey(example)} waits until ${example.expected.after} (execution ${after.name}) is decided and has ended; it starts then, as execution ${name}`);
      deferred.push(startWhenEnded(runtime, after.arn, () => stopping, start, example, print));
    }
    if (waiting > 0) print(`  open the inbox: ${waiting} of them wait for an approver.`);
    if (deferred.length > 0) print(`  ${deferred.length} example(s) start only after the one they rely on ends: decide its approval in the inbox first.`);
  }
  print('');
  print('Try: npm run wardflow -- executions | approvals | status <id> | start <workflow> --input <file.json>');
  print('Press Ctrl-C to stop. Executions waiting for approval are resumed at the next start.');

  const signals = watchStopSignals({
    onForce: () => {
      print('wardflow: quitting at once; executions still running resume at the next start.');
      process.exit(130);
    },
  });
  await signals.stopRequested;
  stopping = true;
  print('wardflow: stopping: running steps finish first; waiting executions resume at the next start (Ctrl-C again to quit at once)...');
  await runtime.stop();
  signals.stopped();
  print('wardflow: stopped.');
  return 0;
}

/**
 * How long one wait for a prerequisite example lasts before it looks again whether the runtime is
 * stopping: the end itself wakes the wait at once; this only bounds how long a stopped runtime's
 * process is held by the wait's timer.
 */
const PREREQUISITE_WAIT_MS = 1_000;

/**
 * Starts `start` once the execution `executionArn` has ended, woken by the end itself (the
 * engine's waitUntilEnded). A runtime that stops first leaves the example unstarted, and says how
 * to start it by hand: a waiting execution resumes at the next start, a not-yet-started example does not.
 */
async function startWhenEnded(
  runtime: LocalRuntime,
  executionArn: string,
  stopping: () => boolean,
  start: () => Promise<void>,
  example: Example,
  print: (line: string) => void,
): Promise<void> {
  try {
    while (!stopping()) {
      const { status } = await runtime.engine.waitUntilEnded(executionArn, PREREQUISITE_WAIT_MS);
      if (stopping()) break;
      if (status === 'RUNNING') continue;
      print(`  ${example.expected.after} ended (${status}); starting ${exampleKey(example)}`);
      await start();
      return;
    }
    print(`  example ${exampleKey(example)} was not started (the runtime stopped first); start it with: npm run wardflow -- start ${example.workflow} --input <the workflow's examples folder>/${example.file}`);
  } catch (error) {
    print(`  example ${exampleKey(example)} could not be started: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A signal within this long of the first is the same Ctrl-C delivered twice, not a second one. */
export const DUPLICATE_SIGNAL_WINDOW_MS = 1_000;

/** Where the signals come from: the process, or a test's emitter. */
export interface SignalSource {
  on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

/**
 * Turns SIGINT/SIGTERM into "stop" and "quit at once". The first one resolves `stopRequested`.
 * One Ctrl-C in `npm start` arrives twice: the terminal sends SIGINT to the whole process group,
 * and the npm/tsx wrapper forwards its own copy to this process. So a signal within
 * `windowMs` of the first is that same Ctrl-C and is ignored; one after it is a second Ctrl-C
 * and calls `onForce`. Once `stopped()` is called every later signal is ignored: the process is
 * exiting, and a late copy must not turn a clean stop into "quitting at once". The listeners
 * stay installed for the process's life (they do not keep it alive), so no copy ever meets
 * Node's default action, which would kill the process mid-stop.
 *
 * @example
 * const signals = watchStopSignals({ onForce: () => process.exit(130) });
 * await signals.stopRequested;
 * await runtime.stop();
 * signals.stopped();
 */
export function watchStopSignals(options: {
  onForce: (signal: 'SIGINT' | 'SIGTERM') => void;
  source?: SignalSource;
  now?: () => number;
  windowMs?: number;
}): { stopRequested: Promise<'SIGINT' | 'SIGTERM'>; stopped(): void } {
  const { onForce, source = process, now = Date.now, windowMs = DUPLICATE_SIGNAL_WINDOW_MS } = options;
  let phase: 'running' | 'stopping' | 'stopped' = 'running';
  let firstAt = 0;
  let requested: (signal: 'SIGINT' | 'SIGTERM') => void = () => undefined;
  const stopRequested = new Promise<'SIGINT' | 'SIGTERM'>((resolve) => (requested = resolve));
  const listener = (signal: 'SIGINT' | 'SIGTERM') => () => {
    if (phase === 'running') {
      phase = 'stopping';
      firstAt = now();
      requested(signal);
    } else if (phase === 'stopping' && now() - firstAt >= windowMs) {
      onForce(signal);
    }
  };
  source.on('SIGINT', listener('SIGINT'));
  source.on('SIGTERM', listener('SIGTERM'));
  return {
    stopRequested,
    stopped: () => {
      phase = 'stopped';
    },
  };
}
