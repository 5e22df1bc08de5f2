import { join } from 'node:path';
import { executionNameFor, loadWorkflowExamples } from './examples.js';
import { servicePaths } from '../services/local-services.js';
import { startLocalRuntime, type LocalRuntime } from './runtime.js';
import { divertProcessOutput } from '../lambda/step-log.js';
import { userInfo } from 'node:os';
import { localStarter, withStarter } from '../../../../functions/record-start/started-by.js';

export interface DevOptions {
  dataDir: string;
  basePort: number;
  /** Start every workflow's examples on the first start of a data folder. @default true */
  examples?: boolean;
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
    runtime = await startLocalRuntime({ dataDir: options.dataDir, basePort: options.basePort, log: (line) => print(`  ${line}`) });
  } catch (error) {
    print(`wardflow: the local runtime could not start: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const { endpoints } = runtime.endpoints;
  print('');
  print('wardflow local runtime is ready.');
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
  if (runtime.firstStart && options.examples !== false) {
    let waiting = 0;
    for (const example of loadWorkflowExamples()) {
      const arn = machines[example.workflow];
      if (arn === undefined) continue;
      const name = executionNameFor(example);
      await runtime.engine.startExecution({ stateMachineArn: arn, name, input: withStarter(example.input, localStarter(userInfo)) });
      if (example.expected.approver !== undefined) waiting += 1;
      print(`  started example ${example.workflow}/${example.file} as execution ${name}`);
    }
    if (waiting > 0) print(`  open the inbox: ${waiting} of them wait for an approver.`);
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
  print('wardflow: stopping: running steps finish first; waiting executions resume at the next start (Ctrl-C again to quit at once)...');
  await runtime.stop();
  signals.stopped();
  print('wardflow: stopped.');
  return 0;
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
