import * as z from 'zod';

/**
 * An approval id as steps accept it: it names a stream (`approval#<id>`) and reaches
 * Step Functions and the approval page, so only a short, plain identifier passes.
 *
 * @example
 * ApprovalIdSchema.parse('exec-42-1'); // 'exec-42-1'
 */
export const ApprovalIdSchema = z.string().min(1).max(100).regex(/^[A-Za-z0-9_:-]+$/);
