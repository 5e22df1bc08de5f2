import * as z from 'zod';
import { approvalIdFor, defineStep, readVerified, streamOf } from '#wardflow/step';
import { BankDetailsRequest } from '../domain/bank-details-request.js';
import { recordedBy } from '../domain/change-on-record.js';
import { maskIban } from '../domain/iban.js';
import { vendorEvents } from '../domain/vendor-events.js';
import { VENDOR_ID_PATTERN, VENDOR_STREAM_KIND } from '../domain/vendor-id.js';

const STEP = 'record-bank-details-change';

/**
 * After a human approved: records VendorBankDetailsChanged on the vendor's stream, the new IBAN
 * sealed, at the stream's current version (a concurrent writer makes it a ConcurrencyConflict,
 * which the state machine retries). A retry after the append landed finds its own event and
 * records nothing more.
 */
export const handler = defineStep(
  {
    name: STEP,
    input: z.object({ request: BankDetailsRequest, vendorId: z.string().regex(VENDOR_ID_PATTERN) }),
    output: z.object({ vendorId: z.string(), version: z.number().int() }),
  },
  async (input, ctx) => {
    const stream = streamOf(VENDOR_STREAM_KIND, input.vendorId);
    const events = await readVerified(ctx.deps.store, stream);
    const earlier = recordedBy(events, 'VendorBankDetailsChanged', ctx.executionId);
    if (earlier !== undefined) return { vendorId: input.vendorId, version: earlier.version };
    const changed = vendorEvents.VendorBankDetailsChanged({
      actor: `step:${STEP}`,
      data: {
        vendorId: input.vendorId,
        ibanMasked: maskIban(input.request.iban),
        effectiveDate: input.request.effectiveDate,
        executionId: ctx.executionId,
        approvalId: approvalIdFor(ctx.executionId),
      },
      sensitive: { iban: input.request.iban, vendor: input.request.vendor },
    });
    const [stored] = await ctx.deps.store.append(stream, events.at(-1)?.version ?? 0, [changed]);
    return { vendorId: input.vendorId, version: stored!.version };
  },
);
