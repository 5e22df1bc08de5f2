import { type CfnElement, Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ARCHIVE_PREFIX } from '../../functions/shared/audit/archive-format.js';
import { platformAlarm } from '../operations/platform-alarm.js';
import type { AlarmTopic } from './alarm-topic.js';
import { buildHandlerFunction, type LogLevel } from './handler-function.js';
import { deadLetterQueue } from './dead-letter-queue.js';

/** The folder of the archiver's handler under functions/. */
export const AUDIT_ARCHIVER_FUNCTION = 'audit-archiver';

/** How far behind the archive may fall (age of the oldest unarchived stream record) before on-call hears of it. */
export const ARCHIVE_LAG_ALARM = Duration.minutes(15);

export interface AuditArchiverProps {
  /** Environment name (`dev`, `prod`), used in descriptions and alarm names. */
  readonly environmentName: string;
  /** The events table; its stream (NEW_IMAGE) is what gets archived. */
  readonly table: dynamodb.ITable;
  /** The audit archive bucket (defined in this app): the archiver may only PutObject under ARCHIVE_PREFIX. */
  readonly bucket: s3.Bucket;
  /** The audit bucket's key: passed as AUDIT_KMS_KEY_ID, usable only through S3 for this bucket. */
  readonly auditKey: kms.IKey;
  /** Key of the dead-letter queue. */
  readonly messagingKey: kms.IKey;
  /** Where the archiver's alarms go. */
  readonly alarms: AlarmTopic;
  /** Key of the archiver's log group. */
  readonly logsKey: kms.IKey;
  /** Retention of the archiver's log group. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Removal policy of the log group.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * LOG_LEVEL of the archiver.
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;
  /**
   * Directory holding the handler folders. Tests point it at fixtures.
   * @default functions/ at the repository root
   */
  readonly functionsDirectory?: string;
}

/**
 * The audit archiver (functions/audit-archiver/handler.ts) on the events table's stream: each batch
 * becomes one object in the audit bucket. A batch that fails is retried, bisected, and its
 * position finally lands in a KMS-encrypted dead-letter queue; a dead letter, a growing lag or a
 * failing invocation raises an alarm on the alarm topic.
 *
 * Its role may: write its own logs, PutObject under `events/` and nothing else on the bucket,
 * GenerateDataKey with the audit key only through S3 for this bucket, read the table's stream
 * (granted by the event source mapping), and send dead letters.
 *
 * @example
 * new AuditArchiver(this, 'AuditArchiver', {
 *   environmentName: 'dev', table, bucket: audit.bucket, auditKey: keys.auditKey,
 *   messagingKey: keys.messagingKey, alarms, logsKey: keys.logsKey, logRetention: logs.RetentionDays.TWO_WEEKS,
 * });
 */
