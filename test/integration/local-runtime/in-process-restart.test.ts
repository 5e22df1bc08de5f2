import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { INVOICE_EXAMPLES as EXAMPLES_FOLDER } from '../../support/examples.js';
import { registerAcme } from '../../support/vendor-register.js';
import { freeBasePort } from '../../../lib/local/runtime/services/free-ports.js';
import { waitForApprovalLink, waitForExecutionEnd } from '../../../lib/local/runtime/services/inbox-client.js';
import { startLocalRuntime, type LocalRuntime } from '../../../lib/local/runtime/app/runtime.js';

/**
 * Two runtimes one after the other in one process (as the bench does), each with its own ports
 * and data folder: the handlers' clients and cached secrets must follow the new environment,
 * not keep talking to the first runtime's closed ports or return its secret.
 */
const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

async function runInvoices(runtime: LocalRuntime, prefix: string): Promise<{ small: string; approvalEmail: boolean }> {
  const { endpoints, region, credentials, resources } = runtime.endpoints;
  const sfn = new SFNClient({ endpoint: endpoints.stepfunctions, region, credentials });
  const stateMachineArn = resources.stateMachines['invoice-approval']!;
  const input = (file: string) => readFileSync(join(EXAMPLES_FOLDER, file), 'utf8');
  // The small invoice is auto-approved only once Acme's account is in the vendor register.
  await registerAcme(runtime.endpoints, `${prefix}-register-acme`);
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: `${prefix}-small`, input: input('invoice-small.json') }));
  await sfn.send(new StartExecutionCommand({ stateMachineArn, name: `${prefix}-large`, input: input('invoice-large.json') }));
  const small = await waitForExecutionEnd(sfn, executionArn!, Date.now() + 30_000);
  const link = await waitForApprovalLink(endpoints.inbox, `invoice-approval:${prefix}-large`, Date.now() + 30_000).catch(() => undefined);
  sfn.destroy();
  return { small, approvalEmail: link !== undefined };
}

describe('the local runtime started twice in one process', () => {
  it('runs the second one against its own servers: secrets, KMS, SES and Step Functions clients are built again', async () => {
    // Handler log lines are not this test's business.
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    for (const prefix of ['first', 'second']) {
      const dataDir = mkdtempSync(join(tmpdir(), `wardflow-${prefix}-`));
      folders.push(dataDir);
      const runtime = await startLocalRuntime({ dataDir, basePort: await freeBasePort() });
      try {
        expect(await runInvoices(runtime, prefix)).toEqual({ small: 'SUCCEEDED', approvalEmail: true });
      } finally {
        await runtime.stop();
      }
    }
  }, 120_000);
});
