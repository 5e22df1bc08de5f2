import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ROTATION_METRIC } from '../../functions/secret-rotation-check/rotation-age.js';
import { ConfigurationInvalid } from '../../functions/shared/errors.js';
import { PLATFORM_ALARMS } from '../operations/alarm-catalog.js';
import type { AlarmTopic } from './alarm-topic.js';
import { buildHandlerFunction, type LogLevel } from './handler-function.js';

/** The rotation policy when a secret declares none (SecretDeclaration.rotationDays). */
export const DEFAULT_ROTATION_DAYS = 90;
/** The alarm's key in the catalog (lib/operations/alarm-catalog.ts): `wardflow-<env>-secret-rotation-overdue`. */
export const ROTATION_ALARM_KEY = 'secret-rotation-overdue';

/** One provider-issued secret the check watches. */
export interface WatchedSecret {
  /** `<workflow>/<secret>`, for logs: a name, never a value. */
  readonly name: string;
  readonly secret: secretsmanager.ISecret;
  /** Days a value may live. @default DEFAULT_ROTATION_DAYS */
  readonly rotationDays?: number;
}

export interface SecretRotationCheckProps {
  readonly environmentName: string;
  /** The environment's provider-issued secrets (every workflow's secrets with `rotation: 'provider'`). At least one. */
  readonly secrets: readonly WatchedSecret[];
  readonly alarms: AlarmTopic;
  readonly logsKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** @default 'INFO' */
  readonly logLevel?: LogLevel;
  /** @default functions/ at the repository root */
  readonly functionsDirectory?: string;
}

/**
 * The rotation check of an environment's provider-issued secrets. Secrets Manager can rotate a secret
 * only through a rotation Lambda that obtains a new value, and a third party's API key cannot be
 * obtained by code of ours: the provider issues it. So instead of a rotation schedule, a check:
 * functions/secret-rotation-check runs once a day (an EventBridge rule), asks DescribeSecret when each
 * secret last changed, compares with the secret's rotationDays (ROTATION_POLICIES, one entry per
 * secret), and emits SecretsOverdue as an embedded-metric log line (no cloudwatch:PutMetricData).
 *
 * The alarm `wardflow-<env>-secret-rotation-overdue` fires when SecretsOverdue is 1 or more, and when the
 * metric is missing: a check that stopped running is broken, and "no news" must not read as "fresh".
 * CloudWatch uses the latest data point within the evaluation range while one exists, so a day whose
 * run has not happened yet does not breach; no data point in the whole range does.
 *
 * Nothing the platform holds can be rotated by a Lambda: every secret is provider-issued, the KMS
 * encryption keys rotate themselves yearly (enableKeyRotation, encryption-keys.ts), and the HMAC key of
 * approval links cannot be rotated by KMS at all (a new key is the rotation, and it revokes every
 * outstanding link; see encryption-keys.ts). A secret the platform could generate itself would get a
 * `secret.addRotationSchedule` with a rotation Lambda instead of a place in this check.
 *
 * Its role may: write its own logs, and secretsmanager:DescribeSecret on exactly these secrets' ARNs
 * (no GetSecretValue, no KMS: DescribeSecret returns no value).
 *
 * @example
 * new SecretRotationCheck(this, 'SecretRotation', { environmentName: 'dev', secrets: [{ name: 'invoice-approval/payments-api-key', secret }], alarms, logsKey, logRetention });
 */
export class SecretRotationCheck extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly rule: events.Rule;
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: SecretRotationCheckProps) {
    super(scope, id);
    if (props.secrets.length === 0) throw new ConfigurationInvalid('SecretRotationCheck needs at least one secret to watch; create it only when the environment has secrets');
    const env = props.environmentName;
    const policies = props.secrets.map((watched) => {
      const rotationDays = watched.rotationDays ?? DEFAULT_ROTATION_DAYS;
      if (!Number.isInteger(rotationDays) || rotationDays < 1 || rotationDays > 365) {
        throw new ConfigurationInvalid(`secret ${watched.name}: rotationDays must be a whole number of days from 1 to 365`);
      }
      return { secretId: watched.secret.secretArn, name: watched.name, rotationDays };
    });

    const built = buildHandlerFunction(this, {
      name: 'secret-rotation-check',
      environmentName: env,
      roleDescription: `wardflow ${env} secret rotation check: read when each provider-issued secret last changed`,
      statements: [
        new iam.PolicyStatement({
          sid: 'DescribeWatchedSecrets',
          // Dates and version labels only; never GetSecretValue.
          actions: ['secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds'],
          resources: props.secrets.map((watched) => watched.secret.secretArn),
        }),
      ],
      environment: { WARDFLOW_ENV: env, ROTATION_POLICIES: JSON.stringify(policies) },
      logsKey: props.logsKey,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      logLevel: props.logLevel,
      functionsDirectory: props.functionsDirectory,
      // One DescribeSecret per secret, each retried by the SDK.
      timeout: Duration.seconds(60),
      memorySize: 256,
      asynchronousFailures:
        'Invoked asynchronously by its daily rule, retried twice; a run that still fails emits no metric, and the rotation alarm treats missing data as breaching, so it alarms instead of sitting in a queue.',
    });
    this.fn = built.fn;
    this.role = built.role;

    // Once a day is enough for a policy counted in days; the alarm's missing-data rule catches a rule that stops.
    this.rule = new events.Rule(this, 'Daily', {
      description: `wardflow ${env}: the daily rotation check of provider-issued secrets`,
      schedule: events.Schedule.rate(Duration.days(1)),
      targets: [new targets.LambdaFunction(this.fn, { retryAttempts: 2 })],
    });
    Validations.of(this.rule).acknowledge({
      id: 'Serverless-EventBusDLQ',
      reason: 'A daily tick that cannot be delivered is replaced by the next day\'s; the rotation alarm treats a missing day as breaching, so a stopped schedule alarms instead of filling a queue.',
    });

    const spec = PLATFORM_ALARMS.find((alarm) => alarm.key === ROTATION_ALARM_KEY);
    if (spec === undefined) throw new ConfigurationInvalid(`the alarm catalog has no platform alarm ${ROTATION_ALARM_KEY}`);
    this.alarm = props.alarms.alarm(this, 'OverdueAlarm', {
      alarmName: `wardflow-${env}-${ROTATION_ALARM_KEY}`,
      alarmDescription: spec.runbook.replaceAll('<env>', env),
      metric: new cloudwatch.Metric({
        namespace: ROTATION_METRIC.namespace,
        metricName: ROTATION_METRIC.overdue,
        dimensionsMap: { [ROTATION_METRIC.dimension]: env },
        period: Duration.days(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // A check that stopped running (rule disabled, function broken before it emits) must alarm.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
  }
}