export class AuditArchiver extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly deadLetters: sqs.Queue;
  readonly deadLetterAlarm: cloudwatch.Alarm;
  readonly lagAlarm: cloudwatch.Alarm;
  readonly errorAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: AuditArchiverProps) {
    super(scope, id);
    const env = props.environmentName;
    const stack = Stack.of(this);
    const region = stack.region;

    this.deadLetters = deadLetterQueue(this, props.messagingKey, 'the audit archiver');

    // Every grant named: no bucket.grantPut (it adds PutObjectLegalHold, PutObjectRetention, ...).
    const statements = [
      new iam.PolicyStatement({
        sid: 'PutArchiveObjects',
        actions: ['s3:PutObject'],
        // Wildcard: archive keys are `events/<hour folders>/<time>-<first seq>-<last seq>.json`, new every batch.
        resources: [props.bucket.arnForObjects(`${ARCHIVE_PREFIX}*`)],
      }),
      // A single-part SSE-KMS PUT needs GenerateDataKey only (Decrypt is for reading and multipart
      // uploads). With the bucket key on, S3 asks for it with the bucket's ARN as encryption context.
      new iam.PolicyStatement({
        sid: 'UseAuditKeyThroughS3',
        actions: ['kms:GenerateDataKey'],
        resources: [props.auditKey.keyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': `s3.${region}.amazonaws.com`,
            'kms:EncryptionContext:aws:s3:arn': props.bucket.bucketArn,
          },
        },
      }),
      // What Lambda needs to put a failed batch's position into the encrypted queue: SendMessage, and
      // the key for the message (GenerateDataKey and Decrypt, as SQS requires of every producer).
      new iam.PolicyStatement({
        sid: 'SendDeadLetters',
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetters.queueArn],
      }),
      new iam.PolicyStatement({
        sid: 'UseMessagingKeyThroughSQS',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.messagingKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `sqs.${region}.amazonaws.com` } },
      }),
    ];

    const built = buildHandlerFunction(this, {
      name: AUDIT_ARCHIVER_FUNCTION,
      environmentName: env,
      roleDescription: `wardflow ${env} audit archiver: read the events stream, put archive objects, send dead letters`,
      statements,
      environment: {
        AUDIT_BUCKET: props.bucket.bucketName,
        // By ARN, so the PUT names the key and needs no kms:DescribeKey.
        AUDIT_KMS_KEY_ID: props.auditKey.keyArn,
      },
      logsKey: props.logsKey,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      logLevel: props.logLevel,
      functionsDirectory: props.functionsDirectory,
      // One PUT of at most 100 events (tens of KB); a minute leaves room for S3 retries.
      timeout: Duration.seconds(60),
      memorySize: 512,
      extraWildcardReason:
        'dynamodb:ListStreams (granted by the DynamoDB event source mapping) has no resource-level permission either, so it is granted on "*"; the stream itself is read only by its ARN.',
    });
    this.fn = built.fn;
    this.role = built.role;
    this.logGroup = built.logGroup;

    // The mapping grants the role what reading the stream takes: DescribeStream, GetRecords and
    // GetShardIterator on the stream's ARN, kms:Decrypt and DescribeKey on the table key, and
    // dynamodb:ListStreams on "*" (it has no resource-level permission; see extraWildcardReason above).
    this.fn.addEventSource(
      new DynamoEventSource(props.table, {
        // From the oldest record the stream still holds (24 hours): events appended before the mapping
        // existed, or while it was disabled, are archived too.
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        // One batch is one archive object: 100 events keep objects small (tens of KB) and few.
        batchSize: 100,
        // At low traffic, wait a few seconds to gather a batch: fewer, fuller objects, and the archive lags by seconds only.
        maxBatchingWindow: Duration.seconds(5),
        // The handler names the first record it cannot archive; the records before it are done and not retried.
        reportBatchItemFailures: true,
        // A batch that still fails is split in halves, so one poison record cannot hold back the rest.
        bisectBatchOnError: true,
        // Bounded: the default (-1) retries until the record leaves the stream after 24 hours, blocking its shard until then.
        retryAttempts: 10,
        // One batch per shard at a time: archive objects are written in stream order.
        parallelizationFactor: 1,
        // After the retries, the failed records' position (shard, sequence numbers; never content) goes
        // to the queue. Not SqsDlq: it would also grant GetQueueAttributes, GetQueueUrl, kms:Encrypt,
        // kms:ReEncrypt* and kms:GenerateDataKey* without a condition; the role already holds exactly
        // what sending takes (SendDeadLetters, UseMessagingKeyThroughSQS above).
        onFailure: { bind: () => ({ destination: this.deadLetters.queueArn }) },
      }),
    );

    const bucketLogicalId = stack.getLogicalId(props.bucket.node.defaultChild as CfnElement);
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/${ARCHIVE_PREFIX}*]`,
      reason: `s3:PutObject only, only under the ${ARCHIVE_PREFIX} prefix: every batch is a new object whose key holds its time and stream position, so the keys cannot be listed in advance.`,
    });

    // Names and descriptions come from the alarm catalog (lib/operations/alarm-catalog.ts), which docs/operations.md explains.
    const deadLetters = platformAlarm('audit-dead-letters');
    this.deadLetterAlarm = props.alarms.alarm(this, 'DeadLetterAlarm', {
      alarmName: `wardflow-${env}-${deadLetters.key}`,
      alarmDescription: deadLetters.runbook,
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    const behind = platformAlarm('audit-archive-behind');
    this.lagAlarm = props.alarms.alarm(this, 'LagAlarm', {
      alarmName: `wardflow-${env}-${behind.key}`,
      alarmDescription: behind.runbook,
      // Two ways to be behind, one alarm. Lagging: the oldest record read is older than the limit.
      // Stalled: events were written to the table (its consumed write capacity) while the archiver
      // was not invoked at all, which is what a disabled mapping or a stuck stream looks like: it
      // reports no IteratorAge, so silence alone cannot tell it from a quiet environment, but
      // silence while the table is written can. A quiet environment writes nothing and stays OK.
      metric: new cloudwatch.MathExpression({
        expression: `MAX([IF(FILL(age, 0) > ${ARCHIVE_LAG_ALARM.toMilliseconds()}, 1, 0), IF(FILL(written, 0) > 0 AND FILL(archived, 0) == 0, 1, 0)])`,
        usingMetrics: {
          age: this.fn.metric('IteratorAge', { statistic: cloudwatch.Stats.MAXIMUM }),
          written: new cloudwatch.Metric({ namespace: 'AWS/DynamoDB', metricName: 'ConsumedWriteCapacityUnits', dimensionsMap: { TableName: props.table.tableName }, statistic: cloudwatch.Stats.SUM }),
          archived: this.fn.metricInvocations({ statistic: cloudwatch.Stats.SUM }),
        },
        label: 'archive lagging or stalled (1)',
        period: Duration.minutes(5),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // Two five-minute periods in a row: a batch written at the end of one period is archived in the
      // next, so one period of writes without an invocation is normal.
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // A record that cannot be archived is reported, not thrown; the handler throws only when the PUT
    // itself fails (S3, KMS, permissions), so any error is worth a look.
    const errors = platformAlarm('audit-archiver-errors');
    this.errorAlarm = props.alarms.alarm(this, 'ErrorAlarm', {
      alarmName: `wardflow-${env}-${errors.key}`,
      alarmDescription: errors.runbook,
      metric: this.fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
  }
}
