import { existsSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { approvalLinks } from '../../lib/local/runtime/services/inbox-client.js';
import { qualifiedExecutionId } from '../../functions/shared/events/execution-id.js';
import { eventually, startRuntimeProcess, type RuntimeProcess } from '../support/local-runtime.js';

/**
 * An approver's path in a real browser: Debian's chromium driven by playwright-core (never a
 * downloaded browser). The inbox shows the email; the link opens the page; the Approve button
 * records the decision and the execution completes. Without chromium this suite says so and
 * skips, unless WARDFLOW_REQUIRE_BROWSER=1 (CI), where it fails.
 */
const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const required = process.env.WARDFLOW_REQUIRE_BROWSER === '1';
if (!available && !required) console.warn(`[browser] approval page in a browser: NOT RUN, ${CHROMIUM} is missing (apt-get install chromium)`);

describe.skipIf(!available && !required)(`approval page in a browser${available ? '' : ' [chromium missing]'}`, () => {
  let runtime: RuntimeProcess;
  let browser: Browser;

  beforeAll(async () => {
    if (!available) throw new Error(`WARDFLOW_REQUIRE_BROWSER=1 but ${CHROMIUM} is missing: apt-get install chromium`);
    runtime = await startRuntimeProcess();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // This machine's network is closed: without these, chromium retries Google's hosts at every start.
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await runtime?.stop('SIGKILL');
    if (runtime) rmSync(runtime.dataDir, { recursive: true, force: true });
  });

  it('shows the email in the inbox, and approving on the page completes the execution', async () => {
    const large = /started example invoice-approval\/invoice-large\.json as execution (\S+)/.exec(runtime.output())?.[1];
    expect(large).toBeDefined();
    const link = await eventually(
      // Approval ids name the workflow-qualified execution id (functions/shared/events/execution-id.ts).
      async () => (await approvalLinks(runtime.endpoints.endpoints.inbox)).find((l) => l.approvalId.startsWith(`${qualifiedExecutionId('invoice-approval', large!)}-`)),
      'the approval email',
    );

    const page = await browser.newPage();
    await page.goto(runtime.endpoints.endpoints.inbox);
    await page.getByText('Approval needed: Invoice NW-88213 from Northwind Traders').first().waitFor({ timeout: 15_000 });

    await page.goto(link.url);
    // The subject the invoice workflow declares: its title heads the page and names it.
    expect(await page.locator('h1').textContent()).toBe('Invoice NW-88213 from Northwind Traders');
    expect(await page.title()).toBe('Invoice NW-88213 from Northwind Traders - wardflow');
    expect(await page.locator('dl').textContent()).toContain('Northwind Traders');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.locator('h1', { hasText: 'Approved' }).waitFor({ timeout: 15_000 });

    const { endpoints, region, credentials, resources } = runtime.endpoints;
    const sfn = new SFNClient({ endpoint: endpoints.stepfunctions, region, credentials });
    const executionArn = `${resources.stateMachines['invoice-approval']!.replace(':stateMachine:', ':execution:')}:${large}`;
    const status = await eventually(async () => {
      const { status: s } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return s === 'RUNNING' ? undefined : s;
    }, 'the approved execution to end');
    expect(status).toBe('SUCCEEDED');

    // Back and click again: the page says it is already decided and changes nothing.
    await page.goto(link.url);
    expect(await page.locator('h1').textContent()).toBe('Already decided');
  });
});
