import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { qualifiedExecutionId } from '../../functions/shared/events/execution-id.js';
import type { EndpointsFile } from '../../lib/local/runtime/services/endpoints-file.js';
import { followApprovalLink, waitForApprovalLink, waitForExecutionEnd } from '../../lib/local/runtime/services/inbox-client.js';
import { VENDOR_EXAMPLES } from './examples.js';

/**
 * The invoice workflow auto-approves only an invoice whose IBAN is its vendor's account in force in
 * the vendor register, which the vendor-bank-details workflow keeps once a vendor-master approver
 * agreed. A test that needs examples/invoice-small.json auto-approved registers Acme first, the way
 * a user does: the example letter bank-change-acme.json, approved through its emailed link.
 */

/** Generous for a loaded 2-core machine; every wait ends on its signal. */
const WITHIN_MS = 120_000;

function sfnOf(endpoints: EndpointsFile): SFNClient {
  return new SFNClient({ endpoint: endpoints.endpoints.stepfunctions, region: endpoints.region, credentials: endpoints.credentials });
}

/**
 * Approves the bank-detail change of the vendor-bank-details execution `name` through its emailed
 * link, and resolves once the execution ended (the change is then in the register).
 *
 * @example
 * await approveBankChange(r.endpoints, startedExampleName); // `npm start` started bank-change-acme.json as it
 */
export async function approveBankChange(endpoints: EndpointsFile, name: string): Promise<string> {
  const deadline = Date.now() + WITHIN_MS;
  const link = await waitForApprovalLink(endpoints.endpoints.inbox, qualifiedExecutionId('vendor-bank-details', name), deadline);
  await followApprovalLink(link, 'approve');
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
