import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { linkSignerFor } from '../shared/approvals/link-signer.js';
import { requireEnv } from '../shared/config.js';
import { createStepLogger } from '../shared/middleware/logger.js';
import { Redactor } from '../shared/middleware/redact.js';
import { getDependencies } from '../shared/runtime.js';
import { errorPages, pageLogging, securityHeaders, toResponse } from './middleware.js';
import { problemPage } from './pages.js';
import { methodOf, linkOf } from './request.js';
import { decideApproval, PAGE_STEP, showApproval, type PageDependencies, type Served } from './routes.js';

const redactor = new Redactor();
const logger = createStepLogger({ step: PAGE_STEP, redactor });

/**
 * Dependencies per request: store, sealer and clock from functions/shared/runtime.ts (tests
 * and the local runtime set them with setDependencies), the link signer from
 * functions/shared/approvals/link-signer.ts (useLinkSigner, else KMS with APPROVAL_LINK_KEY_ID).
 * Step Functions (DescribeExecution, SendTaskSuccess/Failure) is reached through the approvals'
 * one client (useSfnClient), the executions named from STATE_MACHINE_ARN.
 */
function pageDependencies(): PageDependencies {
  const { store, sealer, now, config } = getDependencies();
  logger.setLogLevel(config.logLevel);
  return { store, sealer, now, signer: linkSignerFor(requireEnv('APPROVAL_LINK_KEY_ID')), stateMachineArn: requireEnv('STATE_MACHINE_ARN') };
}

async function servePage(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const method = methodOf(event);
  let served: Served;
  if (method === 'GET') served = await showApproval(linkOf(event), pageDependencies());
  else if (method === 'POST') served = await decideApproval(linkOf(event), event, pageDependencies());
  else served = problemPage('method-not-allowed', { headers: { Allow: 'GET, POST' } });
  logger.info('approval page served', { statusCode: served.statusCode, outcome: served.outcome, ...(served.approvalId ? { approvalId: served.approvalId } : {}) });
  return toResponse(served);
}

/**
 * The approval page behind API Gateway (HTTP API, payload 2.0) and the local runtime:
 * `GET /approvals/{link}` shows what is being approved with two buttons (and changes
 * nothing, so mail scanners may fetch it); `POST /approvals/{link}` with a form body
 * `decision=approve|reject` (and an optional `comment`) records the decision of the
 * approver the signed link names and resumes the workflow, but only while Step Functions still
 * runs the execution (a link to an ended one is refused with 410 and the refusal recorded once).
 * Every other outcome (a second click, an expired, forged, unknown or malformed link, Step
 * Functions out of reach) is a clear page with its status,
 * and no answer ever carries a task token, an address, the link's secret parts or an
 * internal error. See routes.ts for the flow, pages.ts for the HTML.
 *
 * Environment: the steps' (EVENTS_TABLE, DATA_KEY_ID, ...), APPROVAL_LINK_KEY_ID and
 * STATE_MACHINE_ARN (the state machine whose executions the approvals belong to).
 *
 * @example
 * const response = await handler({ version: '2.0', routeKey: 'GET /approvals/{link}', rawPath: `/approvals/${link}`,
 *   pathParameters: { link }, headers: {}, isBase64Encoded: false, requestContext: { http: { method: 'GET' }, requestId: 'r-1' } } as never, context);
 * response.statusCode; // 200
 */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>(servePage)
  .use(pageLogging({ logger, redactor }))
  .use(securityHeaders())
  .use(errorPages());
