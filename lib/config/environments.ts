import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { z } from 'zod';
import { CACHE_SECONDS_BOUNDS, ENVIRONMENT_NAME } from '../../functions/shared/config.js';
import { ConfigurationInvalid } from '../../functions/shared/errors.js';

/** cdk.json context key holding one entry per environment (dev, prod, ...). */
export const ENVIRONMENTS_CONTEXT_KEY = 'wardflow:environments';
/** Optional context key: comma list of environments to synthesize, e.g. `-c wardflow:stages=dev`. */
export const STAGES_CONTEXT_KEY = 'wardflow:stages';

/** CloudWatch Logs accepts only these retention periods; anything else fails at deploy time, so fail at synth. */
const LOG_RETENTION_DAYS = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number');

/**
 * A Bedrock model id: a foundation model (`amazon.nova-lite-v1:0`) or a cross-Region inference
 * profile, which is the foundation model's id behind a geography prefix (`eu.amazon.nova-lite-v1:0`,
 * `us.`, `apac.`, `global.`, ...; INFERENCE_PROFILE_PREFIXES in lib/constructs/bedrock-models.ts,
 * which also says what each becomes in IAM). No wildcards: each id becomes named IAM resources,
 * and a `*` would widen the allow-list enforced in IAM.
 */
const ModelId = z
  .string()
  .regex(
    /^(?:(?:us|us-gov|eu|apac|jp|au|ca|global)\.)?[a-z0-9-]+\.[a-z0-9.:-]+$/,
    'a Bedrock model id like "amazon.nova-lite-v1:0", or an inference profile id like "eu.amazon.nova-lite-v1:0" (no wildcards)',
  );

/** A key that used to be a platform setting and now belongs to a workflow: refused with where it went. */
function movedKey(where: string) {
  return z.undefined({ error: `has moved to ${where}; move it there` }).optional();
}

/** One year of hours (Step Functions' execution limit) less the hour the execution gets on top of the gate. */
export const MAX_APPROVAL_TIMEOUT_HOURS = 365 * 24 - 1;

/** Where alarms go: each entry becomes one SNS subscription on the environment's alarm topic. */
const AlarmSubscriber = z.discriminatedUnion('protocol', [
  z.object({ protocol: z.literal('email'), endpoint: z.email('an email address') }).strict(),
  /** An HTTPS endpoint (a chat webhook, an incident tool); SNS asks it to confirm the subscription. */
  z.object({ protocol: z.literal('https'), endpoint: z.url({ protocol: /^https$/, error: 'an https:// URL' }) }).strict(),
]);
export type AlarmSubscriber = z.infer<typeof AlarmSubscriber>;

/**
 * What an environment is for. `prod` holds real data and moves real money: it refuses to synthesize a
 * workflow without an owner, a review date within 90 days, alarm subscribers and an approval gate before
 * any step that moves money or data out. `dev` refuses executions whose input is marked as real data.
 */
export const ENVIRONMENT_TIERS = ['dev', 'prod'] as const;
export type EnvironmentTier = (typeof ENVIRONMENT_TIERS)[number];

/**
 * How hard Bedrock Guardrails' prompt-attack filter looks at a step's untrusted input before it
 * reaches a model (`inputStrength` of the PROMPT_ATTACK content filter): a higher strength flags
 * more, including more harmless text.
 */
export const PROMPT_ATTACK_STRENGTHS = ['LOW', 'MEDIUM', 'HIGH'] as const;
export type PromptAttackStrength = (typeof PROMPT_ATTACK_STRENGTHS)[number];

/**
 * The environment's Bedrock guardrail, the second injection layer on AWS (lib/constructs/prompt-attack-guardrail.ts):
 * `{ "promptAttack": "HIGH" }`, or `false` for none. Absent means none outside prod; a prod environment
 * must say which (so turning it off there is a decision written down, not an omission).
 */
const GuardrailSetting = z.union(
  [
    z.literal(false),
    z
      .object({
        promptAttack: z.enum(PROMPT_ATTACK_STRENGTHS, { error: `must be one of ${PROMPT_ATTACK_STRENGTHS.join(', ')}` }),
      })
      .strict(),
  ],
  { error: `must be false (no guardrail) or an object such as { "promptAttack": "HIGH" } (strength ${PROMPT_ATTACK_STRENGTHS.join(', ')})` },
);
export type GuardrailSetting = z.infer<typeof GuardrailSetting>;

