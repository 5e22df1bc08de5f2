import { userInfo } from 'node:os';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { localStarter } from '../../functions/record-start/started-by.js';
import type { Connection } from './connection.js';
import { asCliError } from './sdk-errors.js';

/**
 * Who is starting an execution, for ExecutionStarted's `startedBy` (functions/record-start/started-by.ts):
 * on AWS the ARN STS GetCallerIdentity answers for the credentials `start` uses (the call needs no
 * IAM permission, and fails only when the credentials themselves do, as StartExecution would);
 * against the local runtime the OS user, `local:<user>`. What the credentials said, not a
 * signature: CloudTrail's StartExecution event stays the authoritative record on AWS.
 *
 * @example
 * await starterIdentity(connection); // 'arn:aws:sts::123456789012:assumed-role/Deployer/jane' or 'local:jane'
 */
export async function starterIdentity(connection: Pick<Connection, 'mode' | 'sts'>, whoIsLocal: () => { username: string } = userInfo): Promise<string> {
  if (connection.mode === 'local') return localStarter(whoIsLocal);
  const sts = connection.sts ?? new STSClient({});
  try {
    const answer = await sts.send(new GetCallerIdentityCommand({}));
    if (typeof answer.Arn !== 'string' || answer.Arn === '') throw new Error('STS GetCallerIdentity named no ARN');
    return answer.Arn;
  } catch (error) {
    throw asCliError(error, { mode: 'aws', where: 'STS GetCallerIdentity' });
  } finally {
    if (connection.sts === undefined) sts.destroy();
  }
}
