import { WardflowError } from '../shared/errors.js';
import { AccessDenied, CredentialsMissing, RegionMissing, RuntimeNotRunning } from './errors.js';

/** What a failed SDK call was talking to, for the message. */
export interface CallContext {
  mode: 'local' | 'aws';
  /** `the local runtime of /path/.wardflow`, `stack wardflow-dev (region ..., profile ...)`. */
  where: string;
  profile?: string | undefined;
}

const CREDENTIAL_ERRORS = new Set(['CredentialsProviderError', 'TokenProviderError']);
const REJECTED_CREDENTIALS = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
]);
/**
 * What a profile needs for each command, as the AccessDenied message lists it. The events table,
 * the audit bucket and the alarm topic are encrypted with the environment's own KMS keys, so reading
 * them takes kms:Decrypt on that key besides the service's permission (the aliases name the keys).
 * The state machine's key is never needed for reading: DescribeExecution asks for metadata only.
 * No command needs the sealing key: the CLI never opens a sealed part.
 */
export const CLI_PERMISSIONS =
  'All commands: cloudformation:DescribeStacks on wardflow-<env>. ' +
  '`executions`, `status`, `approvals`: states:ListExecutions and states:DescribeExecution on the workflows\' state machines; ' +
  'dynamodb:Query on the events table with kms:Decrypt on its key (alias/wardflow/<env>/table). ' +
  '`start`: states:StartExecution, with kms:GenerateDataKey on the state machine key (alias/wardflow/<env>/state-machine). ' +
  '`audit`: s3:ListBucket and s3:GetObject on the audit bucket with kms:Decrypt on alias/wardflow/<env>/audit; `audit verify` also dynamodb:Scan on the events table (kms:Decrypt on its key). ' +
  '`doctor`: cloudformation:ListStackResources, sns:ListSubscriptionsByTopic, secretsmanager:DescribeSecret and secretsmanager:ListSecretVersionIds on the stack\'s secrets, lambda:ListEventSourceMappings, cloudwatch:GetMetricStatistics, kms:DescribeKey and kms:GetKeyRotationStatus on the stack\'s keys.';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND', 'ETIMEDOUT']);

/**
 * Turns the SDK's failures that a user can fix (no credentials, no region, expired
 * credentials, no permission, nothing listening) into named CLI errors that say how to fix
 * them. Anything else, and errors that already are CLI errors, pass through unchanged.
 *
 * @example
 * try { await sfn.send(command); } catch (error) { throw asCliError(error, connection); }
 */
export function asCliError(error: unknown, context: CallContext): unknown {
  if (error instanceof WardflowError || !(error instanceof Error)) return error;
  const profile = context.profile ? ` --profile ${context.profile}` : '';
  if (CREDENTIAL_ERRORS.has(error.name) || /could not load credentials/i.test(error.message)) {
    return new CredentialsMissing(
      `no usable AWS credentials${context.profile ? ` for profile ${context.profile}` : ''}. Sign in (for SSO: \`aws sso login${profile}\`) or configure credentials, then retry.`,
    );
  }
  if (/region is missing/i.test(error.message)) {
    return new RegionMissing('no AWS region: pass --region, or set `region` in the profile (or AWS_REGION).');
  }
  if (REJECTED_CREDENTIALS.has(error.name)) {
    return new CredentialsMissing(`AWS rejected the credentials (${error.name}): they are expired or invalid. Sign in again${profile ? ` (\`aws sso login${profile}\`)` : ''} and retry.`);
  }
  if (/^AccessDenied/.test(error.name)) {
    return new AccessDenied(`AWS refused the call (${error.name}) on ${context.where}: the credentials in use lack a permission wardflow's CLI needs. ${CLI_PERMISSIONS}`);
  }
  if (context.mode === 'local' && isNetworkFailure(error)) {
    return new RuntimeNotRunning(`${context.where} does not answer; it may have stopped. Start it again with \`npm start\`.`);
  }
  return error;
}

function isNetworkFailure(error: Error): boolean {
  const codes = [error, ...((error as { errors?: unknown[] }).errors ?? [])].map((e) => (e as { code?: unknown } | null)?.code);
  return codes.some((code) => typeof code === 'string' && NETWORK_CODES.has(code));
}
