import * as z from 'zod';
import { ValidationFailed } from '../errors.js';
import { describeIssues } from '../middleware/describe-issues.js';
import type { DomainEventType, Json, NewEvent } from './event.js';
import { registerDomainType } from './domain-types.js';
import { registerStreamKinds } from './stream-kinds.js';

/** Builds one domain event: validated data, optional sealed part. */
export type DomainEventFactory<Schema extends z.ZodType> = (event: {
  actor: string;
  data: z.input<Schema>;
  sensitive?: { [key: string]: Json };
}) => NewEvent;

/**
 * A workflow's own event types, each with the schema of its clear `data`, without editing the
 * platform's list: the returned factories build events the store accepts (the types are registered
 * in this process when the module loads), after checking `data` against its schema
 * (ValidationFailed naming the field, never its value). `streams` registers the workflow's own
 * stream kinds the same way. The audit, the CLI and verify read any event type; only appends are checked.
 *
 * @example
 * export const vendorEvents = defineEvents({
 *   streams: ['vendor'],
 *   events: { VendorBankDetailsChanged: z.object({ vendorId: z.string(), ibanLast4: z.string() }) },
 * });
 * ctx.record(vendorEvents.VendorBankDetailsChanged({ actor: 'step:record-change', data: { vendorId, ibanLast4 } }));
 */
export function defineEvents<Events extends Record<string, z.ZodType>>(declaration: {
  events: Events;
  streams?: readonly string[];
}): { [Type in keyof Events]: DomainEventFactory<Events[Type]> } {
  registerStreamKinds(declaration.streams ?? []);
  const factories: Record<string, DomainEventFactory<z.ZodType>> = {};
  for (const [type, schema] of Object.entries(declaration.events)) {
    registerDomainType(type);
    factories[type] = ({ actor, data, sensitive }) => {
      const parsed = schema.safeParse(data);
      if (!parsed.success) throw new ValidationFailed(`${type} event`, describeIssues(parsed.error.issues, ['data']));
      return { type: type as DomainEventType, actor, data: parsed.data as { [key: string]: Json }, ...(sensitive === undefined ? {} : { sensitive }) };
    };
  }
  return factories as { [Type in keyof Events]: DomainEventFactory<Events[Type]> };
}
