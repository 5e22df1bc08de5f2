import * as z from 'zod';

/**
 * Who started an execution, as the platform carries it from `wardflow start` to RecordStart:
 * a top-level field of the execution input the platform owns, `wardflow: { startedBy }`, beside
 * the workflow's own fields. RecordStart takes it out before the workflow's input is checked
 * and sealed, so a workflow's input schema never sees it; a workflow may not declare a field of
 * that name (its input would lose it).
 *
 * Why the input rather than the execution name or a tag: the name is the execution's id (the
 * user may choose it), StartExecution takes no tags, and the input is what RecordStart already
 * reads, so no new IAM grant (no DescribeExecution, no ListTags) is needed.
 *
 * What it is worth: `startedBy` is what the starter's credentials said (STS GetCallerIdentity on
 * AWS, the OS user locally), put in the input by the starter: a claim, not a signature. Anyone
 * allowed to call StartExecution can write any principal there. On AWS the authoritative record of
 * the caller is CloudTrail's StartExecution event (userIdentity), which this complements: it puts
 * the principal next to the execution's own events. A start without the field (StartExecution
 * called directly, the console) records `startedBy: 'unknown'` and `startedThrough: 'other'`.
 *
 * What is clear and what is sealed: an IAM user's or a role session's name is often a person's
 * name or address (`assumed-role/Admin/jane.doe@example.com`), so the full principal is sealed with
 * the input (`sensitive.startedBy`), readable by whoever holds the key. In clear: only the account
 * and the principal's type (`aws:123456789012:assumed-role`), `local`, or `unknown`, enough to
 * answer "was this a person through SSO, a pipeline's role, root?" without naming anyone.
 */

/** The input field the platform owns. */
export const PLATFORM_INPUT_FIELD = 'wardflow';

/** The clear `startedBy` of a start that did not say who: StartExecution called directly. */
export const UNKNOWN_STARTER = 'unknown';

/** Long enough for any IAM ARN (role paths, session names); bounded so a claim cannot bloat the event. */
const MAX_PRINCIPAL_LENGTH = 1024;

/**
 * What GetCallerIdentity names: `arn:<partition>:iam::<account>:user/...`, `...:root`,
 * `arn:<partition>:sts::<account>:assumed-role/<role>/<session>`, `...:federated-user/<name>`.
 */
const AWS_PRINCIPAL = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):(iam|sts)::(\d{12}):(root|user|assumed-role|federated-user)(\/[\x21-\x7e]+)?$/;
/** `local:<user>`: the OS user of the machine running the local runtime or the CLI against it. */
const LOCAL_PRINCIPAL = /^local:[^\s\u0000-\u001f\u007f]{1,256}$/;

/** The platform's field of an execution input, checked: one principal, an AWS one or a local one. */
export const PlatformInputSchema = z.strictObject({
  startedBy: z
    .string()
    .max(MAX_PRINCIPAL_LENGTH)
    .refine((value) => AWS_PRINCIPAL.test(value) || LOCAL_PRINCIPAL.test(value), { message: 'an IAM principal ARN or local:<user>' }),
});
export type PlatformInput = z.infer<typeof PlatformInputSchema>;

/** ExecutionStarted's part about the starter: `clear` in its data, `sealed` (absent when unknown) in its sensitive part. */
export interface Starter {
  clear: { startedBy: string; startedThrough: 'wardflow' | 'other' };
  sealed?: { startedBy: string };
}

/**
 * What ExecutionStarted records about who started it, from the platform's input field (already
 * checked with PlatformInputSchema) or its absence.
 *
 * @example
 * starterOf({ startedBy: 'arn:aws:sts::123456789012:assumed-role/Deployer/jane' });
 * // { clear: { startedBy: 'aws:123456789012:assumed-role', startedThrough: 'wardflow' }, sealed: { startedBy: 'arn:aws:sts::...:assumed-role/Deployer/jane' } }
 * starterOf(undefined); // { clear: { startedBy: 'unknown', startedThrough: 'other' } }
 */
export function starterOf(platform: PlatformInput | undefined): Starter {
  if (platform === undefined) return { clear: { startedBy: UNKNOWN_STARTER, startedThrough: 'other' } };
  return { clear: { startedBy: clearPrincipal(platform.startedBy), startedThrough: 'wardflow' }, sealed: { startedBy: platform.startedBy } };
}

/**
 * The part of a principal that may stand in clear: `aws:<account>:<type>` or `local`.
 *
 * @example
 * clearPrincipal('arn:aws:iam::123456789012:user/jane'); // 'aws:123456789012:user'
 * clearPrincipal('local:jane'); // 'local'
 */
export function clearPrincipal(principal: string): string {
  const aws = AWS_PRINCIPAL.exec(principal);
  if (aws) return `aws:${aws[3]}:${aws[4]}`;
  return LOCAL_PRINCIPAL.test(principal) ? 'local' : UNKNOWN_STARTER;
}

/**
 * An execution input (JSON text of an object) with the platform's field added: what `wardflow start`
 * and the local runtime's examples send to StartExecution. Throws RangeError when the input
 * already has the field (a workflow input may not use it) or is not an object.
 *
 * @example
 * withStarter('{"invoiceText":"..."}', 'local:jane'); // '{"invoiceText":"...","wardflow":{"startedBy":"local:jane"}}'
 */
export function withStarter(inputText: string, startedBy: string): string {
  const document = JSON.parse(inputText) as unknown;
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new RangeError('an execution input is a JSON object');
  if (Object.hasOwn(document, PLATFORM_INPUT_FIELD)) throw new RangeError(`the execution input has a field "${PLATFORM_INPUT_FIELD}", which the platform reserves`);
  return JSON.stringify({ ...document, [PLATFORM_INPUT_FIELD]: { startedBy } });
}

/**
 * Who runs this process locally: `local:<OS user>`, or `local:unknown` where the OS cannot say
 * (a container without a passwd entry).
 *
 * @example
 * localStarter(() => ({ username: 'jane' })); // 'local:jane'
 */
export function localStarter(userInfo: () => { username: string }): string {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    name = '';
  }
  const principal = `local:${name}`;
  return LOCAL_PRINCIPAL.test(principal) ? principal : 'local:unknown';
}
