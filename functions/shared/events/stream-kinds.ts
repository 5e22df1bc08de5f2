/**
 * Kinds of event stream: the part of a stream's name before `#`. The platform keeps
 * `execution#<execution id>` and `approval#<approval id>`; a workflow may keep streams of its own
 * kinds (`vendor#<vendor id>`), which it declares, so that IAM grants them by name
 * (`dynamodb:LeadingKeys` patterns such as `vendor#*`) and an append to an undeclared kind is refused.
 */
export const PLATFORM_STREAM_KINDS = ['execution', 'approval'] as const;

/** A stream kind: lower-case letters and digits, 2 to 31, starting with a letter. */
export const STREAM_KIND = /^[a-z][a-z0-9]{1,30}$/;

/** Kinds this process may append to: the platform's, and those registered by the workflow code it loaded. */
const appendable = new Set<string>(PLATFORM_STREAM_KINDS);

/**
 * Registers a workflow's own stream kinds (done by `defineEvents`), so appends to them pass validation.
 *
 * @example
 * registerStreamKinds(['vendor']);
 */
export function registerStreamKinds(kinds: readonly string[]): void {
  for (const kind of kinds) {
    if (!STREAM_KIND.test(kind)) throw new TypeError(`stream kind "${kind}" must be lower-case letters and digits, starting with a letter`);
    appendable.add(kind);
  }
}

/** Whether this process may append to streams of `kind`. */
export function isAppendableKind(kind: string): boolean {
  return appendable.has(kind);
}

/** The kinds this process may append to, for messages. */
export function appendableKinds(): string[] {
  return [...appendable];
}

/**
 * The name of a stream: `<kind>#<id>`.
 *
 * @example
 * streamOf('vendor', 'acme-1a2b'); // 'vendor#acme-1a2b'
 */
export function streamOf(kind: string, id: string): string {
  return `${kind}#${id}`;
}
