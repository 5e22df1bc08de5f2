import * as z from 'zod';
import { defineStep, readVerified, streamOf } from '#wardflow/step';
import { BankDetailsRequest } from '../domain/bank-details-request.js';
import { currentIbanMasked } from '../domain/change-on-record.js';
import { formatIban, maskIban } from '../domain/iban.js';
import { assertLetterGrounded } from '../domain/letter-grounding.js';
import { LetterText } from '../domain/letter.js';
import { VENDOR_STREAM_KIND, vendorIdOf } from '../domain/vendor-id.js';

const STEP = 'check-bank-details';

const CheckedRequest = z.object({
  vendorId: z.string(),
  /** The new IBAN in groups of four, as the approver reads it. */
  ibanDisplay: z.string(),
  ibanMasked: z.string(),
  /** What the vendor register holds now, masked, or "none on record". */
  onRecord: z.string(),
});

/**
 * Checks what the model read against the letter: the IBAN is valid (ISO 13616, mod 97; the
 * schema checks it again) and the vendor, the IBAN and the date each occur in the letter
 * (GuardTriggered `grounding`, naming the fields, never their values). Then it looks up the
 * vendor's register, so the approver sees the change next to what is on record.
 */
export const handler = defineStep(
  { name: STEP, input: z.object({ letterText: LetterText, request: BankDetailsRequest }), output: CheckedRequest },
  async (input, ctx) => {
    assertLetterGrounded(input.request, input.letterText);
    const vendorId = vendorIdOf(input.request.vendor);
    const register = await readVerified(ctx.deps.store, streamOf(VENDOR_STREAM_KIND, vendorId));
    return {
      vendorId,
      ibanDisplay: formatIban(input.request.iban),
      ibanMasked: maskIban(input.request.iban),
      onRecord: currentIbanMasked(register) ?? 'none on record',
    };
  },
);
