import { LOCAL_CLOCK_OFFSET_VARIABLE, LOCAL_RUNTIME_MARKER } from '../../../../functions/shared/local-clock.js';
import { LOCAL_STAND_IN } from '../../../../functions/shared/models/select-gateway.js';
import type { LocalFunction } from '../app/definitions.js';

/**
 * Local values for what the template fills from CloudFormation references to resources the
 * local runtime stands in for (tables, keys, URLs, secrets). A state machine's ARN is not here:
 * the template resolves it itself (definitions.ts), per function.
 */
export interface LocalResources {
  region: string;
  eventsTable: string;
  sealingKeyArn: string;
  linkKeyArn: string;
  approvalSiteUrl: string;
  paymentsSecretId: string;
  /** The bucket s3rver holds the audit archive in. */
  auditBucket: string;
  endpoints: { dynamodb: string; s3: string; sesv2: string; aws: string };
  /**
   * What the approval timers are scheduled with locally: the approval-timer function's local ARN
   * (what the local EventBridge Scheduler invokes), a role ARN (nothing assumes it locally) and the
   * schedule group the local Scheduler has from the start. Absent: a function that references them is refused.
   */
  scheduler?: { timerArn: string; roleArn: string; group: string };
  /** `--clock-offset` in ms: every handler's `now` and the local Scheduler run this far ahead. @default 0 */
  clockOffsetMs?: number;
}

/**
 * Referenced on AWS and deliberately left unset locally. AUDIT_KMS_KEY_ID: s3rver does not encrypt
 * (nor know KMS keys), so the archiver sends no SSE-KMS headers and relies on the bucket's
 * default, which on AWS is the audit key and locally is none (local archives are not encrypted at rest).
 */
const LEFT_UNSET = new Set(['AUDIT_KMS_KEY_ID']);

/**
 * Functions nothing invokes locally, by name, with the referenced variables they are left without: the
 * local runtime runs neither CloudFormation custom resources (the dev access-log bucket emptied before
 * the stack deletes it) nor EventBridge schedules (the daily secret rotation check, whose policies name
 * the secrets by ARN).
 */
const NOT_RUN_LOCALLY: Readonly<Record<string, readonly string[]>> = {
  'empty-access-logs': ['BUCKET_NAME'],
  'secret-rotation-check': ['ROTATION_POLICIES'],
};

/** Read when a Node.js process starts: the local runtime's process has started long before any handler runs. */
const PROCESS_START_ONLY = new Set(['NODE_OPTIONS']);

/**
 * The variables one function runs with locally, as Lambda gives each function its own: every
 * literal variable the template gives this function (approvers, timeouts, its workflow's name,
 * cache lifetimes) as synthesized, the ones the template resolves locally (its state machine's
 * ARN), and a local value for every variable it fills with a reference to a resource the runtime
 * stands in for. Then the settings every function shares locally: the AWS SDK clients reach
 * the local servers through AWS_ENDPOINT_URL_<SERVICE> with local credentials and region, the
 * model provider is the local stand-in, and the local runtime's marker and clock offset are set.
 *
 * Two functions may give one variable different values: each sees its own
 * (function-environment.ts). Throws when a referenced variable has no local value: silently
 * running without a setting would be a surprise.
 *
 * @example
 * const environment = localFunctionEnvironment(app.functions[0], resources);
 * environment.EVENTS_TABLE; // 'wardflow-local-events'
 */
