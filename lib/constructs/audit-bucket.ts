import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ConfigurationInvalid } from '../../functions/shared/errors.js';

export interface AuditBucketProps {
  /** Customer-managed key for SSE-KMS of the archive. */
  readonly encryptionKey: kms.IKey;
  /** Object Lock COMPLIANCE retention in days: nobody, root included, can delete or shorten it before then. */
  readonly retentionDays: number;
  /**
   * Expire server access logs after this many days.
   * @default 365
   */
  readonly accessLogRetentionDays?: number;
  /**
   * Delete the access-log bucket with the stack (an unprotected environment such as dev); the caller
   * empties it first (EmptyBucketOnDelete). The archive bucket itself is kept whatever this says (see the class).
   * @default false
   */
  readonly deleteAccessLogsWithStack?: boolean;
}

/**
 * The append-only audit archive: S3 with Object Lock in COMPLIANCE mode, versioned, SSE-KMS with
 * the audit key, TLS only, no public access, server access logs to a separate bucket. The audit
 * archiver (audit-archiver.ts) writes one object per stream batch under `events/`; `wardflow audit
 * verify` reads them back.
 *
 * The bucket policy denies everyone, the account root and the archiver included, deleting objects
 * or versions and changing or bypassing their retention: Object Lock already refuses to delete a
 * locked version, and the policy also refuses the delete marker that would hide an object from a
 * listing, and keeps the archive intact once a version's retention has run out.
 *
 * What happens when the stack is deleted. The archive bucket is retained in EVERY environment, dev
 * included, and cannot be otherwise: COMPLIANCE retention forbids deleting an object version before its
 * retain-until date to everyone, the root user included, and the Deny above forbids it after that date
 * too, so neither CloudFormation nor autoDeleteObjects could empty it and the stack deletion would fail.
 * GOVERNANCE mode or no lock in dev would make it deletable, and would also make dev's archive something
 * an administrator can rewrite, which is exactly what the archive must not be; dev keeps the same
 * guarantee with a short retention (auditRetentionDays). A deleted dev stack therefore leaves this one
 * bucket (and the audit key, which must keep it readable) behind; docs/known-limits.md says how to
 * remove it once its retention has passed. Plain Retain, not RetainExceptOnCreate: its name is
 * generated, so a bucket left by a failed first create never blocks a retry, and nothing written under
 * COMPLIANCE may ever depend on a rollback deleting it.
 *
 * The access-log bucket is kept in a protected environment (who read the archive is evidence too) and,
 * with `deleteAccessLogsWithStack`, deleted with the stack in dev (no Object Lock there; the stack empties
 * it first with EmptyBucketOnDelete).
 */
export class AuditBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AuditBucketProps) {
    super(scope, id);
    if (!Number.isInteger(props.retentionDays) || props.retentionDays < 1) {
      throw new ConfigurationInvalid('AuditBucket.retentionDays must be a whole number of days, at least 1');
    }
    const accessLogRetentionDays = props.accessLogRetentionDays ?? 365;
    if (!Number.isInteger(accessLogRetentionDays) || accessLogRetentionDays < 1) {
      throw new ConfigurationInvalid('AuditBucket.accessLogRetentionDays must be a whole number of days, at least 1');
    }

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      // S3 server access logging cannot deliver to an SSE-KMS bucket, so this one uses SSE-S3.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [{ expiration: Duration.days(accessLogRetentionDays), noncurrentVersionExpiration: Duration.days(30) }],
      // Dev: deleted with the stack. S3 deletes only empty buckets: EmptyBucketOnDelete (wardflow-stack.ts)
      // empties it first. Not autoDeleteObjects: CDK's provider runs with AWSLambdaBasicExecutionRole (every
      // log group of the account) and logs to an unencrypted log group that never expires.
      removalPolicy: props.deleteAccessLogsWithStack === true ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This is the server access log bucket of the audit bucket; logging its own access would log into itself or need an endless chain of log buckets.',
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'NIST.800.53.R5-S3DefaultEncryptionKMS',
      reason: 'S3 server access logging cannot deliver into a bucket encrypted with SSE-KMS, so this access log bucket uses SSE-S3 (AES-256).',
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'NIST.800.53.R5-S3BucketReplicationEnabled',
      reason: 'Access logs of the audit bucket are diagnostic: versioned and kept as long as the archive, not replicated to a second region.',
    });

    this.bucket = new s3.Bucket(this, 'Archive', {
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(props.retentionDays)),
      versioned: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'audit-archive/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'NIST.800.53.R5-S3BucketReplicationEnabled',
      reason:
        'The archive is versioned and COMPLIANCE-locked in its region and is a copy of the events table (point-in-time recovery); replicating it to another region or account needs a locked destination the operator owns (docs/deploy.md).',
    });
    // To Principal "*": a Deny in the bucket policy binds every principal, whatever its IAM policies say.
    // Not denied: s3:PutBucketObjectLockConfiguration. Denying it would make the configured retention
    // (auditRetentionDays) impossible to change through CloudFormation, lengthening included, and an
    // account administrator could lift the Deny by rewriting this policy anyway. Changing the default
    // only affects objects written afterwards: every archived version keeps the COMPLIANCE
    // retain-until date it was written with, which nobody can shorten.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyDeletingOrUnlockingArchiveObjects',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectRetention', 's3:BypassGovernanceRetention'],
        resources: [this.bucket.arnForObjects('*')],
      }),
    );
    // Object Lock keeps every version, but a plain PUT would still make an altered copy the CURRENT
    // version of a key, which is what a reader gets. Every write must be conditional
    // (If-None-Match: *, as the archiver sends), so an existing key can never be written again.
    // This also refuses multipart uploads (CreateMultipartUpload takes no condition): archive objects
    // are small single PUTs.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyOverwritingArchiveObjects',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: { Null: { 's3:if-none-match': 'true' } },
      }),
    );
  }
}
