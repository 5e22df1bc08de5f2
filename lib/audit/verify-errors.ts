import { WardflowError } from '../shared/errors.js';

/** `audit verify`: the audit bucket the connection names does not exist there. */
export class AuditBucketNotFound extends WardflowError {
  readonly name = 'AuditBucketNotFound';
  constructor(bucket: string, where: string) {
    super(
      `the audit bucket ${bucket} does not exist on ${where}. Locally, start the runtime with \`npm start\` (it creates the bucket); on AWS, deploy the stack with \`npx cdk deploy\`, or pass the --env, --region or --profile it was deployed with.`,
    );
  }
}

/**
 * Why one archive object could not be read as stored, when S3 says so: a problem of that object
 * (the verifier reports it and goes on), not a failure of the run. Undefined for anything else.
 */
export function unreadableObjectReason(error: unknown): string | undefined {
  const failure = error as { name?: unknown; message?: unknown } | null;
  const message = typeof failure?.message === 'string' ? failure.message : '';
  if (message.startsWith('Checksum mismatch')) return 'its bytes do not match the SHA-256 checksum S3 keeps with it since it was written';
  if (failure?.name === 'NoSuchKey') return 'it was listed but is gone when read (deleted during the run?)';
  return undefined;
}

/** Whether an SDK error says the bucket does not exist. */
export function isNoSuchBucket(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'NoSuchBucket';
}
