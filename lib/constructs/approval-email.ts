import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { z } from 'zod';
import { ConfigurationInvalid } from '../../functions/shared/errors.js';

/**
 * The SES identities that may carry mail from `sender`: the address itself and its domain. SES
 * authorizes SendEmail against whichever of the two the operator verified, so both ARNs are named
 * (no wildcard); the ses:FromAddress condition of {@link sendApprovalEmailStatement} pins the address.
 *
 * @example
 * sesIdentityArnsOf(stack, 'approvals@example.com');
 * // [arn:aws:ses:<region>:<account>:identity/approvals@example.com, arn:aws:ses:<region>:<account>:identity/example.com]
 */
export function sesIdentityArnsOf(scope: IConstruct, sender: string): string[] {
  if (!z.email().safeParse(sender).success) {
    throw new ConfigurationInvalid('the approval email sender must be an email address (approvalEmailFrom in cdk.json)');
  }
  const domain = sender.slice(sender.lastIndexOf('@') + 1);
  const stack = Stack.of(scope);
  return [sender, domain].map((identity) =>
    stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
  );
}

/**
 * Lets a role send approval emails (SESv2 SendEmail, IAM action ses:SendEmail) from `sender` only:
 * on the sender's SES identities, with `ses:FromAddress` equal to the sender.
 *
 * The stack neither creates nor verifies the identity: verification needs DNS records or a click
 * in a mailbox, which a deployment cannot do. Before the first approval email, the operator must
 * verify the sender address (or its domain) in SES in this account and region, and move the account
 * out of the SES sandbox (in the sandbox SES also refuses every recipient that is not verified).
 *
 * @example
 * requestApproval.role.addToPrincipalPolicy(sendApprovalEmailStatement(stack, 'approvals@example.com'));
 */
export function sendApprovalEmailStatement(scope: IConstruct, sender: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'SendApprovalEmail',
    actions: ['ses:SendEmail'],
    resources: sesIdentityArnsOf(scope, sender),
    conditions: { StringEquals: { 'ses:FromAddress': sender } },
  });
}
