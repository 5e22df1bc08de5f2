import { DescribeSecretCommand, ListSecretVersionIdsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { requireEnv } from '../shared/config.js';
import { environmentClient } from '../shared/environment-clients.js';
import { createStepLogger } from '../shared/middleware/logger.js';
import { Redactor } from '../shared/middleware/redact.js';
import { parsePolicies, ROTATION_METRIC, rotationStatus } from './rotation-age.js';

export const ROTATION_CHECK_STEP = 'secret-rotation-check';


const logger = createStepLogger({ step: ROTATION_CHECK_STEP, redactor: new Redactor() });
const secretsManager = environmentClient(() => new SecretsManagerClient({}));

/** Replaces the Secrets Manager client (tests); `undefined` goes back to the one built from the environment. */
export const useSecretsManagerClient = (client: SecretsManagerClient | undefined): void => secretsManager.use(client);

/** Where the metric line goes: stdout, undecorated, so CloudWatch Logs reads it as embedded metric format. */
let emit: (line: string) => void = (line) => process.stdout.write(`${line}\n`);
/** Replaces the metric sink (tests). */
export const useMetricSink = (sink: ((line: string) => void) | undefined): void => {
  emit = sink ?? ((line) => process.stdout.write(`${line}\n`));
};

/**
 * The daily rotation check of provider-issued secrets (rotation: 'provider'), which no rotation Lambda
 * can rotate: asks Secrets Manager when the value of each secret in ROTATION_POLICIES dates from
 * (DescribeSecret and ListSecretVersionIds: dates and version labels, never the value), compares with its policy (rotationDays), logs one record per
 * secret (its name, age and policy) and emits one metric in embedded metric format: SecretsOverdue,
 * the count of secrets older than their policy or that could not be checked (nothing proves those
 * fresh), with SecretsChecked beside it. CloudWatch turns the log line into the metric, so the role
 * needs no cloudwatch:PutMetricData.
 *
 * Environment: ROTATION_POLICIES (JSON list of { secretId, name, rotationDays }), WARDFLOW_ENV, LOG_LEVEL.
 */
export async function handler(_event: unknown, context?: Context, now: () => Date = () => new Date()): Promise<{ checked: number; overdue: number }> {
  logger.setLogLevel((process.env.LOG_LEVEL as 'INFO' | undefined) ?? 'INFO');
  if (context !== undefined) logger.addContext(context);
  const environment = requireEnv('WARDFLOW_ENV');
  const policies = parsePolicies(process.env.ROTATION_POLICIES);
  let overdue = 0;
  for (const policy of policies) {
    try {
      const client = secretsManager.get();
      const described = await client.send(new DescribeSecretCommand({ SecretId: policy.secretId }));
      const listed = await client.send(new ListSecretVersionIdsCommand({ SecretId: policy.secretId }));
      const status = rotationStatus(
        policy,
        { versions: (listed.Versions ?? []).map((v) => ({ stages: v.VersionStages ?? [], created: v.CreatedDate })), lastRotated: described.LastRotatedDate, created: described.CreatedDate },
        now(),
      );
      if (status.overdue) overdue += 1;
      const record = { secretName: status.name, ageDays: Number.isFinite(status.ageDays) ? status.ageDays : null, rotationDays: status.rotationDays, since: status.since, overdue: status.overdue };
      if (status.overdue) logger.warn('secret is older than its rotation policy: ask its provider for a new value and put it with put-secret-value', record);
      else logger.info('secret is within its rotation policy', record);
    } catch (error) {
      // A secret the check cannot read counts as overdue: a check that cannot see is a broken check.
      overdue += 1;
      logger.error('could not read when the secret last changed; counted as overdue', { secretName: policy.name, errorName: error instanceof Error ? error.name : 'Error' });
    }
  }
  emit(
    JSON.stringify({
      _aws: {
        Timestamp: now().getTime(),
        CloudWatchMetrics: [
          {
            Namespace: ROTATION_METRIC.namespace,
            Dimensions: [[ROTATION_METRIC.dimension]],
            Metrics: [
              { Name: ROTATION_METRIC.overdue, Unit: 'Count' },
              { Name: ROTATION_METRIC.checked, Unit: 'Count' },
            ],
          },
        ],
      },
      [ROTATION_METRIC.dimension]: environment,
      [ROTATION_METRIC.overdue]: overdue,
      [ROTATION_METRIC.checked]: policies.length,
    }),
  );
  return { checked: policies.length, overdue };
}
