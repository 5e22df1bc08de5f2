import { join } from 'node:path';
import { executionNameFor, loadExamples } from './examples.js';
import { servicePaths } from './local-services.js';
import { startLocalRuntime, type LocalRuntime } from './runtime.js';
import { divertProcessOutput } from './step-log.js';

export interface DevOptions {
  dataDir: string;
  basePort: number;
  /** Start the example invoices on the first start of a data folder. @default true */
  examples?: boolean;
}

/**
 * `npm start` / `wardflow dev`: starts the local runtime and keeps it running until Ctrl-C
 * (SIGINT) or SIGTERM. On the first start of a data folder it starts the example invoices,
 * so the inbox shows an approval email within seconds. Stopping leaves waiting executions
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
  if (runtime.firstStart && options.examples !== false) {
    const arn = runtime.endpoints.resources.stateMachines['invoice-approval'];
    if (arn !== undefined) {
      for (const example of loadExamples()) {
        const name = executionNameFor(example);
        await runtime.engine.startExecution({ stateMachineArn: arn, name, input: example.input });
        print(`  started example ${example.file} as execution ${name}`);
      }
      print('  open the inbox: the large invoice and the unknown vendor wait for an approver.');
    }
  }
  print('');
  print('Try: npm run wardflow -- executions | approvals | status <id> | start invoice-approval --input examples/invoice-small.json');
  print('Press Ctrl-C to stop. Executions waiting for approval are resumed at the next start.');

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  print('wardflow: stopping: running steps finish first; waiting executions resume at the next start (Ctrl-C again to quit at once)...');
  const force = () => {
    print('wardflow: quitting at once; executions still running resume at the next start.');
    process.exit(130);
  };
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  await runtime.stop();
  print('wardflow: stopped.');
  return 0;
}