const EnvironmentConfigSchema = z
  .object({
    /**
     * The AWS account this environment deploys to (12 digits). Pinned so that a dev deploy can never
     * land in the prod account with the wrong credentials: CloudFormation refuses a stack whose
     * account is not the caller's.
     */
    account: z.string().regex(/^\d{12}$/, 'must be the 12-digit AWS account id this environment deploys to, e.g. "111111111111"'),
    /** The AWS region this environment deploys to, e.g. `eu-west-1`. */
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region name such as "eu-west-1"'),
    /** What the environment is for (see ENVIRONMENT_TIERS): dev refuses real data, prod refuses an unowned or ungated workflow. */
    tier: z.enum(ENVIRONMENT_TIERS, { error: `must be one of ${ENVIRONMENT_TIERS.join(', ')}` }),
    /** Who hears the alarms: e-mail addresses and HTTPS endpoints subscribed to the alarm topic. Required in prod. @default none */
    alarmSubscribers: z.array(AlarmSubscriber).max(20).default([]),
    /** Object Lock COMPLIANCE retention of the audit bucket, in days. Cannot be shortened once objects are written. */
    auditRetentionDays: z.number().int().min(1).max(36_500),
    /** DynamoDB deletion protection for the events table; also turns on RETAIN removal policies. */
    deletionProtection: z.boolean(),
    /**
     * How long an approval gate waits for a decision before the execution fails closed. The execution
     * may run this plus one hour (lib/stacks/wardflow-stack.ts), and Step Functions caps a STANDARD
     * execution at one year (8,760 hours), so at most 8,759.
     */
    approvalTimeoutHours: z.number().int().min(1).max(MAX_APPROVAL_TIMEOUT_HOURS),
    /**
     * The From address of approval emails. request-approval may send only from it (IAM ses:FromAddress),
     * and only through its SES identity: the operator verifies that address or its domain in SES before
     * the first approval is requested (lib/constructs/approval-email-sender.ts).
     */
    approvalEmailFrom: z.email({
      error: (issue) =>
        issue.input === undefined
          ? 'is missing: add the address approval emails are sent from (verified in SES), e.g. "approvals@example.com"'
          : 'must be an email address to send approval emails from (verified in SES), e.g. "approvals@example.com"',
    }),
    modelProvider: z.literal('bedrock'),
    /** The model extract-invoice calls; must be one of allowedModels. */
    modelId: ModelId,
    /**
     * Models any step may invoke in this environment: enforced in code (ALLOWED_MODELS) and in IAM. The
     * outer bound: each workflow's steps get the part of it its data classification admits
     * (lib/config/model-governance.ts).
     */
    allowedModels: z.array(ModelId).min(1),
    /**
     * Models cleared for `restricted` workflows in this environment, each also in allowedModels. Without
     * an entry, a restricted workflow may call no model at all (lib/config/model-governance.ts). @default none
     */
    restrictedModels: z.array(ModelId).default([]),
    /** The Bedrock guardrail of the model steps (see GuardrailSetting). Required in prod. @default none outside prod */
    guardrail: GuardrailSetting.optional(),
    /** Retention of every log group, in days: one of the values CloudWatch Logs accepts. */
    logRetentionDays: z
      .number()
      .int()
      .refine((d) => LOG_RETENTION_DAYS.includes(d), `one of ${LOG_RETENTION_DAYS.join(', ')}`),
    /** How long a step keeps a fetched secret in memory, in seconds. */
    secretsCacheSeconds: z.number().int().min(CACHE_SECONDS_BOUNDS.secrets.min).max(CACHE_SECONDS_BOUNDS.secrets.max),
    /** How long a step may reuse a data key, in seconds. */
    dataKeyCacheSeconds: z.number().int().min(CACHE_SECONDS_BOUNDS.dataKey.min).max(CACHE_SECONDS_BOUNDS.dataKey.max),
    /** LOG_LEVEL of every step. */
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
    /**
     * Each workflow's own settings in this environment, by workflow name (its approvers, URLs, limits).
     * Validated by the workflow's `settings` schema (lib/workflows/workflow-definition.ts), not here:
     * the platform does not know a workflow's settings.
     */
    workflows: z.record(z.string(), z.unknown()).default({}),
    /** Moved into the invoice workflow's settings: a clear message instead of "unrecognized key". */
    approverEmail: movedKey('workflows.invoice-approval.approvers (a list of addresses)'),
    paymentsApiUrl: movedKey('workflows.invoice-approval.paymentsApiUrl'),
  })
  .strict()
  .superRefine((env, ctx) => {
    if (env.tier === 'prod' && env.alarmSubscribers.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['alarmSubscribers'],
        message: 'is empty: a prod environment needs at least one alarm subscriber (e.g. { "protocol": "email", "endpoint": "oncall@example.com" })',
      });
    }
    if (env.tier === 'prod' && env.guardrail === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['guardrail'],
        message: 'is missing: a prod environment says whether its model steps get a Bedrock guardrail: { "promptAttack": "HIGH" } (or "MEDIUM", "LOW"), or false for none',
      });
    }
    for (const [index, model] of env.restrictedModels.entries()) {
      if (!env.allowedModels.includes(model)) {
        ctx.addIssue({ code: 'custom', path: ['restrictedModels', index], message: 'is not in allowedModels: allowedModels bounds every model of the environment; add it there too or remove it here' });
      }
    }
    if (!env.allowedModels.includes(env.modelId)) {
      ctx.addIssue({
        code: 'custom',
        path: ['modelId'],
        message: 'is not in allowedModels: add it to allowedModels or choose one of the allowed models',
      });
    }
  });

