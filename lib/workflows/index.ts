/**
 * `#wardflow/workflow`: what a team imports to declare a workflow (see docs/writing-a-workflow.md).
 * The platform deploys every workflow in the app's registry (statemachines/index.ts) the same way:
 * lib/workflows/workflow-deployment.ts.
 *
 * @example
 * import { defineWorkflow } from '#wardflow/workflow';
 * import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
 * import * as z from 'zod';
 *
 * export const expenseClaim = defineWorkflow({
 *   name: 'expense-claim',
 *   description: 'An employee claims an expense; a manager approves it; it is recorded.',
 *   input: z.object({ claimText: z.string().min(1).max(10_000) }),
 *   settings: z.object({ approvers: z.array(z.email()).min(1) }),
 *   steps: { 'read-claim': { handler: 'workflows/expense-claim/read-claim' } },
 *   gates: { manager: { approvers: ({ settings }) => settings.approvers, subject: { title: 'Expense claim', fields: [] } } },
 *   definition: (flow) =>
 *     flow.step('ReadClaim', 'read-claim', { input: { claimText: sfn.JsonPath.stringAt('$.claimText') }, resultPath: '$.claim' })
 *       .next(flow.gate('ManagerApproval', 'manager'))
 *       .next(flow.done),
 * });
 */
export {
  DATA_CLASSIFICATIONS,
  defineWorkflow,
  workflowSettings,
  type DataClassification,
  type AnyWorkflow,
  type ApprovalSubjectDeclaration,
  type GateDeclaration,
  type GateStateOptions,
  type SecretDeclaration,
  type SettingsContext,
  type StepAccess,
  type StepDeclaration,
  type StepStateOptions,
  type SubjectField,
  type WorkflowDefinition,
  type WorkflowFlow,
} from './workflow-definition.js';
export { SourceLabel } from '../../functions/shared/source-label.js';
