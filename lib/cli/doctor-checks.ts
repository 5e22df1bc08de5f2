import { maskEmails } from '../shared/mask.js';

/**
 * What `wardflow doctor` judges, as plain data gathered from a deployed stack (doctor-facts.ts),
 * and the judging itself: pure, so every verdict is tested with fixed facts and dates, and the
 * SDK plumbing separately against moto.
 */

/** Days a secret's value may live unless its workflow declares `rotationDays` (the platform's rotation policy). */
export const DEFAULT_ROTATION_DAYS = 90;
/**
 * How far behind the audit archive may fall before doctor calls it a problem: the same 15 minutes as
 * the `audit-archive-behind` alarm (ARCHIVE_LAG_ALARM in lib/constructs/audit-archiver.ts, kept out
 * of the CLI's imports because that module loads the CDK).
 */
export const ARCHIVE_LAG_LIMIT_MINUTES = 15;
/** How far back doctor reads the archiver's IteratorAge. */
export const ARCHIVE_LAG_WINDOW_MINUTES = 60;

const DAY_MS = 24 * 60 * 60 * 1000;

export type CheckName = 'alarm-subscriptions' | 'secret-rotation' | 'audit-stream-mapping' | 'archive-lag' | 'key-rotation';

/** One line of the report: what was checked, on what, and either ok or the problem and its fix. */
export interface CheckResult {
  check: CheckName;
  /** What it is about: a topic, a secret's name, a key's logical id. Never a secret value or a person's address. */
  subject: string;
  ok: boolean;
  message: string;
  /** What to do, for a problem. */
  fix?: string;
}

export interface SubscriptionFact {
  protocol: string;
  endpoint: string;
  /** SNS lists a subscription not yet confirmed with the SubscriptionArn `PendingConfirmation`. */
  pending: boolean;
}

/**
 * The alarm topic's subscriptions: none at all is a problem (alarms reach nobody), and so is each
 * one still waiting for its confirmation (SNS delivers nothing to it).
 *
 * @example
 * checkSubscriptions('wardflow-prod-alarms', [{ protocol: 'email', endpoint: 'oncall@example.com', pending: true }]);
 */
export function checkSubscriptions(topic: string | undefined, subscriptions: readonly SubscriptionFact[]): CheckResult[] {
  const check = 'alarm-subscriptions';
  if (topic === undefined) {
    return [{ check, subject: 'alarm topic', ok: false, message: 'the stack names no alarm topic (output AlarmTopicArn)', fix: 'redeploy the stack with `npx cdk deploy`: it creates the topic and its output' }];
  }
  if (subscriptions.length === 0) {
    return [{ check, subject: topic, ok: false, message: 'nobody is subscribed: alarms reach no one', fix: 'add alarmSubscribers to the environment in cdk.json and redeploy' }];
  }
  const pending = subscriptions.filter((s) => s.pending);
  if (pending.length === 0) return [{ check, subject: topic, ok: true, message: `${subscriptions.length} confirmed ${subscriptions.length === 1 ? 'subscription' : 'subscriptions'} (${describe(subscriptions)})` }];
  return [
    {
      check,
      subject: topic,
      ok: false,
      message: `${pending.length} of ${subscriptions.length} ${subscriptions.length === 1 ? 'subscription is' : 'subscriptions are'} pending confirmation, so SNS sends them nothing (${describe(pending)})`,
      fix: 'confirm each through the link SNS sent (an e-mail inbox, or the webhook\'s SubscribeURL); an unconfirmed subscription expires after 3 days: then redeploy to send a new request',
    },
  ];
}

/** Protocols and where, without addresses: e-mail masked, an HTTPS endpoint by host only (a webhook's path is often its secret). */
function describe(subscriptions: readonly SubscriptionFact[]): string {
  return subscriptions.map((s) => `${s.protocol} ${endpointShown(s)}`).join(', ');
}

function endpointShown(subscription: SubscriptionFact): string {
  if (subscription.protocol === 'email' || subscription.protocol === 'email-json') return maskEmails(subscription.endpoint);
  try {
    return new URL(subscription.endpoint).host;
  } catch {
    return 'an endpoint';
  }
}

export interface SecretFact {
  /** `wardflow/<env>/<workflow>/<name>`. */
  name: string;
  /** When the value in use was stored (or rotated); undefined when Secrets Manager says nothing usable. */
  valueSince: Date | undefined;
  /** Days the value may live. */
  policyDays: number;
  /** Whether the policy is the default, for the message. */
  defaultPolicy: boolean;
}

/**
 * A secret's value older than its rotation policy is a problem; so is a secret whose age cannot
 * be told.
 *
 * @example
 * checkSecretAge({ name: 'wardflow/prod/invoice-approval/payments-api-key', valueSince: new Date('2026-01-01'), policyDays: 90, defaultPolicy: true }, new Date('2026-06-01'));
 */
export function checkSecretAge(secret: SecretFact, now: Date): CheckResult {
  const check = 'secret-rotation';
  const policy = `${secret.policyDays} days${secret.defaultPolicy ? ' (the default)' : ''}`;
  if (secret.valueSince === undefined) {
    return { check, subject: secret.name, ok: false, message: 'Secrets Manager gives no date for its current value', fix: 'put a new value from its provider with `aws secretsmanager put-secret-value`' };
  }
  const ageDays = Math.floor((now.getTime() - secret.valueSince.getTime()) / DAY_MS);
  const since = secret.valueSince.toISOString().slice(0, 10);
  if (ageDays <= secret.policyDays) return { check, subject: secret.name, ok: true, message: `value ${ageDays} ${ageDays === 1 ? 'day' : 'days'} old (since ${since}), within its policy of ${policy}` };
  return {
    check,
    subject: secret.name,
    ok: false,
    message: `value ${ageDays} days old (since ${since}), older than its policy of ${policy}`,
    fix: 'ask its provider for a new value and store it with `aws secretsmanager put-secret-value`; then revoke the old one at the provider',
  };
}

