import { CfnCustomResource, Duration, type RemovalPolicy, Stack, type CfnElement, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { buildHandlerFunction, type LogLevel } from './handler-function.js';

export interface EmptyBucketOnDeleteProps {
  readonly environmentName: string;
  /** The bucket to empty when the stack deletes it; a bucket of this stack with a DESTROY removal policy. */
  readonly bucket: s3.Bucket;
  readonly logsKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy?: RemovalPolicy;
  readonly logLevel?: LogLevel;
  readonly functionsDirectory?: string;
}

/**
 * Empties a bucket when the stack deletes it, so the deletion does not stop at "bucket not empty": what
 * CDK's autoDeleteObjects does, built like every wardflow function instead (its own encrypted log group
 * with the environment's retention, a role that may touch this one bucket only, no managed policy).
 * A custom resource whose only work is on Delete (functions/empty-bucket-on-delete); it depends on the
 * bucket's policy, so CloudFormation deletes it, and the bucket gets emptied, before the policy and the
 * bucket go.
 *
 * @example
 * new EmptyBucketOnDelete(this, 'EmptyAccessLogs', { environmentName: 'dev', bucket: audit.accessLogsBucket, logsKey, logRetention });
 */
export class EmptyBucketOnDelete extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: EmptyBucketOnDeleteProps) {
    super(scope, id);
    const built = buildHandlerFunction(this, {
      name: 'empty-bucket-on-delete',
      functionName: 'empty-access-logs',
      environmentName: props.environmentName,
      roleDescription: `wardflow ${props.environmentName}: empty the audit access-log bucket when the stack deletes it`,
      statements: [
        // Removing the policy stops S3 log delivery into the bucket before it is emptied.
        new iam.PolicyStatement({ sid: 'StopLogDelivery', actions: ['s3:DeleteBucketPolicy'], resources: [props.bucket.bucketArn] }),
        new iam.PolicyStatement({ sid: 'ListVersions', actions: ['s3:ListBucketVersions'], resources: [props.bucket.bucketArn] }),
        // DeleteObjects with version ids is authorized as s3:DeleteObjectVersion on each object.
        new iam.PolicyStatement({ sid: 'DeleteVersions', actions: ['s3:DeleteObjectVersion'], resources: [props.bucket.arnForObjects('*')] }),
      ],
      environment: { BUCKET_NAME: props.bucket.bucketName },
      logsKey: props.logsKey,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      logLevel: props.logLevel,
      functionsDirectory: props.functionsDirectory,
      // A dev access-log bucket holds at most its retention's worth of small log objects.
      timeout: Duration.minutes(5),
      memorySize: 256,
      asynchronousFailures:
        'Invoked by CloudFormation as a custom resource: it answers CloudFormation at the response URL, and a failure fails the stack operation, which is where the operator looks, not a queue.',
    });
    this.fn = built.fn;
    this.role = built.role;
    const bucketId = Stack.of(this).getLogicalId(props.bucket.node.defaultChild as CfnElement);
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`,
      reason: 's3:DeleteObjectVersion on the objects of the one access-log bucket this function empties when the stack deletes it; its log object keys cannot be listed in advance.',
    });

    const resource = new CfnCustomResource(this, 'Resource', { serviceToken: this.fn.functionArn });
    // Deleted before the policy and the bucket, so those find the bucket empty.
    if (props.bucket.policy !== undefined) resource.node.addDependency(props.bucket.policy);
    resource.node.addDependency(props.bucket);
  }
}
