import * as z from 'zod';
import { defineEvents } from '#wardflow/step';
import { VENDOR_STREAM_KIND } from './vendor-id.js';

/**
 * The vendor-bank-details workflow's own events, on the vendor's stream (`vendor#<vendor id>`):
 * the register of a vendor's bank details. The IBAN itself is sealed (bank details are
 * confidential business data); the clear part says which vendor, when, masked IBAN, and which
 * execution and approval made the change, so an auditor can follow it without opening anything.
 */
export const vendorEvents = defineEvents({
  streams: [VENDOR_STREAM_KIND],
  events: {
    /** An approved change: the new IBAN (sealed) applies from effectiveDate. */
    VendorBankDetailsChanged: z.object({
      vendorId: z.string(),
      ibanMasked: z.string(),
      effectiveDate: z.string(),
      executionId: z.string(),
      approvalId: z.string(),
    }),
    /** A requested change a human refused: why, and by which approval (the approver's comment, if any, is sealed on the approval stream). */
    VendorBankDetailsChangeRejected: z.object({
      vendorId: z.string(),
      ibanMasked: z.string(),
      executionId: z.string(),
      approvalId: z.string(),
      reason: z.string(),
    }),
  },
});
