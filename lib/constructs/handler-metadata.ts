/**
 * CloudFormation metadata key on every function's AWS::Lambda::Function resource: the folder name of
 * its handler under functions/ (`record-start`, ..., `approval-page`). The local runtime reads the
 * synthesized template, where a Task state names its function as `Fn::GetAtt <logicalId>.Arn`, and
 * finds the handler to run in process by this key. Kept free of CDK imports so the runtime can use it.
 *
 * @example
 * const folder = template.Resources[logicalId].Metadata[HANDLER_METADATA_KEY]; // 'request-approval'
 */
export const HANDLER_METADATA_KEY = 'wardflow:handler';
