/**
 * CloudFormation metadata key on every function's AWS::Lambda::Function resource: the folder name of
 * its handler relative to functions/ (`record-start`, `workflows/invoice-approval/pay-invoice`, `approval-page`;
 * `../<elsewhere>` for a workflow that keeps its steps in its own directory). The local runtime reads the
 * synthesized template, where a Task state names its function as `Fn::GetAtt <logicalId>.Arn`, and
 * finds the handler to run in process by this key. Kept free of CDK imports so the runtime can use it.
 *
 * @example
 * const folder = template.Resources[logicalId].Metadata[HANDLER_METADATA_KEY]; // 'request-approval'
 */
export const HANDLER_METADATA_KEY = 'wardflow:handler';

/**
 * CloudFormation metadata key naming the function among its environment's functions
 * (`invoice-approval-record-start`, `approval-page`): unique where handler folders are not (every
 * workflow has a record-start). The local runtime names the local function, and its ARN, by it.
 */
export const FUNCTION_METADATA_KEY = 'wardflow:function';
