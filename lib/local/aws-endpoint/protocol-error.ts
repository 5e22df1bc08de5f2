/**
 * An AWS service error as the JSON protocols carry it: HTTP status and a body
 * `{"__type": type, "message": message}`, which the AWS SDK v3 turns into an exception whose
 * `name` is `type` (TaskDoesNotExist, ExecutionDoesNotExist, InvalidCiphertextException, ...).
 * Messages must never carry a task token, key material or a secret value.
 */
export class AwsProtocolError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}