/** The validated settings of one environment. */
export type EnvironmentConfig = z.infer<typeof EnvironmentConfigSchema>;

/** One environment to synthesize: its name (`dev`) and its settings. */
export interface NamedEnvironment {
  /** Lower-case name, used in resource names, aliases and secret paths (`wardflow/<name>/...`). */
  readonly name: string;
  readonly config: EnvironmentConfig;
}

const EnvironmentName = ENVIRONMENT_NAME;

/** The issues of one environment as `wardflow:environments.<env>.<key> <problem>`: keys, never values. */
function describeConfigIssues(issues: z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = [ENVIRONMENTS_CONTEXT_KEY, ...issue.path.map(String)].join('.');
      return `${path} ${issue.message}`;
    })
    .join('; ');
}

/**
 * Validates the raw value of the `wardflow:environments` context and picks the environments to synthesize.
 * Throws ConfigurationInvalid naming every bad key (never its value) and how to fix it.
 *
 * @param raw the context value, normally from cdk.json
 * @param stages optional comma list (the `wardflow:stages` context); default: every environment
 * @example
 * const [dev] = parseEnvironments({ dev: { ...settings } }, 'dev');
 * dev.name; // 'dev'
 */
export function parseEnvironments(raw: unknown, stages?: string): NamedEnvironment[] {
  if (raw === undefined || raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigurationInvalid(
      `context "${ENVIRONMENTS_CONTEXT_KEY}" is missing or not an object; add it to cdk.json with one entry per environment (dev, prod)`,
    );
  }
  const environments: NamedEnvironment[] = [];
  const problems: string[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (!EnvironmentName.test(name)) {
      problems.push(`${ENVIRONMENTS_CONTEXT_KEY}.${name} is not a valid environment name (lower-case letters, digits, dashes)`);
      continue;
    }
    const parsed = EnvironmentConfigSchema.safeParse(value);
    if (parsed.success) environments.push({ name, config: parsed.data });
    else problems.push(describeConfigIssues(parsed.error.issues.map((i) => ({ ...i, path: [name, ...i.path] }))));
  }
  if (problems.length > 0) {
    throw new ConfigurationInvalid(`${problems.join('; ')}. Fix these keys in cdk.json (context "${ENVIRONMENTS_CONTEXT_KEY}")`);
  }
  if (environments.length === 0) {
    throw new ConfigurationInvalid(`context "${ENVIRONMENTS_CONTEXT_KEY}" has no environments; add at least "dev" to cdk.json`);
  }
  if (stages === undefined || stages.trim() === '') return environments;

  const wanted = stages.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = wanted.filter((w) => !environments.some((e) => e.name === w));
  if (unknown.length > 0) {
    throw new ConfigurationInvalid(
      `context "${STAGES_CONTEXT_KEY}" names environments that are not in "${ENVIRONMENTS_CONTEXT_KEY}" (${unknown.join(', ')}); ` +
        `use one of ${environments.map((e) => e.name).join(', ')}`,
    );
  }
  return environments.filter((e) => wanted.includes(e.name));
}

/**
 * Reads and validates the environments from the construct tree's context (cdk.json or `-c`).
 *
 * @example
 * const app = new App();
 * for (const env of loadEnvironments(app)) new WardflowStage(app, stageIdOf(env.name), { environment: env });
 */
export function loadEnvironments(scope: Construct): NamedEnvironment[] {
  const stages: unknown = scope.node.tryGetContext(STAGES_CONTEXT_KEY);
  if (stages !== undefined && typeof stages !== 'string') {
    throw new ConfigurationInvalid(`context "${STAGES_CONTEXT_KEY}" must be a comma list such as "dev,prod"`);
  }
  return parseEnvironments(scope.node.tryGetContext(ENVIRONMENTS_CONTEXT_KEY), stages);
}

/**
 * The construct id of an environment's stage: `dev` -> `Dev`, `eu-prod` -> `EuProd`.
 * `cdk synth` writes it to cdk.out/assembly-<id>/.
 *
 * @example
 * stageIdOf('prod'); // 'Prod'
 */
export function stageIdOf(environmentName: string): string {
  return environmentName
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
