/**
 * The registry of a workflow's own event types, kept free of zod (unlike domain-events.ts, which
 * builds the events) so that readers such as the audit archiver can recognise a domain type
 * without loading a schema library.
 */

/** A domain event type's name: PascalCase, 3 to 64 letters and digits. */
export const DOMAIN_EVENT_TYPE = /^[A-Z][A-Za-z0-9]{2,63}$/;

/** Event types registered by the workflow code this process loaded; the platform's own are in event.ts. */
const registered = new Set<string>();

/** Registers a workflow's event type, so appends of it pass validation (done by `defineEvents`). */
export function registerDomainType(type: string): void {
  if (!DOMAIN_EVENT_TYPE.test(type)) throw new TypeError(`event type "${type}" must be PascalCase, 3 to 64 letters and digits`);
  registered.add(type);
}

/** Whether `type` is a domain event type registered in this process. */
export function isRegisteredDomainType(type: string): boolean {
  return registered.has(type);
}
