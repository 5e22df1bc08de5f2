import * as z from 'zod';
import { requireEnv } from '../shared/config.js';
import { ConfigurationInvalid } from '../shared/errors.js';

/** request-approval's own environment, read and validated here; the handler gets plain values. */

const ApprovalEnvironment = z.object({
  APPROVER_EMAIL: z.email().max(254),
  /** Must match the gate's TimeoutSeconds in the state machine. */
  APPROVAL_TIMEOUT_SECONDS: z.coerce.number().int().min(60).max(31_536_000),
});

/**
 * Who approves and how long the gate waits.
 *
 * @example
 * const { approver, timeoutSeconds } = approvalSettings(); // { approver: 'approver@example.com', timeoutSeconds: 86400 }
 */
export function approvalSettings(env: NodeJS.ProcessEnv = process.env): { approver: string; timeoutSeconds: number } {
  const parsed = ApprovalEnvironment.safeParse({
    APPROVER_EMAIL: requireEnv('APPROVER_EMAIL', env),
    APPROVAL_TIMEOUT_SECONDS: requireEnv('APPROVAL_TIMEOUT_SECONDS', env),
  });
  if (!parsed.success) {
    throw new ConfigurationInvalid(`${namesOf(parsed.error)} malformed (an email address; whole seconds between 60 and 31536000)`);
  }
  return { approver: parsed.data.APPROVER_EMAIL, timeoutSeconds: parsed.data.APPROVAL_TIMEOUT_SECONDS };
}

/** Hosts a link may reach over plain http: this machine only (the local runtime). */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** A base URL a link may start with: https (http only to this machine), no credentials, query or fragment. */
function isSiteUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  const scheme = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
  return scheme && url.username === '' && url.password === '' && url.search === '' && url.hash === '' && !value.includes('?') && !value.includes('#');
}

const NotificationEnvironment = z.object({
  APPROVAL_SITE_URL: z.string().max(2000).refine(isSiteUrl),
  APPROVAL_LINK_KEY_ID: z.string().min(1).max(2048),
  APPROVAL_EMAIL_FROM: z.email().max(254),
});

/** How approvers are told: the approval site's base URL, the KMS HMAC key of the links, the sender. */
export interface NotificationSettings {
  /** Without a trailing slash. */
  siteUrl: string;
  linkKeyId: string;
  from: string;
}

/**
 * The approval emails' settings, checked before anything is recorded, so a misconfigured
 * gate fails at once (ConfigurationInvalid naming the variable) instead of after the request.
 *
 * @example
 * notificationSettings(); // { siteUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com', linkKeyId: 'alias/wardflow-dev-approval-links', from: 'wardflow@example.com' }
 */
export function notificationSettings(env: NodeJS.ProcessEnv = process.env): NotificationSettings {
  const parsed = NotificationEnvironment.safeParse({
    APPROVAL_SITE_URL: requireEnv('APPROVAL_SITE_URL', env),
    APPROVAL_LINK_KEY_ID: requireEnv('APPROVAL_LINK_KEY_ID', env),
    APPROVAL_EMAIL_FROM: requireEnv('APPROVAL_EMAIL_FROM', env),
  });
  if (!parsed.success) {
    throw new ConfigurationInvalid(
      `${namesOf(parsed.error)} malformed (APPROVAL_SITE_URL: an https base URL, or http to localhost, without credentials, query or fragment; APPROVAL_LINK_KEY_ID: a KMS key id, ARN or alias; APPROVAL_EMAIL_FROM: an email address)`,
    );
  }
  const data = parsed.data;
  return { siteUrl: data.APPROVAL_SITE_URL.replace(/\/+$/, ''), linkKeyId: data.APPROVAL_LINK_KEY_ID, from: data.APPROVAL_EMAIL_FROM };
}

function namesOf(error: z.ZodError): string {
  return [...new Set(error.issues.map((issue) => issue.path.join('.')))].join(', ');
}
