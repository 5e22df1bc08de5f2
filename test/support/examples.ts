/** The invoice workflow's example inputs, which most runtime tests start. */
export const INVOICE_EXAMPLES = new URL('../../statemachines/invoice-approval/examples/', import.meta.url).pathname;
/** The vendor bank-detail workflow's example letters. */
export const VENDOR_EXAMPLES = new URL('../../statemachines/vendor-bank-details/examples/', import.meta.url).pathname;
