import { Arn, ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
// cdk-nag's own rendering of a resource in a finding id, so the acknowledgement names exactly its finding.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import { Construct } from 'constructs';
import { ConfigurationInvalid } from '../../functions/shared/errors.js';
import { sendApprovalEmailStatement } from './approval-email.js';
import { type SharedStepProps, WorkflowStep } from './workflow-step.js';

/** The folder of the page's handler under functions/. */
export const APPROVAL_PAGE_FUNCTION = 'approval-page';

/** The route of an approval link; `{link}` is the signed link itself, a bearer credential. */
export const APPROVAL_ROUTE_PATH = '/approvals/{link}';

/**
 * What an access-log line holds. Never the path (it carries the signed link, a bearer credential),
 * the query string or the caller's IP (personal data): `routeKey` is the route template
 * (`GET /approvals/{link}`), not the requested path.
 */
export const APPROVAL_ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  integrationLatency: '$context.integrationLatency',
  requestTime: '$context.requestTime',
} as const;

/**
 * Throttling of every route. People click approval links, and mail scanners prefetch them: a few
 * requests a second is plenty, and the cap keeps a flood of forged links from running up Lambda
 * concurrency and KMS VerifyMac calls (KMS quotas are shared with every other step).
 */
const DEFAULT_THROTTLE: Required<apigwv2.ThrottleSettings> = { rateLimit: 10, burstLimit: 20 };

export interface ApprovalSiteProps {
  /** Table, keys, log settings and caches of the page function, as every step gets them. */
  readonly page: SharedStepProps;
  /** The HMAC key of approval links: the page may only VerifyMac with it. */
  readonly linkKey: kms.IKey;
  /**
   * Throttling of the default stage (requests per second, and burst).
   * @default { rateLimit: 10, burstLimit: 20 }
   */
  readonly throttle?: apigwv2.ThrottleSettings;
}

/**
 * The approval site: an HTTP API (payload 2.0) with `GET` and `POST /approvals/{link}`, served by the
 * approval-page function (functions/approval-page/handler.ts). There is no API Gateway authorizer: the
 * HMAC-signed link is the authorization, and the handler verifies it with KMS before it shows or
 * records anything. Access logs go to a KMS-encrypted log group and leave out the path, query and IP.
 * No AWS WAF: WAF cannot be associated with HTTP APIs (REST APIs, CloudFront and ALB only); the
 * stage's throttling is the flood control, and a forged link costs one VerifyMac and a refusal page.
 *
 * The page's role gets exactly what the page does, for the workflows it serves: read their approval and execution streams, append
 * ApprovalDecided (or ApprovalAttemptRefused) to the approval stream and its audit events to the
 * execution stream, open the sealed approvers and task token and seal the decider's address and
 * comment, VerifyMac on the link key, ask whether an execution of the state machine still runs, and
 * resume the state machine.
 *
 * @example
 * const site = new ApprovalSite(this, 'ApprovalSite', { page: shared, linkKey: keys.approvalLinkKey });
 * site.serveWorkflow('invoice-approval', stateMachine);
 * site.addLinkSender(requestApproval, 'approvals@example.com');
 */
export class ApprovalSite extends Construct {
  readonly page: WorkflowStep;
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogs: logs.LogGroup;
  /** Base URL of the site (`https://<api>.execute-api.<region>.amazonaws.com`, no trailing slash). */
  readonly url: string;
  private readonly linkKey: kms.IKey;
  /** Workflow name → its state machine's ARN: WORKFLOW_STATE_MACHINES of the page. */
  private readonly workflows: Record<string, string> = {};

