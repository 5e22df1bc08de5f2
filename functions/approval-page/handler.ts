import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { linkSignerFor } from '../shared/approvals/link-signer.js';
import { requireEnv } from '../shared/config.js';
import { ConfigurationInvalid } from '../shared/errors.js';
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
 * one client (useSfnClient), the executions named from their workflow's state machine (WORKFLOW_STATE_MACHINES).
 */
function pageDependencies(): PageDependencies {
  const { store, sealer, now, config } = getDependencies();
  logger.setLogLevel(config.logLevel);
  return { store, sealer, now, signer: linkSignerFor(requireEnv('APPROVAL_LINK_KEY_ID')), stateMachineFor: workflowStateMachines() };
}

let stateMachines: { raw: string; of: (workflow: string | undefined) => string | undefined } | undefined;

/**
 * The state machine of each workflow the site serves: WORKFLOW_STATE_MACHINES, a JSON object of
 * workflow name → state machine ARN (the platform sets it: lib/constructs/approval-site.ts). An
 * approval from before approvals named their workflow belongs to the only workflow, or to
 * invoice-approval, the one workflow there was then. Parsed once per container.
 */
function workflowStateMachines(): (workflow: string | undefined) => string | undefined {
  const raw = requireEnv('WORKFLOW_STATE_MACHINES');
  if (stateMachines?.raw === raw) return stateMachines.of;
  let map: Record<string, unknown>;
  try {
    map = JSON.parse(raw) as Record<string, unknown>;
    if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new TypeError('not an object');
  } catch {
    throw new ConfigurationInvalid('WORKFLOW_STATE_MACHINES is not a JSON object of workflow names and state machine ARNs');
  }
  const arns = new Map(Object.entries(map).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  const only = arns.size === 1 ? [...arns.values()][0] : undefined;
  const of = (workflow: string | undefined) => (workflow === undefined ? (only ?? arns.get('invoice-approval')) : arns.get(workflow));
  stateMachines = { raw, of };
  return of;
}

async function servePage(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const method = methodOf(event);
  let served: Served;
  if (method === 'GET') served = await showApproval(linkOf(event), pageDependencies());
  else if (method === 'POST') served = await decideApproval(linkOf(event), event, pageDependencies());
  else served = problemPage('method-not-allowed', { headers: { Allow: 'GET, POST' } });
  // A refusal beyond the rate limit is still here, with its reason (fixed words only): the record is limited, the logs are not.
  logger.info('approval page served', {
    statusCode: served.statusCode,
    outcome: served.outcome,
    ...(served.approvalId ? { approvalId: served.approvalId } : {}),
    // refusalRecord only where the page itself wrote it; the shared decision path records its own.
    ...(served.refusal ? { refusal: served.refusal.reason, ...(served.refusal.record ? { refusalRecord: served.refusal.record } : {}) } : {}),
  });
  return toResponse(served);
}

/**
 * The approval page behind API Gateway (HTTP API, payload 2.0) and the local runtime:
 * `GET /approvals/{link}` shows what is being approved with two buttons (and changes
 * nothing, so mail scanners may fetch it); `POST /approvals/{link}` with a form body
 * `decision=approve|reject` (and an optional `comment`) records the decision of the
 * approver the signed link names and resumes the workflow, but only while Step Functions still
 * runs the execution (a link to an ended one is refused with 410). Every refused POST is on record as
 * ApprovalAttemptRefused with its reason, rate limited per approval (routes.ts).
 * Every other outcome (a second click, an expired, forged, unknown or malformed link, Step
 * Functions out of reach) is a clear page with its status,
 * and no answer ever carries a task token, an address, the link's secret parts or an
 * internal error. See routes.ts for the flow, pages.ts for the HTML.
 *
 * Environment: the steps' (EVENTS_TABLE, DATA_KEY_ID, ...), APPROVAL_LINK_KEY_ID and
 * WORKFLOW_STATE_MACHINES (each served workflow's state machine, whose executions its approvals belong to).
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
