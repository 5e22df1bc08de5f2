import * as z from 'zod';
import { requireEnv } from '../shared/config.js';
import { approverGroups } from '../shared/approvals/policy-gate/approver-groups.js';
import { ConfigurationInvalid } from '../shared/errors.js';

/** request-approval's own environment, read and validated here; the handler gets plain values. */

export const MAX_APPROVERS = 20;

/** A workflow's name as the platform gives it (WORKFLOW_NAME): letters, digits, `-` and `_`, at most 80 characters. */
const WORKFLOW_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/;

const ApprovalEnvironment = z.object({
  /** A JSON array of 1 to 20 distinct addresses (compared without case), in the order their links number them. */
  APPROVERS: z
    .array(z.email().max(254))
    .min(1)
    .max(MAX_APPROVERS)
    .refine((approvers) => new Set(approvers.map((a) => a.toLowerCase())).size === approvers.length),
  /** Must match the gate's TimeoutSeconds in the state machine. */
  APPROVAL_TIMEOUT_SECONDS: z.coerce.number().int().min(60).max(31_536_000),
  /** The workflow whose gate this is, recorded with each request. */
  WORKFLOW_NAME: z.string().regex(WORKFLOW_NAME),
});

/** What each variable must be, for the message that refuses it. */
const APPROVAL_VARIABLES: Readonly<Record<string, string>> = {
  APPROVERS: `a JSON array of 1 to ${MAX_APPROVERS} distinct email addresses`,
  APPROVAL_TIMEOUT_SECONDS: 'whole seconds between 60 and 31536000',
  WORKFLOW_NAME: 'letters, digits, - and _, at most 80 characters',
};

/** Who approves, how long the gate waits, and whose gate it is. */
export interface ApprovalSettings {
  /** The approvers' addresses, in order: a link names its approver by position in this list. */
  approvers: string[];
  timeoutSeconds: number;
  /** The workflow's name (WORKFLOW_NAME). */
  workflow: string;
}

/**
 * Who approves, how long the gate waits, and the workflow, from APPROVERS (a JSON array of
 * email addresses), APPROVAL_TIMEOUT_SECONDS and WORKFLOW_NAME, which the platform sets on each
 * workflow's request-approval function. A missing or malformed one is ConfigurationInvalid
 * naming the variable, never quoting its value: the addresses are personal data.
 *
 * @example
 * approvalSettings(); // { approvers: ['approver@example.com', 'deputy@example.com'], timeoutSeconds: 86400, workflow: 'expense-claim' }
 */
export function approvalSettings(env: NodeJS.ProcessEnv = process.env): ApprovalSettings {
  const parsed = ApprovalEnvironment.safeParse({
    APPROVERS: jsonOrUndefined(requireEnv('APPROVERS', env)),
    APPROVAL_TIMEOUT_SECONDS: requireEnv('APPROVAL_TIMEOUT_SECONDS', env),
    WORKFLOW_NAME: requireEnv('WORKFLOW_NAME', env),
  });
  if (!parsed.success) {
    const names = variablesOf(parsed.error);
    throw new ConfigurationInvalid(`${names.join(', ')} malformed (${names.map((name) => `${name}: ${APPROVAL_VARIABLES[name] ?? 'see the docs'}`).join('; ')})`);
  }
  const data = parsed.data;
  return { approvers: data.APPROVERS, timeoutSeconds: data.APPROVAL_TIMEOUT_SECONDS, workflow: data.WORKFLOW_NAME };
}

/** The JSON value of `text`, or undefined when it is no JSON (the parser's message would quote it). */
function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** How long a policy gate waits and whose it is; who is asked comes from its policy and APPROVER_GROUPS. */
export interface PolicyGateSettings {
  timeoutSeconds: number;
  workflow: string;
  /** Each group's members (APPROVER_GROUPS). */
  groups: Record<string, string[]>;
}

const PolicyGateEnvironment = ApprovalEnvironment.omit({ APPROVERS: true });

/**
 * A policy gate's settings: APPROVAL_TIMEOUT_SECONDS and WORKFLOW_NAME as for any gate, and
 * APPROVER_GROUPS (policy-gate/approver-groups.ts) instead of APPROVERS. Refused as approvalSettings refuses.
 *
 * @example
 * policyGateSettings(); // { timeoutSeconds: 349200, workflow: 'invoice-approval', groups: { finance: [...], managers: [...] } }
 */
export function policyGateSettings(env: NodeJS.ProcessEnv = process.env): PolicyGateSettings {
  const parsed = PolicyGateEnvironment.safeParse({
    APPROVAL_TIMEOUT_SECONDS: requireEnv('APPROVAL_TIMEOUT_SECONDS', env),
    WORKFLOW_NAME: requireEnv('WORKFLOW_NAME', env),
  });
  if (!parsed.success) {
    const names = variablesOf(parsed.error);
    throw new ConfigurationInvalid(`${names.join(', ')} malformed (${names.map((name) => `${name}: ${APPROVAL_VARIABLES[name] ?? 'see the docs'}`).join('; ')})`);
  }
  return { timeoutSeconds: parsed.data.APPROVAL_TIMEOUT_SECONDS, workflow: parsed.data.WORKFLOW_NAME, groups: approverGroups(env) };
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

/** The variables the issues are about, by name only (an issue inside APPROVERS names APPROVERS, not a position in it). */
function variablesOf(error: z.ZodError): string[] {
  return [...new Set(error.issues.map((issue) => String(issue.path[0] ?? '(environment)')))];
}

function namesOf(error: z.ZodError): string {
  return variablesOf(error).join(', ');
}