export function localFunctionEnvironment(fn: LocalFunction, local: LocalResources): Record<string, string> {
  const referenced: Record<string, string | undefined> = {
    EVENTS_TABLE: local.eventsTable,
    DATA_KEY_ID: local.sealingKeyArn,
    APPROVAL_LINK_KEY_ID: local.linkKeyArn,
    APPROVAL_SITE_URL: local.approvalSiteUrl,
    PAYMENTS_SECRET_ID: local.paymentsSecretId,
    AUDIT_BUCKET: local.auditBucket,
    APPROVAL_TIMER_ARN: local.scheduler?.timerArn,
    APPROVAL_TIMER_ROLE_ARN: local.scheduler?.roleArn,
    APPROVAL_SCHEDULE_GROUP: local.scheduler?.group,
  };
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.literalEnvironment)) {
    if (!PROCESS_START_ONLY.has(name)) environment[name] = value;
  }
  Object.assign(environment, fn.resolvedEnvironment);
  for (const name of fn.referencedEnvironment) {
    if (LEFT_UNSET.has(name) || NOT_RUN_LOCALLY[fn.name]?.includes(name)) continue;
    const value = referenced[name];
    if (value === undefined) throw new Error(`${fn.name} gets ${name} from a CloudFormation reference that the local runtime has no local value for`);
    environment[name] = value;
  }
  return {
    ...environment,
    WARDFLOW_ENV: 'local',
    // Metrics are for CloudWatch: locally their EMF lines would only fill the step log
    // (functions/shared/metrics/emit.ts; Powertools honours this flag).
    POWERTOOLS_METRICS_DISABLED: 'true',
    MODEL_PROVIDER: 'local',
    // Each step's own labelled stand-in for its model (not AI), all allowed as this one entry.
    MODEL_ID: LOCAL_STAND_IN,
    ALLOWED_MODELS: LOCAL_STAND_IN,
    AWS_REGION: local.region,
    AWS_DEFAULT_REGION: local.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: local.endpoints.dynamodb,
    AWS_ENDPOINT_URL_S3: local.endpoints.s3,
    AWS_ENDPOINT_URL_SESV2: local.endpoints.sesv2,
    AWS_ENDPOINT_URL_SFN: local.endpoints.aws,
    AWS_ENDPOINT_URL_KMS: local.endpoints.aws,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: local.endpoints.aws,
    AWS_ENDPOINT_URL_SCHEDULER: local.endpoints.aws,
    // Only the local runtime sets these two (a CDK test proves no deployed function has them);
    // functions/shared/local-clock.ts honours the offset only beside the marker.
    [LOCAL_RUNTIME_MARKER]: '1',
    [LOCAL_CLOCK_OFFSET_VARIABLE]: String(local.clockOffsetMs ?? 0),
    // The local scheduler fires to the second: a level opened by a vote is announced at once, not
    // a minute later as Scheduler's one-minute precision makes it on AWS (timer-schedule.ts).
    APPROVAL_TIMER_LEAD_SECONDS: '1',
  };
}

/**
 * What a function sees as `process.env` locally: the process's environment without the
 * variables removed locally (UNSET_LOCALLY), with the function's own variables over it.
 *
 * @example
 * const environment = handlerProcessEnvironment(process.env, localFunctionEnvironment(fn, resources));
 */
export function handlerProcessEnvironment(processEnvironment: NodeJS.ProcessEnv, functionEnvironment: Record<string, string>): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(processEnvironment)) {
    if (value !== undefined && !UNSET_LOCALLY.includes(name)) environment[name] = value;
  }
  return Object.assign(environment, functionEnvironment);
}

/**
 * Variables removed locally: a profile or session token must not lead a handler to a real account;
 * without PAYMENTS_API_URL no money moves; an AUDIT_KMS_KEY_ID from the shell would send s3rver
 * SSE-KMS headers it cannot honour; a GUARDRAIL_ID or GUARDRAIL_VERSION from the shell would send
 * text to Bedrock, which does not exist locally (no function gets them from the template either:
 * the local environment has no guardrail, definitions.ts).
 */
export const UNSET_LOCALLY = [
  'AWS_PROFILE',
  'GUARDRAIL_ID',
  'GUARDRAIL_VERSION',
  'AWS_SESSION_TOKEN',
  'AWS_ENDPOINT_URL',
  'PAYMENTS_API_URL',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  ...LEFT_UNSET,
];
