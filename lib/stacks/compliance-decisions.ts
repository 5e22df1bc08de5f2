import { Validations } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';

/**
 * The NIST 800-53 R5 findings wardflow declines for the whole stack, each for a reason that holds for
 * every resource it covers. Findings that depend on one resource (a bucket's replication, a queue's
 * redrive, a function's dead-letter queue) are acknowledged next to that resource instead, so a new
 * resource of the same kind is still checked.
 *
 * @example
 * acknowledgeStackWideDecisions(this); // in the stack's constructor
 */
export function acknowledgeStackWideDecisions(stack: Stack): void {
  const validations = Validations.of(stack);
  validations.acknowledge({
    id: 'NIST.800.53.R5-LambdaInsideVPC',
    reason:
      'wardflow functions reach only AWS APIs (DynamoDB, KMS, Secrets Manager, Step Functions, SES, Bedrock) over TLS with IAM; a VPC would add NAT or endpoints and no private resource to protect.',
  });
  validations.acknowledge({
    id: 'NIST.800.53.R5-LambdaConcurrency',
    reason:
      'Reserved concurrency per function would fail deploys in accounts with the default 10 unreserved executions and cap approvals under load; Step Functions retries absorb throttles and the throttles alarm reports them.',
  });
  validations.acknowledge({
    id: 'NIST.800.53.R5-IAMNoInlinePolicy',
    reason:
      'Each role gets its own policy from CDK grants, naming its actions and resources; nothing is shared between roles, and the policy-simulation suite checks every role, so a managed policy would add reuse and no control.',
  });
}
