import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { qualifiedExecutionId } from '../../functions/shared/events/execution-id.js';
import type { EndpointsFile } from '../../lib/local/runtime/services/endpoints-file.js';
import { approvalLinks, followApprovalLink, waitForExecutionEnd } from '../../lib/local/runtime/services/inbox-client.js';
import { executionIdOfApproval } from '../../functions/shared/approvals/approval-id.js';
import { VENDOR_EXAMPLES } from './examples.js';

/**
 * The invoice workflow's policy auto-approves only an invoice whose IBAN is its vendor's account in
 * force in the vendor register, which the vendor-bank-details workflow keeps once two vendor-master
 * approvers agreed (its approval policy's quorum). A test that needs examples/invoice-small.json
 * auto-approved registers Acme first, the way users do: the example letter bank-change-acme.json,
 * approved through two approvers' emailed links.
 */

/** The vendor-bank-details policy's quorum: how many distinct vendor-master approvers must approve. */
export const VENDOR_MASTER_QUORUM = 2;

/** Generous for a loaded 2-core machine; every wait ends on its signal. */
const WITHIN_MS = 120_000;

function sfnOf(endpoints: EndpointsFile): SFNClient {
  return new SFNClient({ endpoint: endpoints.endpoints.stepfunctions, region: endpoints.region, credentials: endpoints.credentials });
}

/**
 * One emailed link each of the first `count` distinct recipients of the execution's approval
 * emails, waiting (by polling the inbox, as waitForApprovalLink does) until that many arrived.
 *
 * @example
 * const [first, second] = await linksOfApprovers(inbox, 'vendor-bank-details:bank-change-acme-1a2b', 2, Date.now() + 60_000);
 */
export async function linksOfApprovers(inboxUrl: string, executionId: string, count: number, deadline: number): Promise<string[]> {
  for (;;) {
    const byRecipient = new Map<string, string>();
    for (const link of await approvalLinks(inboxUrl)) {
      if (executionIdOfApproval(link.approvalId) === executionId && !byRecipient.has(link.recipient)) byRecipient.set(link.recipient, link.url);
    }
    if (byRecipient.size >= count) return [...byRecipient.values()].slice(0, count);
    if (Date.now() > deadline) throw new Error(`fewer than ${count} approvers of execution ${executionId} were emailed in time (${byRecipient.size})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Approves the bank-detail change of the vendor-bank-details execution `name` through the emailed
 * links of two vendor-master approvers (the policy's quorum), and resolves once the execution
 * ended (the change is then in the register).
 *
 * @example
 * await approveBankChange(r.endpoints, startedExampleName); // `npm start` started bank-change-acme.json as it
 */
export async function approveBankChange(endpoints: EndpointsFile, name: string): Promise<string> {
  const deadline = Date.now() + WITHIN_MS;
  const links = await linksOfApprovers(endpoints.endpoints.inbox, qualifiedExecutionId('vendor-bank-details', name), VENDOR_MASTER_QUORUM, deadline);
  // One after the other: the second vote is the one that completes the level and resumes the execution.
  for (const link of links) await followApprovalLink(link, 'approve');
  const sfn = sfnOf(endpoints);
  try {
    const executionArn = `${endpoints.resources.stateMachines['vendor-bank-details']!.replace(':stateMachine:', ':execution:')}:${name}`;
    return await waitForExecutionEnd(sfn, executionArn, deadline);
  } finally {
    sfn.destroy();
  }
}

/**
 * Registers Acme Office Supplies' bank details (the account invoice-small.json prints) in a runtime
 * started without examples: starts vendor-bank-details/examples/bank-change-acme.json and approves it.
 *
 * @example
 * await registerAcme(runtime.endpoints);
 */
export async function registerAcme(endpoints: EndpointsFile, name = 'register-acme'): Promise<void> {
  const sfn = sfnOf(endpoints);
  try {
    const input = readFileSync(join(VENDOR_EXAMPLES, 'bank-change-acme.json'), 'utf8');
    await sfn.send(new StartExecutionCommand({ stateMachineArn: endpoints.resources.stateMachines['vendor-bank-details']!, name, input }));
  } finally {
    sfn.destroy();
  }
  const status = await approveBankChange(endpoints, name);
  if (status !== 'SUCCEEDED') throw new Error(`registering Acme's bank details ended ${status}`);
}
