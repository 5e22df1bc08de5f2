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
    return new AccessDenied(`AWS refused the call (${error.name}) on ${context.where}: the credentials in use lack a permission wardflow's CLI needs (states:List/Describe/StartExecution, dynamodb:Query on the events table, cloudformation:DescribeStacks; for \`audit\`: s3:ListBucket and s3:GetObject on the audit bucket, kms:Decrypt on the audit key, dynamodb:Scan on the events table).`);
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
