import type middy from '@middy/core';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { clearCache, getCache, modifyCache, processCache } from '@middy/util';
import { onForgetEnvironment } from '../environment-clients.js';
import { ConfigurationInvalid, safeErrorName, SecretUnavailable } from '../errors.js';
import { invocationOf, type SecretRead } from './invocation.js';
import type { Redactor } from './redact.js';

/**
 * Loads secrets from Secrets Manager at run time and puts them on `context.secrets`.
 *
 * Why not `@middy/secrets-manager`: it keeps only `SecretString` and drops the response's
 * `VersionId`, which the SecretRead event must record ("which version did this step use?"),
 * and it defaults to caching forever (`cacheExpiry: -1`). We reuse middy's cache from
 * `@middy/util` (processCache/getCache/modifyCache) so behaviour stays familiar.
 */
export interface SecretsOptions {
  /** Logical name on `context.secrets` -> secret id (name or ARN) in Secrets Manager. */
  fetch: Record<string, string>;
  /**
   * How long a fetched value lives in memory, in milliseconds. Required: there is no default,
   * and "forever" (negative) is refused. 0 fetches on every invocation.
   */
  cacheExpiry: number;
  /** Client to use; defaults to one built from the environment (AWS_ENDPOINT_URL_* apply). */
  client?: SecretsManagerClient;
  /** Every fetched value is registered here so logs, errors and events never show it. */
  redactor?: Redactor;
  /** Cache namespace; the secret ids are appended. */
  cacheKeyPrefix?: string;
}

/** middy caches "until a unix timestamp" above one day; we never want that meaning. */
const MAX_CACHE_EXPIRY_MS = 86_400_000;

interface FetchedSecret {
  value: string;
  versionId: string | null;
}

type Fetched = Record<string, Promise<FetchedSecret> | undefined>;

/**
 * @example
 * ```ts
 * middy(handler).use(secrets({ fetch: { paymentsApiKey: 'wardflow/dev/payments-api-key' }, cacheExpiry: 300_000 }));
 * // in the handler: context.secrets.paymentsApiKey
 * ```
 */
export function secrets(options: SecretsOptions): middy.MiddlewareObj<unknown, unknown, Error> {
  const { fetch, cacheExpiry } = options;
  if (!Number.isFinite(cacheExpiry) || cacheExpiry < 0 || cacheExpiry > MAX_CACHE_EXPIRY_MS) {
    throw new ConfigurationInvalid(`secrets cacheExpiry must be between 0 and ${MAX_CACHE_EXPIRY_MS} milliseconds`);
  }
  const names = Object.keys(fetch);
  // The ids are part of the key: two steps reading different secrets never share an entry.
  const cacheKey = `${options.cacheKeyPrefix ?? 'wardflow-secrets'}:${names.map((n) => `${n}=${fetch[n]}`).join(',')}`;
  let client = options.client;
  // A client built here, and the values fetched with it, belong to the environment they came from.
  onForgetEnvironment(() => {
    if (options.client === undefined) client = undefined;
    clearCache([cacheKey]);
  });

  const fetchOne = (name: string, secretId: string): Promise<FetchedSecret> => {
    client ??= new SecretsManagerClient({});
    const pending = client
      .send(new GetSecretValueCommand({ SecretId: secretId }))
      .then((response) => {
        if (typeof response.SecretString !== 'string') {
          throw new SecretUnavailable(secretId, 'it has no string value');
        }
        options.redactor?.register(response.SecretString);
        return { value: response.SecretString, versionId: response.VersionId ?? null };
      })
      .catch((error: unknown) => {
        // Forget the failed entry so the next invocation fetches again instead of replaying it.
        const cached = getCache(cacheKey).value as Fetched | undefined;
        if (cached && cached[name] === pending) modifyCache(cacheKey, { ...cached, [name]: undefined });
        throw error instanceof SecretUnavailable ? error : new SecretUnavailable(secretId, reasonOf(error));
      });
    // middy's cache refreshes in the background on a timer; nobody awaits that promise.
    pending.catch(() => undefined);
    return pending;
  };

  const fetchAll = (_request: unknown, cached: Fetched = {}): Fetched => {
    // processCache arms a background refresh timer right after this returns (also when the
    // refresh itself runs); unref it so a CLI or the local runtime can still exit.
    queueMicrotask(() => (getCache(cacheKey) as { refresh?: NodeJS.Timeout }).refresh?.unref?.());
    const values: Fetched = {};
    for (const name of names) {
      if (cached[name]) continue;
      values[name] = fetchOne(name, fetch[name] as string);
    }
    return values;
  };

  const before: middy.MiddlewareFn<unknown, unknown, Error> = async (request) => {
    const invocation = invocationOf(request);
    const { value } = processCache({ cacheKey, cacheExpiry }, fetchAll, request) as { value: Fetched };
    const loaded: Record<string, string> = {};
    const reads: SecretRead[] = [];
    for (const name of names) {
      // A missing entry means the cache was emptied by a failure this very tick: fetch now.
      const secret = await (value[name] ?? fetchOne(name, fetch[name] as string));
      loaded[name] = secret.value;
      reads.push({ name: fetch[name] as string, versionId: secret.versionId });
    }
    invocation.secretReads.push(...reads);
    const context = request.context as unknown as { secrets?: Record<string, string> };
    context.secrets = { ...(context.secrets ?? {}), ...loaded };
  };

  return { before, name: 'secrets' };
}

/** A reason that names the failure class, never the value or the raw service message. */
function reasonOf(error: unknown): string {
  return `Secrets Manager answered ${safeErrorName(error, 'unknown error')}`;
}
