import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEngine } from '../../../lib/local/runtime/engine/engine.js';
import { newDataFolder, removeDataFolders, startEndpoint, type EndpointUnderTest } from '../local-endpoint/endpoint-fixture.js';
import { INVOICE_MACHINE_ARN, localRuntimeFolder, runCliCaptured } from '../../unit/cli/cli-harness.js';

/**
 * `executions` in local mode past one ListExecutions page: the runtime's engine behind the
 * local AWS endpoint holds 1,150 ended executions (a machine that only succeeds), and the CLI
 * reaches it through endpoints.json like any local command.
 */
const COUNT = 1_150;
let endpoint: EndpointUnderTest;
let folder: ReturnType<typeof localRuntimeFolder>;
let engine: LocalEngine;

interface Listing {
  executions: { id: string; status: string }[];
  nextToken: string | null;
}

beforeAll(async () => {
  engine = new LocalEngine({
    dataDir: newDataFolder(),
    stateMachines: [{ workflow: 'invoice-approval', name: 'invoice-approval', arn: INVOICE_MACHINE_ARN, definition: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } } }],
    functions: [],
  });
  for (let i = 0; i < COUNT; i++) await engine.startExecution({ stateMachineArn: INVOICE_MACHINE_ARN, name: `local-${String(i).padStart(4, '0')}`, input: '{}' });
  endpoint = await startEndpoint({ stepFunctions: engine });
  folder = localRuntimeFolder({ stepfunctions: endpoint.aws.endpoint });
}, 120_000);
afterAll(async () => {
  await endpoint?.stop();
  await engine?.stop();
  folder?.remove();
  removeDataFolders();
});

const executions = async (...args: string[]): Promise<Listing> => {
  const run = await runCliCaptured(['executions', '--data-dir', folder.dir, '--json', ...args]);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Listing;
};

describe('wardflow executions against the local runtime', () => {
  it('lists more than 1000 in one listing when --limit asks for them', async () => {
    const all = await executions('--limit', '5000');
    expect(all.executions).toHaveLength(COUNT);
    expect(new Set(all.executions.map((e) => e.id)).size).toBe(COUNT);
    expect(all.nextToken).toBeNull();
  });

  it('goes on with --next-token: every execution exactly once, in the same order', async () => {
    const all = (await executions('--limit', '5000')).executions.map((e) => e.id);
    const first = await executions('--limit', '1000');
    expect(first.executions).toHaveLength(1000);
    expect(first.nextToken).toEqual(expect.any(String));
    const second = await executions('--limit', '1000', '--next-token', first.nextToken!);
    expect(second.executions).toHaveLength(COUNT - 1000);
    expect(second.nextToken).toBeNull();
    expect([...first.executions, ...second.executions].map((e) => e.id)).toEqual(all);
  });
});
