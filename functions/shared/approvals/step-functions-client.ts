import { SFNClient } from '@aws-sdk/client-sfn';
import { environmentClient } from '../environment-clients.js';

/**
 * The one Step Functions client of the approval code: decisions are delivered with it
 * (deliver-decision.ts) and executions are asked whether they still run with it
 * (execution-status.ts), so replacing it once (tests, the local runtime) covers both.
 */
const sfn = environmentClient(() => new SFNClient({}));

/**
 * Replaces the Step Functions client every decision is delivered and every execution status
 * is asked with (tests, the local runtime's endpoint); `undefined` goes back to the default
 * client, configured from the environment (AWS_ENDPOINT_URL_SFN reaches a local endpoint).
 *
 * @example
 * useSfnClient(new SFNClient({ endpoint: 'http://localhost:8083' }));
 */
export function useSfnClient(client: SFNClient | undefined): void {
  sfn.use(client);
}

/**
 * The client in use: the replacement, else the one built from the environment.
 *
 * @example
 * await stepFunctions().send(new DescribeExecutionCommand({ executionArn, includedData: 'METADATA_ONLY' }));
 */
export function stepFunctions(): SFNClient {
  return sfn.get();
}
