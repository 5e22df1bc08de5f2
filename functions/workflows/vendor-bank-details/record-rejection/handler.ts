import * as z from 'zod';
import { approvalIdFor, defineStep, readVerified, streamOf } from '#wardflow/step';
import { recordedBy } from '../domain/change-on-record.js';
import { vendorEvents } from '../domain/vendor-events.js';
import { VENDOR_ID_PATTERN, VENDOR_STREAM_KIND } from '../domain/vendor-id.js';

const STEP = 'record-rejection';

/**
 * After a human rejected the change: records why on the vendor's stream
 * (VendorBankDetailsChangeRejected), so the vendor register shows every requested change and its
 * fate, not only the approved ones. The execution then ends failed (ApprovalRejected) through the
 * platform's failure path. Written once, like the change.
 */
export const handler = defineStep(
  {
    name: STEP,
    input: z.object({ vendorId: z.string().regex(VENDOR_ID_PATTERN), ibanMasked: z.string().max(64) }),
    output: z.object({ vendorId: z.string() }),
  },
  async (input, ctx) => {
    const stream = streamOf(VENDOR_STREAM_KIND, input.vendorId);
    const events = await readVerified(ctx.deps.store, stream);
    if (recordedBy(events, 'VendorBankDetailsChangeRejected', ctx.executionId) !== undefined) return { vendorId: input.vendorId };
    const rejected = vendorEvents.VendorBankDetailsChangeRejected({
      actor: `step:${STEP}`,
      data: {
        vendorId: input.vendorId,
        ibanMasked: input.ibanMasked,
        executionId: ctx.executionId,
        approvalId: approvalIdFor(ctx.executionId),
        reason: 'rejected by a vendor-master approver; the bank details on record stay as they were',
      },
    });
    await ctx.deps.store.append(stream, events.at(-1)?.version ?? 0, [rejected]);
    return { vendorId: input.vendorId };
  },
);
