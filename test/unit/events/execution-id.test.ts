import { describe, expect, it } from 'vitest';
import { ApprovalIdSchema, approvalIdFor, executionIdOfApproval } from '../../../functions/shared/approvals/approval-id.js';
import { executionArnOf } from '../../../functions/shared/approvals/execution-status.js';
import { STREAM_PATTERN } from '../../../functions/shared/events/event-validation.js';
import { approvalStream, executionStream } from '../../../functions/shared/events/event.js';
import {
  MAX_EXECUTION_ID_LENGTH,
  executionIdFormat,
  qualifiedExecutionId,
  splitExecutionId,
  workflowStreamPattern,
} from '../../../functions/shared/events/execution-id.js';
import { ExecutionIdSchema } from '../../../functions/shared/middleware/envelope.js';
import { EXECUTION_NAME, MAX_EXECUTION_NAME_LENGTH } from '../../../lib/execution-name.js';

/** The longest names the platform accepts: a 40-character workflow (validateWorkflow) and an 80-character execution name. */
const LONGEST_WORKFLOW = `w${'-w'.repeat(19)}w`;
const LONGEST_NAME = 'n'.repeat(MAX_EXECUTION_NAME_LENGTH);

describe('execution ids qualified by workflow', () => {
  it('joins and splits `<workflow>:<name>`, and reads an id of no workflow (written before ids were qualified) as a bare name', () => {
    const id = qualifiedExecutionId('invoice-approval', 'inv-7');
    expect(id).toBe('invoice-approval:inv-7');
    expect(splitExecutionId(id)).toEqual({ workflow: 'invoice-approval', name: 'inv-7' });
    expect(splitExecutionId('inv-7')).toEqual({ workflow: undefined, name: 'inv-7' });
  });

  it('refuses parts that would make the split ambiguous', () => {
    expect(() => qualifiedExecutionId('a:b', 'x')).toThrow(/workflow name has no ":"/);
    expect(() => qualifiedExecutionId('invoice-approval', 'x:y')).toThrow(/execution name has no ":"/);
    expect(() => qualifiedExecutionId('', 'x')).toThrow(RangeError);
    expect(() => executionIdFormat("it's")).toThrow(/not kebab-case/);
    // Execution names never hold ':' (the rule the CLI and the local runtime share).
    expect(EXECUTION_NAME.test('a:b')).toBe(false);
  });

  it('fits the longest workflow and execution name in every limit on the way: the envelope, approval ids, stream ids', () => {
    expect(LONGEST_WORKFLOW).toHaveLength(40);
    const id = qualifiedExecutionId(LONGEST_WORKFLOW, LONGEST_NAME);
    expect(id).toHaveLength(MAX_EXECUTION_ID_LENGTH);
    expect(ExecutionIdSchema.safeParse(id).success).toBe(true);
    expect(ExecutionIdSchema.safeParse(`${id}x`).success).toBe(false);
    const approval = approvalIdFor(id, 99);
    expect(ApprovalIdSchema.safeParse(approval).success).toBe(true);
    expect(STREAM_PATTERN.test(executionStream(id))).toBe(true);
    expect(STREAM_PATTERN.test(approvalStream(approval))).toBe(true);
  });

  it('gives the state machine a States.Format template and IAM a pattern that match the ids steps build', () => {
    expect(executionIdFormat('expense-claim')).toBe('expense-claim:{}');
    expect(executionIdFormat('expense-claim', '-2')).toBe('expense-claim:{}-2');
    const pattern = workflowStreamPattern('execution', 'expense-claim');
    expect(pattern).toBe('execution#expense-claim:*');
    const glob = new RegExp(`^${pattern.replace('*', '.*')}$`);
    expect(glob.test(executionStream(qualifiedExecutionId('expense-claim', 'run-1')))).toBe(true);
    // A workflow whose name extends another's is not matched: the ':' ends the workflow.
    expect(glob.test(executionStream(qualifiedExecutionId('expense-claim-v2', 'run-1')))).toBe(false);
    expect(glob.test(executionStream('run-1'))).toBe(false);
  });

  it("maps an approval id back to its execution, and an execution id to its ARN by the name alone", () => {
    expect(executionIdOfApproval(approvalIdFor('invoice-approval:inv-7-2024', 1))).toBe('invoice-approval:inv-7-2024');
    expect(executionIdOfApproval('inv-7-12')).toBe('inv-7');
    expect(() => executionIdOfApproval('inv-x')).toThrow(/ends in -<gate number>/);
    const machine = 'arn:aws:states:eu-west-1:111122223333:stateMachine:wardflow-dev-invoice-approval';
    expect(executionArnOf(machine, 'invoice-approval:inv-7')).toBe('arn:aws:states:eu-west-1:111122223333:execution:wardflow-dev-invoice-approval:inv-7');
    expect(executionArnOf(machine, 'inv-7')).toBe('arn:aws:states:eu-west-1:111122223333:execution:wardflow-dev-invoice-approval:inv-7');
  });
});
