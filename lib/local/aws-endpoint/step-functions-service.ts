/**
 * The Step Functions API calls the local AWS endpoint answers (AWS JSON 1.0, target prefix
 * `AWSStepFunctions.`), as the local runtime's engine implements them. Shapes follow the AWS
 * API (field names in camelCase as the SDK sends them); dates are Date objects here and epoch
 * seconds on the wire. Methods throw AwsProtocolError for AWS's named errors.
 */
export interface LocalStepFunctions {
  startExecution(request: { stateMachineArn: string; name?: string; input?: string }): Promise<{ executionArn: string; startDate: Date }>;
  /** Always the whole description: `includedData: METADATA_ONLY` is applied on the wire (step-functions-operations.ts). */
  describeExecution(request: { executionArn: string }): Promise<LocalExecutionDescription>;
  listExecutions(request: {
    stateMachineArn: string;
    statusFilter?: LocalExecutionStatus;
    maxResults?: number;
    nextToken?: string;
  }): Promise<{ executions: LocalExecutionListItem[]; nextToken?: string }>;
  listStateMachines(): Promise<{ stateMachines: { stateMachineArn: string; name: string; type: 'STANDARD'; creationDate: Date }[] }>;
  stopExecution(request: { executionArn: string; error?: string; cause?: string }): Promise<{ stopDate: Date }>;
  sendTaskSuccess(request: { taskToken: string; output: string }): Promise<void>;
  sendTaskFailure(request: { taskToken: string; error?: string; cause?: string }): Promise<void>;
  sendTaskHeartbeat(request: { taskToken: string }): Promise<void>;
}

export type LocalExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface LocalExecutionListItem {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: LocalExecutionStatus;
  startDate: Date;
  stopDate?: Date;
}

export interface LocalExecutionDescription extends LocalExecutionListItem {
  input: string;
  output?: string;
  error?: string;
  cause?: string;
}
