import * as z from 'zod';
import { ConfigurationInvalid } from './errors.js';

/**
 * Everything a step reads from its environment, read and validated in one place.
 * The CDK stack sets these on each function; the local runtime and tests set them too.
 * Endpoints are not here: the AWS SDK v3 reads AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>
 * itself, which is how local mode, moto and LocalStack are reached without code changes.
 */
/** An environment's name: it becomes part of resource names, key aliases and secret paths. */
export const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,30}$/;

/** Bounds of the cache lifetimes, in seconds: the CDK config and the steps check the same ones. */
export const CACHE_SECONDS_BOUNDS = {
  dataKey: { min: 0, max: 300 },
  secrets: { min: 0, max: 3_600 },
} as const;

/**
 * Built at the first readStepEnvironment, not when this module loads: a handler that only needs
 * requireEnv or the constants (the audit archiver) then builds no schema at load, and esbuild leaves
 * this module's use of zod out of its bundle.
 */
function buildStepEnvironmentSchema() {
  return z.object({
    WARDFLOW_ENV: z.string().regex(ENVIRONMENT_NAME).default('dev'),
    EVENTS_TABLE: z.string().min(3),
    /** KMS key (id, ARN or alias) that wraps the data keys of sealed event fields. */
    DATA_KEY_ID: z.string().min(1),
    /** How long a data key may be reused, in seconds; 0 turns caching off. */
    DATA_KEY_CACHE_SECONDS: z.coerce.number().int().min(CACHE_SECONDS_BOUNDS.dataKey.min).max(CACHE_SECONDS_BOUNDS.dataKey.max).default(60),
    /** How long a secret value lives in memory before it is fetched again, in seconds. */
    SECRETS_CACHE_SECONDS: z.coerce.number().int().min(CACHE_SECONDS_BOUNDS.secrets.min).max(CACHE_SECONDS_BOUNDS.secrets.max).default(300),
    LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  });
}

let stepEnvironmentSchema: ReturnType<typeof buildStepEnvironmentSchema> | undefined;

export interface StepEnvironment {
  environment: string;
  eventsTable: string;
  dataKeyId: string;
  dataKeyCacheSeconds: number;
  secretsCacheSeconds: number;
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/**
 * The step environment of `env`, validated; throws ConfigurationInvalid naming each variable that
 * is missing or malformed (never its value).
 *
 * @example
 * const { eventsTable, dataKeyId } = readStepEnvironment();
 */
export function readStepEnvironment(env: NodeJS.ProcessEnv = process.env): StepEnvironment {
  stepEnvironmentSchema ??= buildStepEnvironmentSchema();
  const parsed = stepEnvironmentSchema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')} (${i.message})`).join(', ');
    throw new ConfigurationInvalid(`environment variables ${fields} are missing or malformed`);
  }
  const e = parsed.data;
  return {
    environment: e.WARDFLOW_ENV,
    eventsTable: e.EVENTS_TABLE,
    dataKeyId: e.DATA_KEY_ID,
    dataKeyCacheSeconds: e.DATA_KEY_CACHE_SECONDS,
    secretsCacheSeconds: e.SECRETS_CACHE_SECONDS,
    logLevel: e.LOG_LEVEL,
  };
}

/** Reads one extra variable a specific step needs, with a message that names it. */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigurationInvalid(`environment variable ${name} is not set`);
  }
  return value;
}