/** When a secret's value dates from: the rule the rotation check uses too (functions/shared/secret-value-age.ts). */
export { currentValueSince } from '../../functions/shared/secret-value-age.js';

export interface MappingFact {
  uuid: string;
  state: string;
}

/**
 * The archiver's event-source mapping on the events table's stream must exist and be Enabled: a
 * disabled one archives nothing while the stream drops records after 24 hours.
 */
export function checkMappings(archiverFunction: string | undefined, mappings: readonly MappingFact[]): CheckResult[] {
  const check = 'audit-stream-mapping';
  if (archiverFunction === undefined) {
    return [{ check, subject: 'audit archiver', ok: false, message: 'the stack has no audit archiver function', fix: 'redeploy the stack with `npx cdk deploy`' }];
  }
  if (mappings.length === 0) {
    return [{ check, subject: archiverFunction, ok: false, message: 'the archiver has no event-source mapping: nothing reads the events stream', fix: 'redeploy the stack with `npx cdk deploy`, which recreates the mapping' }];
  }
  return mappings.map((m) =>
    m.state === 'Enabled'
      ? { check, subject: archiverFunction, ok: true, message: `event-source mapping ${m.uuid} is Enabled` }
      : {
          check,
          subject: archiverFunction,
          ok: false,
          message: `event-source mapping ${m.uuid} is ${m.state}: the archive receives nothing, and stream records older than 24 hours are lost to it`,
          fix: `enable it (\`aws lambda update-event-source-mapping --uuid ${m.uuid} --enabled\`), then run \`wardflow audit verify\` to find any gap`,
        },
  );
}

/**
 * The archive's lag: the newest maximum IteratorAge of the archiver within the window. No data is
 * a problem too: the archiver has read nothing, either because no event was appended (an idle
 * environment) or because nothing reads the stream.
 */
export function checkArchiveLag(archiverFunction: string | undefined, newestMaxIteratorAgeMs: number | undefined): CheckResult {
  const check = 'archive-lag';
  const subject = archiverFunction ?? 'audit archiver';
  if (archiverFunction === undefined) return { check, subject, ok: false, message: 'no audit archiver function to read the lag of', fix: 'redeploy the stack with `npx cdk deploy`' };
  if (newestMaxIteratorAgeMs === undefined) {
    return {
      check,
      subject,
      ok: false,
      message: `no IteratorAge data in the last ${ARCHIVE_LAG_WINDOW_MINUTES} minutes: the archiver read nothing from the stream`,
      fix: 'if events were appended in that time, check the event-source mapping and the archiver\'s errors; if the environment is idle, start an execution and run doctor again',
    };
  }
  const minutes = newestMaxIteratorAgeMs / 60_000;
  const shown = minutes < 1 ? `${Math.round(newestMaxIteratorAgeMs / 1000)} seconds` : `${minutes.toFixed(1)} minutes`;
  if (minutes <= ARCHIVE_LAG_LIMIT_MINUTES) return { check, subject, ok: true, message: `the archive is ${shown} behind the events table (limit ${ARCHIVE_LAG_LIMIT_MINUTES} minutes)` };
  return {
    check,
    subject,
    ok: false,
    message: `the archive is ${shown} behind the events table (limit ${ARCHIVE_LAG_LIMIT_MINUTES} minutes); records leave the stream after 24 hours`,
    fix: 'read the archiver\'s logs and errors (S3 or KMS refusals, throttling) and its dead-letter queue',
  };
}

export interface KeyFact {
  /** The key's logical id in the stack (TableKey..., SealingKey...), which says its purpose. */
  logicalId: string;
  keyId: string;
  /** KMS KeySpec: SYMMETRIC_DEFAULT, HMAC_256, ... */
  spec: string | undefined;
  state: string | undefined;
  /** Automatic rotation, for symmetric keys (undefined where KMS has none). */
  rotation: boolean | undefined;
}

/**
 * Automatic rotation must be on for every symmetric key of the stack. KMS rotates no HMAC key: the
 * approval-link key is reported as such (replacing it revokes every outstanding link).
 */
export function checkKey(key: KeyFact): CheckResult {
  const check = 'key-rotation';
  const subject = key.logicalId;
  if (key.state !== undefined && key.state !== 'Enabled') {
    return { check, subject, ok: false, message: `key ${key.keyId} is ${key.state}`, fix: 'a key the stack uses must be Enabled: cancel a scheduled deletion or enable it, then investigate who changed it (CloudTrail)' };
  }
  if (key.spec !== 'SYMMETRIC_DEFAULT') {
    return { check, subject, ok: true, message: `key ${key.keyId} is ${key.spec ?? 'not symmetric'}: KMS has no automatic rotation for it (replace it by hand to rotate)` };
  }
  if (key.rotation === true) return { check, subject, ok: true, message: `key ${key.keyId}: automatic rotation is on` };
  return { check, subject, ok: false, message: `key ${key.keyId}: automatic rotation is off`, fix: `turn it on: \`aws kms enable-key-rotation --key-id ${key.keyId}\` (the stack declares it on: someone turned it off, check CloudTrail)` };
}
