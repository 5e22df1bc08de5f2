import type { LocalFunction } from '../app/definitions.js';

/** Local values for what the template fills from CloudFormation references (tables, keys, URLs, secrets). */
export interface LocalResources {
  region: string;
  eventsTable: string;
  sealingKeyArn: string;
  linkKeyArn: string;
  approvalSiteUrl: string;
  paymentsSecretId: string;
  /** The workflow's state machine: STATE_MACHINE_ARN of the functions that act on its executions (the approval page, record-decision, ...). */
  stateMachineArn: string;
  /** The bucket s3rver holds the audit archive in. */
  auditBucket: string;
  endpoints: { dynamodb: string; s3: string; sesv2: string; aws: string };
}

/** The local model adapter: a labelled stand-in for Bedrock, never presented as AI. */
const LOCAL_MODEL = 'local.invoice-parser-v1';

/**
 * Referenced on AWS and deliberately left unset locally. AUDIT_KMS_KEY_ID: s3rver does not encrypt
 * (nor know KMS keys), so the archiver sends no SSE-KMS headers and relies on the bucket's
 * default, which on AWS is the audit key and locally is none (local archives are not encrypted at rest).
 */
const LEFT_UNSET = new Set(['AUDIT_KMS_KEY_ID']);

/** Set per function on AWS and harmless to share locally (each step's logger names its step itself). */
const PER_FUNCTION = new Set(['POWERTOOLS_SERVICE_NAME', 'NODE_OPTIONS']);

/**
 * The environment the handlers run with locally. The handlers run in one process, so they
 * share one environment: every literal variable the template gives a function (approval policy,
 * approver, timeouts, cache lifetimes) is taken as synthesized, and every variable the template
 * fills with a reference gets its local value. The AWS SDK clients reach the local servers
 * through AWS_ENDPOINT_URL_<SERVICE>, and no profile or session token is left that could lead
 * one to a real account.
 *
 * Throws when two functions give one variable different values, or a referenced variable has
 * no local value: silently running with the wrong setting would be a surprise.
 *
 * @example
 * Object.assign(process.env, localHandlerEnvironment(app.functions, resources));
 */
export function localHandlerEnvironment(functions: readonly LocalFunction[], local: LocalResources): Record<string, string> {
  const referenced: Record<string, string> = {
    EVENTS_TABLE: local.eventsTable,
    DATA_KEY_ID: local.sealingKeyArn,
    APPROVAL_LINK_KEY_ID: local.linkKeyArn,
    APPROVAL_SITE_URL: local.approvalSiteUrl,
    PAYMENTS_SECRET_ID: local.paymentsSecretId,
    STATE_MACHINE_ARN: local.stateMachineArn,
    AUDIT_BUCKET: local.auditBucket,
  };
  const environment: Record<string, string> = {};
  for (const fn of functions) {
    for (const [name, value] of Object.entries(fn.literalEnvironment)) {
      if (PER_FUNCTION.has(name)) continue;
      const earlier = environment[name];
      if (earlier !== undefined && earlier !== value) {
        throw new Error(`functions disagree on ${name}; the local runtime runs every handler in one process and needs one value`);
      }
      environment[name] = value;
    }
    for (const name of fn.referencedEnvironment) {
      if (LEFT_UNSET.has(name)) continue;
      const value = referenced[name];
      if (value === undefined) throw new Error(`${fn.handler} gets ${name} from a CloudFormation reference that the local runtime has no local value for`);
      environment[name] = value;
    }
  }
  return {
    ...environment,
    WARDFLOW_ENV: 'local',
    MODEL_PROVIDER: 'local',
    MODEL_ID: LOCAL_MODEL,
    ALLOWED_MODELS: LOCAL_MODEL,
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
  };
}

/**
 * Variables removed locally: a profile or session token must not lead a handler to a real account;
 * without PAYMENTS_API_URL no money moves; an AUDIT_KMS_KEY_ID from the shell would send s3rver
 * SSE-KMS headers it cannot honour.
 */
export const UNSET_LOCALLY = [
  'AWS_PROFILE',
  'AWS_SESSION_TOKEN',
  'AWS_ENDPOINT_URL',
  'PAYMENTS_API_URL',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  ...LEFT_UNSET,
];