  constructor(scope: Construct, id: string, props: ApprovalSiteProps) {
    super(scope, id);
    const throttle = { ...DEFAULT_THROTTLE, ...props.throttle };
    validateThrottle(throttle);
    const env = props.page.environmentName;
    this.linkKey = props.linkKey;

    this.page = new WorkflowStep(this, 'Page', {
      ...props.page,
      name: APPROVAL_PAGE_FUNCTION,
      environment: { APPROVAL_LINK_KEY_ID: props.linkKey.keyArn },
      events: { append: ['approval'] }, // ApprovalDecided
      sealing: { seal: ['approval'], open: ['approval'] }, // seals the decider's address and comment, opens the approvers and the task token
      // Under API Gateway's 30-second integration limit: the function stops before API Gateway gives up,
      // so API Gateway never shows the approver an error while the function goes on to record the decision.
      timeout: Duration.seconds(25),
    });
    this.page.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'VerifyApprovalLinks',
        actions: ['kms:VerifyMac'],
        resources: [props.linkKey.keyArn],
      }),
    );
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      // The /aws/vendedlogs/ prefix keeps the account's CloudWatch Logs resource policy small.
      logGroupName: `/aws/vendedlogs/apigateway/wardflow-${env}-approval-site`,
      encryptionKey: props.page.logsKey,
      retention: props.page.logRetention,
      // Fixed name: kept, except when the create that made it rolls back (a retry would find it "already exists").
      removalPolicy: props.page.logRemovalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });

    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: `wardflow-${env}-approval-site`,
      description: `wardflow ${env}: approval pages behind signed links`,
      // The stage is added below with throttling and access logs; the generated one has neither.
      createDefaultStage: false,
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(APPROVAL_ACCESS_LOG_FIELDS)),
      },
    });
    this.api.addRoutes({
      path: APPROVAL_ROUTE_PATH,
      methods: [apigwv2.HttpMethod.GET, apigwv2.HttpMethod.POST],
      integration: new HttpLambdaIntegration('PageIntegration', this.page.fn, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
    });
    this.url = this.api.apiEndpoint;

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Approvers have no AWS or IdP identity: the HMAC-signed link in their email is the authorization, and the handler verifies it with kms:VerifyMac (and its expiry) before showing or recording anything.',
    });
  }

  /**
   * Lets the page decide the approvals of a workflow's gates: it may ask whether an execution of the
   * workflow's state machine still runs, and resume it (SendTaskSuccess / SendTaskFailure only; not
   * grantTaskResponse, which adds SendTaskHeartbeat, which a decision never needs). The page finds the
   * state machine of an approval by the workflow the approval names (WORKFLOW_STATE_MACHINES).
   *
   * @example
   * site.serveWorkflow('invoice-approval', stateMachine);
   */
  serveWorkflow(workflowName: string, stateMachine: sfn.StateMachine): void {
    if (Object.hasOwn(this.workflows, workflowName)) throw new ConfigurationInvalid(`the approval site already serves a workflow named ${workflowName}`);
    this.workflows[workflowName] = stateMachine.stateMachineArn;
    // The workflow's execution and approval streams (execution#<workflow>:*, approval#<workflow>:*), and no other's.
    this.page.serveWorkflow(workflowName);
    const id = workflowName.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
    grantExecutionStatus(this.page, stateMachine, id);
    this.page.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: `ResumeWaitingExecution${id}`,
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
        resources: [stateMachine.stateMachineArn],
      }),
    );
    this.page.fn.addEnvironment('WORKFLOW_STATE_MACHINES', Stack.of(this).toJsonString(this.workflows));
  }

  /**
   * Lets a step email approval links: it gets the site's URL, the link key (GenerateMac only) and the
   * sender, and may send through SES from that sender only (see approval-email.ts for the SES setup).
   *
   * @example
   * site.addLinkSender(requestApproval, config.approvalEmailFrom);
   */
  addLinkSender(step: WorkflowStep, emailFrom: string): void {
    step.fn.addEnvironment('APPROVAL_SITE_URL', this.url);
    step.fn.addEnvironment('APPROVAL_LINK_KEY_ID', this.linkKey.keyArn);
    step.fn.addEnvironment('APPROVAL_EMAIL_FROM', emailFrom);
    step.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SignApprovalLinks',
        actions: ['kms:GenerateMac'],
        resources: [this.linkKey.keyArn],
      }),
    );
    step.role.addToPrincipalPolicy(sendApprovalEmailStatement(this, emailFrom));
  }
}

/**
 * Lets a function that decides approvals ask Step Functions whether an execution of `stateMachine`
 * still runs: STATE_MACHINE_ARN in its environment (execution ARNs are derived from it), and
 * `states:DescribeExecution` on that state machine's executions only. The call reads metadata only
 * (`includedData: METADATA_ONLY`), so no access to the state machine's key is needed.
 *
 * @example
 * grantExecutionStatus(recordDecision, stateMachine);
 */
export function grantExecutionStatus(step: WorkflowStep, stateMachine: sfn.IStateMachine, sidSuffix?: string): void {
  // A function serving one workflow names its state machine; the approval page serving several finds each in WORKFLOW_STATE_MACHINES.
  if (sidSuffix === undefined) step.fn.addEnvironment('STATE_MACHINE_ARN', stateMachine.stateMachineArn);
  const executions = Stack.of(step).formatArn({
    service: 'states',
    resource: 'execution',
    resourceName: `${stateMachineNameOf(stateMachine)}:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  step.role.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: `DescribeOwnExecutions${sidSuffix ?? ''}`, actions: ['states:DescribeExecution'], resources: [executions] }),
  );
  Validations.of(step.role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(step).resolve(executions))}]`,
    reason:
      'states:DescribeExecution only, on the executions of the one state machine whose approvals this function decides: execution names are chosen at StartExecution, so they cannot be listed in advance.',
  });
}

/** The state machine's name: its Name attribute when built here, else the name in its (imported) ARN. */
function stateMachineNameOf(stateMachine: sfn.IStateMachine): string {
  if (stateMachine instanceof sfn.StateMachine) return stateMachine.stateMachineName;
  return Arn.split(stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName ?? '';
}

function validateThrottle(throttle: Required<apigwv2.ThrottleSettings>): void {
  const { rateLimit, burstLimit } = throttle;
  if (!Number.isFinite(rateLimit) || rateLimit <= 0 || !Number.isInteger(burstLimit) || burstLimit < 1) {
    throw new ConfigurationInvalid(
      'ApprovalSite.throttle needs a rateLimit above 0 requests per second and a burstLimit of at least 1 request',
    );
  }
}
