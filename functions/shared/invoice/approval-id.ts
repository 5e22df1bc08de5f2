// Defined with the approval gate, which any workflow uses; kept importable from here for the invoice steps.
export { ApprovalIdSchema, approvalIdFor } from '../approvals/approval-id.js';
