import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationInvalid } from '../../../functions/shared/errors.js';
import { sesIdentityArnsOf } from '../../../lib/constructs/approval-email.js';
import { APPROVAL_ACCESS_LOG_FIELDS, ApprovalSite } from '../../../lib/constructs/approval-site.js';
import { HANDLER_METADATA_KEY } from '../../../lib/constructs/handler-metadata.js';
import { pascal } from '../../../lib/workflows/workflow-deployment.js';
import { WORKFLOWS } from '../../../statemachines/index.js';
import { actionList, CDK_CONTEXT, devAndProdTemplates, executionsOf, functionOf, functionsOfWorkflow, hasPolicyGate, type PolicyStatementJson, roleIdOf, stateMachineOf, statementsOf, statementsOfRole, variablesOf, arnIn } from './synth.js';
import { SCHEDULER_VARIABLES, textOf } from './workflow-expectations.js';

type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown>; DependsOn?: string | string[]; DeletionPolicy?: string };
type Resources = Record<string, Resource>;
const environments = CDK_CONTEXT['wardflow:environments'] as Record<string, { approvalEmailFrom: string; logRetentionDays: number }>;
/** The workflows whose gates the page decides, and the functions that ask their approvers. */
const GATED = WORKFLOWS.filter((workflow) => Object.keys(workflow.gates ?? {}).length > 0);
/** Every function that emails signed links: each gate's request-approval, and the approval timer (reminders, escalations) where a gate has a policy. */
const REQUESTERS = [
  ...WORKFLOWS.flatMap(functionsOfWorkflow).filter((fn) => fn.purpose === 'request-approval').map((fn) => fn.name),
  ...(WORKFLOWS.some(hasPolicyGate) ? ['approval-timer'] : []),
];
const RECORD_DECISIONS = WORKFLOWS.flatMap(functionsOfWorkflow).filter((fn) => fn.purpose === 'record-decision').map((fn) => fn.name);

let dev: Template;
let prod: Template;
beforeAll(() => {
  ({ dev, prod } = devAndProdTemplates());
});

const resourcesOf = (template: Template, type: string): Resources => template.findResources(type) as Resources;
/** The one resource of a type, with its logical id. */
function onlyOf(template: Template, type: string): [string, Resource] {
  const all = Object.entries(resourcesOf(template, type));
  expect(all, type).toHaveLength(1);
  return all[0]!;
}
const linkKeyIdOf = (template: Template): string =>
  Object.keys(resourcesOf(template, 'AWS::KMS::Key')).find((id) => id.startsWith('KeysApprovalLinkKey'))!;
const allStatements = (template: Template): Array<[string, PolicyStatementJson]> =>
  Object.values(resourcesOf(template, 'AWS::IAM::Policy')).flatMap((p) =>
    (p.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement.map(
      (s): [string, PolicyStatementJson] => [(p.Properties.Roles as Array<{ Ref: string }>)[0]!.Ref, s],
    ),
  );

/** Logical ids a template value refers to (Ref, Fn::GetAtt, ${X} in Fn::Sub). */
function referencesIn(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) referencesIn(v, into);
  else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Ref' && typeof v === 'string') into.add(v);
      else if (key === 'Fn::GetAtt' && Array.isArray(v)) into.add(String(v[0]));
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(v) ? v[0] : v;
        for (const m of String(text).matchAll(/\$\{([A-Za-z0-9]+)[.}]/g)) into.add(m[1]!);
        if (Array.isArray(v)) referencesIn(v[1], into);
      } else referencesIn(v, into);
    }
  }
  return into;
}

/** A dependency cycle among the template's resources, as a list of logical ids, or undefined. */
function findCycle(resources: Resources): string[] | undefined {
  const edges = new Map(
    Object.entries(resources).map(([id, r]) => {
      const refs = referencesIn(r.Properties);
      for (const d of [r.DependsOn ?? []].flat()) refs.add(d);
      return [id, [...refs].filter((ref) => ref in resources)];
    }),
  );
  const state = new Map<string, 'open' | 'done'>();
  const visit = (id: string, trail: string[]): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'open') return [...trail.slice(trail.indexOf(id)), id];
    state.set(id, 'open');
    for (const next of edges.get(id) ?? []) {
      const cycle = visit(next, [...trail, id]);
      if (cycle) return cycle;
    }
    state.set(id, 'done');
    return undefined;
  };
  for (const id of edges.keys()) {
    const cycle = visit(id, []);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('the dependency check itself', () => {
  it('finds a cycle through Ref, Fn::GetAtt, Fn::Sub and DependsOn, and none in a chain', () => {
    const r = (properties: Record<string, unknown>, dependsOn?: string): Resource => ({ Type: 'T', Properties: properties, ...(dependsOn ? { DependsOn: dependsOn } : {}) });
    expect(findCycle({ A: r({ x: { Ref: 'B' } }), B: r({ y: { 'Fn::GetAtt': ['C', 'Arn'] } }), C: r({}) })).toBeUndefined();
    expect(findCycle({ A: r({ x: { Ref: 'B' } }), B: r({ y: { 'Fn::Sub': 'arn:${C.Arn}' } }), C: r({}, 'A') })).toEqual(['A', 'B', 'C', 'A']);
  });
});

describe.each([
  ['dev', () => dev],
  ['prod', () => prod],
] as const)('approval site in %s', (env, template) => {
  const isProd = env === 'prod';
  const sender = environments[env]!.approvalEmailFrom;

  it('signs links with an HMAC_256 key for GENERATE_VERIFY_MAC, aliased per environment, kept like the other keys', () => {
    const id = linkKeyIdOf(template());
    const key = resourcesOf(template(), 'AWS::KMS::Key')[id]!;
    expect(key.Properties).toMatchObject({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', EnableKeyRotation: false });
    expect(key.DeletionPolicy).toBe(isProd ? 'RetainExceptOnCreate' : 'Delete');
    template().hasResourceProperties('AWS::KMS::Alias', { AliasName: `alias/wardflow/${env}/approval-links`, TargetKeyId: { 'Fn::GetAtt': [id, 'Arn'] } });
  });

  it("lets only the page VerifyMac and only each gate's request-approval GenerateMac, on the link key alone", () => {
    const linkKey = { 'Fn::GetAtt': [linkKeyIdOf(template()), 'Arn'] };
    const macStatements = allStatements(template()).filter(([, s]) => actionList(s).some((a) => /^kms:.*Mac$/.test(a) || a === 'kms:*'));
    const byRole = (entries: Array<[string, PolicyStatementJson]>) => [...entries].sort(([a], [b]) => a.localeCompare(b));
    expect(byRole(macStatements)).toEqual(
      byRole([
        ...REQUESTERS.map((name): [string, PolicyStatementJson] => [roleIdOf(template(), name), { Sid: 'SignApprovalLinks', Effect: 'Allow', Action: 'kms:GenerateMac', Resource: linkKey }]),
        [roleIdOf(template(), 'approval-page'), { Sid: 'VerifyApprovalLinks', Effect: 'Allow', Action: 'kms:VerifyMac', Resource: linkKey }],
      ]),
    );
    // Nothing else names the link key: no other action, no other role.
    const onLinkKey = allStatements(template()).filter(([, s]) => JSON.stringify(s.Resource).includes('KeysApprovalLinkKey'));
    expect(onLinkKey.map(([, s]) => s.Sid).sort()).toEqual([...REQUESTERS.map(() => 'SignApprovalLinks'), 'VerifyApprovalLinks'].sort());
  });

  it("lets each gate's request-approval send email only through the sender identity, only from the sender address", () => {
    const sesStatements = allStatements(template()).filter(([, s]) => actionList(s).some((a) => a.startsWith('ses:')));
    expect(sesStatements.map(([role]) => role).sort()).toEqual(REQUESTERS.map((name) => roleIdOf(template(), name)).sort());
    const identity = (name: string) => arnIn(env, 'ses', `identity/${name}`);
    for (const [role, statement] of sesStatements) {
      expect(statement, role).toEqual({
        Sid: 'SendApprovalEmail',
        Effect: 'Allow',
        Action: 'ses:SendEmail',
        Resource: [identity(sender), identity(sender.split('@')[1]!)],
        Condition: { StringEquals: { 'ses:FromAddress': sender } },
      });
      expect(JSON.stringify(statement.Resource)).not.toContain('*');
    }
  });

  it("gives each gate's request-approval the site URL, the link key and the sender, and the page the link key and every gated workflow's state machine", () => {
    const [apiId] = onlyOf(template(), 'AWS::ApiGatewayV2::Api');
    const linkKey = { 'Fn::GetAtt': [linkKeyIdOf(template()), 'Arn'] };
    for (const name of REQUESTERS) {
      expect(variablesOf(template(), name), name).toMatchObject({
        APPROVAL_SITE_URL: { 'Fn::GetAtt': [apiId, 'ApiEndpoint'] },
        APPROVAL_LINK_KEY_ID: linkKey,
        APPROVAL_EMAIL_FROM: sender,
      });
    }
    const page = variablesOf(template(), 'approval-page');
    expect(Object.keys(page).sort()).toEqual(
      [
        'APPROVAL_LINK_KEY_ID',
        'DATA_KEY_CACHE_SECONDS',
        'DATA_KEY_ID',
        'EVENTS_TABLE',
        'LOG_LEVEL',
        'NODE_OPTIONS',
        'POWERTOOLS_METRICS_NAMESPACE',
        'POWERTOOLS_SERVICE_NAME',
        'SECRETS_CACHE_SECONDS',
        'WARDFLOW_ENV',
        ...(GATED.length > 0 ? ['WORKFLOW_STATE_MACHINES'] : []),
        // After a vote on a policy gate the page schedules the next level's timer.
        ...(WORKFLOWS.some(hasPolicyGate) ? SCHEDULER_VARIABLES : []),
      ].sort(),
    );
    expect(page).toMatchObject({
      APPROVAL_LINK_KEY_ID: linkKey,
      WARDFLOW_ENV: env,
      DATA_KEY_ID: { 'Fn::GetAtt': [expect.stringMatching(/^KeysSealingKey/), 'Arn'] },
    });
    // The page finds the state machine of an approval by its workflow, and derives execution ARNs from it
    // (functions/shared/approvals/execution-status.ts).
    expect(JSON.parse(textOf(page.WORKFLOW_STATE_MACHINES))).toEqual(Object.fromEntries(GATED.map((w) => [w.name, `\${${stateMachineOf(template(), w)[0]}}`])));
  });

  it("grants the page exactly its logs, its streams, the sealing it does, VerifyMac, and for each gated workflow asking about and resuming its state machine", () => {
    const statements = statementsOf(template(), 'approval-page');
    expect(statements.map((s) => s.Sid ?? actionList(s).join(',')).sort()).toEqual(
      [
        'AppendEvents',
        'OpenSealedFields',
        'ReadEvents',
        'SealEventFields',
        'UseTableKeyThroughDynamoDB',
        'VerifyApprovalLinks',
        'WriteOwnLogs',
        'xray:PutTelemetryRecords,xray:PutTraceSegments',
        ...GATED.flatMap((w) => [`DescribeOwnExecutions${pascal(w.name)}`, `ResumeWaitingExecution${pascal(w.name)}`]),
        ...(WORKFLOWS.some(hasPolicyGate) ? ['ScheduleApprovalTimers', 'PassApprovalTimerRole'] : []),
      ].sort(),
    );
    for (const workflow of GATED) {
      const [machineId] = stateMachineOf(template(), workflow);
      const id = pascal(workflow.name);
      expect(statements.find((s) => s.Sid === `ResumeWaitingExecution${id}`)).toEqual({
        Sid: `ResumeWaitingExecution${id}`,
        Effect: 'Allow',
        Action: ['states:SendTaskFailure', 'states:SendTaskSuccess'],
        Resource: { Ref: machineId },
      });
      // Whether an execution still runs: DescribeExecution alone, on this state machine's executions alone.
      expect(statements.find((s) => s.Sid === `DescribeOwnExecutions${id}`)).toEqual({
        Sid: `DescribeOwnExecutions${id}`,
        Effect: 'Allow',
        Action: 'states:DescribeExecution',
        Resource: executionsOf(env, machineId),
      });
    }
    // The streams of the workflows it serves, and no other's: execution ids are `<workflow>:<name>`.
    const served = GATED.map((w) => w.name);
    const patterns = [...served.map((w) => `execution#${w}:*`), ...served.map((w) => `approval#${w}:*`)];
    const streams = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': patterns }, Null: { 'dynamodb:LeadingKeys': 'false' } };
    expect(statements.find((s) => s.Sid === 'AppendEvents')?.Condition).toEqual(streams);
    expect(statements.find((s) => s.Sid === 'ReadEvents')?.Condition).toEqual(streams);
  });

  it("lets only the deciders (the page, and each gated workflow's record-decision) ask whether an execution runs, each on its own state machines", () => {
    const describing = allStatements(template()).filter(([, s]) => actionList(s).some((a) => a.startsWith('states:Describe') || a === 'states:*'));
    expect([...new Set(describing.map(([role]) => role))].sort()).toEqual(
      [...(GATED.length > 0 ? [roleIdOf(template(), 'approval-page')] : []), ...RECORD_DECISIONS.map((name) => roleIdOf(template(), name))].sort(),
    );
    expect(describing).toHaveLength(GATED.length * 2);
    for (const workflow of GATED) {
      const [machineId] = stateMachineOf(template(), workflow);
      const recordDecision = `${workflow.name}-record-decision`;
      expect(statementsOf(template(), recordDecision).filter((s) => s.Sid === 'DescribeOwnExecutions')).toEqual([
        { Sid: 'DescribeOwnExecutions', Effect: 'Allow', Action: 'states:DescribeExecution', Resource: executionsOf(env, machineId) },
      ]);
      expect(variablesOf(template(), recordDecision)).toMatchObject({ STATE_MACHINE_ARN: { Ref: machineId } });
    }
  });

  it('serves GET and POST /approvals/{link} from the page function over an HTTP API, payload 2.0', () => {
    const [apiId, api] = onlyOf(template(), 'AWS::ApiGatewayV2::Api');
    expect(api.Properties).toMatchObject({ ProtocolType: 'HTTP', Name: `wardflow-${env}-approval-site` });
    const [integrationId, integration] = onlyOf(template(), 'AWS::ApiGatewayV2::Integration');
    const [pageId] = functionOf(template(), 'approval-page');
    expect(integration.Properties).toEqual({
      ApiId: { Ref: apiId },
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [pageId, 'Arn'] },
      PayloadFormatVersion: '2.0',
    });
    const routes = Object.values(resourcesOf(template(), 'AWS::ApiGatewayV2::Route'));
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(['GET /approvals/{link}', 'POST /approvals/{link}']);
    for (const route of routes) {
      // No authorizer on purpose: the signed link is the credential (acknowledged AwsSolutions-APIG4).
      expect(route.Properties).toMatchObject({ ApiId: { Ref: apiId }, AuthorizationType: 'NONE', Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] } });
    }
    // API Gateway may invoke the page for this API's approval routes only (EventBridge's permission is the recorder's).
    const permissions = Object.values(resourcesOf(template(), 'AWS::Lambda::Permission')).filter(
      (p) => JSON.stringify(p.Properties.FunctionName) === JSON.stringify({ 'Fn::GetAtt': [pageId, 'Arn'] }),
    );
    expect(permissions).toHaveLength(2);
    for (const permission of permissions) {
      expect(permission.Properties).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com', FunctionName: { 'Fn::GetAtt': [pageId, 'Arn'] } });
      expect(JSON.stringify(permission.Properties.SourceArn)).toContain('/approvals/{link}');
    }
  });

  it('throttles the default stage and logs access without the path, the query string or the IP', () => {
    const [apiId] = onlyOf(template(), 'AWS::ApiGatewayV2::Api');
    const [, stage] = onlyOf(template(), 'AWS::ApiGatewayV2::Stage');
    expect(stage.Properties).toMatchObject({
      ApiId: { Ref: apiId },
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [expect.stringMatching(/^ApprovalSiteAccessLogs/), 'Arn'] } },
    });
    const format = (stage.Properties.AccessLogSettings as { Format: string }).Format;
    expect(JSON.parse(format)).toEqual({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      responseLength: '$context.responseLength',
      integrationLatency: '$context.integrationLatency',
      requestTime: '$context.requestTime',
    });
    expect(JSON.parse(format)).toEqual(APPROVAL_ACCESS_LOG_FIELDS);
    // Any variable that carries the link, the query or the caller, whatever its spelling.
    expect(format).not.toMatch(/path|query|sourceIp|identity|userAgent|\$context\.http\./i);
  });

  it('keeps the access logs in a KMS-encrypted log group with the environment retention', () => {
    const groups = Object.entries(resourcesOf(template(), 'AWS::Logs::LogGroup')).filter(([id]) => id.startsWith('ApprovalSiteAccessLogs'));
    expect(groups).toHaveLength(1);
    const [, group] = groups[0]!;
    expect(group.Properties).toEqual({
      LogGroupName: `/aws/vendedlogs/apigateway/wardflow-${env}-approval-site`,
      KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^KeysLogsKey/), 'Arn'] },
      RetentionInDays: environments[env]!.logRetentionDays,
    });
    expect(group.DeletionPolicy).toBe(isProd ? 'RetainExceptOnCreate' : 'Delete');
  });

  it('outputs what the CLI and on-call read: the events table, each workflow’s state machine, the site URL, the audit bucket and the alarm topic', () => {
    const outputs = template().toJSON().Outputs as Record<string, { Value: unknown }>;
    const [apiId] = onlyOf(template(), 'AWS::ApiGatewayV2::Api');
    const [tableId] = onlyOf(template(), 'AWS::DynamoDB::Table');
    const archiveId = Object.keys(resourcesOf(template(), 'AWS::S3::Bucket')).find((id) => id.startsWith('AuditArchive'))!;
    const [topicId] = onlyOf(template(), 'AWS::SNS::Topic');
    expect(Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, output.Value]))).toEqual({
      EventsTableName: { Ref: tableId },
      ...Object.fromEntries(WORKFLOWS.map((w) => [`${pascal(w.name)}StateMachineArn`, { Ref: stateMachineOf(template(), w)[0] }])),
      ApprovalSiteUrl: { 'Fn::GetAtt': [apiId, 'ApiEndpoint'] },
      AuditBucketName: { Ref: archiveId },
      AlarmTopicArn: { Ref: topicId },
      EnvironmentTier: isProd ? 'prod' : 'dev',
    });
  });

  it('labels every function invoked by a state machine with its handler folder, so each Task maps to a handler', () => {
    const functions = resourcesOf(template(), 'AWS::Lambda::Function');
    for (const [, machine] of Object.entries(resourcesOf(template(), 'AWS::StepFunctions::StateMachine'))) {
      const invoked = [...referencesIn(machine.Properties.DefinitionString)].filter((id) => id in functions);
      expect(invoked.length).toBeGreaterThanOrEqual(3);
      for (const id of invoked) expect(functions[id]!.Metadata?.[HANDLER_METADATA_KEY], id).toEqual(expect.any(String));
    }
  });

  it('has no dependency cycle (the page resumes the state machine that invokes request-approval, which links to the page)', () => {
    expect(findCycle(template().toJSON().Resources as Resources)).toBeUndefined();
  });
});

describe('ApprovalSite and its email sender on their own', () => {
  /** A stack with imported table, keys and state machine: enough for the construct, nothing else. */
  function siteIn(throttle?: { rateLimit?: number; burstLimit?: number }) {
    // cdk.json's feature flags (partition literals among them), and no bundling: only the entry file must exist.
    // No CloudFormation schema validation: loading it costs seconds, and the whole app's synth (nag.test.ts,
    // test/e2e/cdk-synth.test.ts) runs it over this construct anyway.
    const app = new App({
      context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [], 'aws:cdk:disable-stack-trace': true, '@aws-cdk/core:validateAgainstDefaultRules': false },
    });
    const stack = new Stack(app, 'SiteOnly', { env: { account: '111122223333', region: 'eu-west-1' } });
    let keys = 0;
    const key = (id: string) => kms.Key.fromKeyArn(stack, id, `arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-12345678900${(keys += 1)}`);
    const site = new ApprovalSite(stack, 'Site', {
      page: {
        environmentName: 'dev',
        table: dynamodb.Table.fromTableArn(stack, 'Table', 'arn:aws:dynamodb:eu-west-1:111122223333:table/events'),
        tableKey: key('TableKey'),
        sealingKey: key('SealingKey'),
        logsKey: key('LogsKey'),
        logRetention: logs.RetentionDays.ONE_WEEK,
        secretsCacheSeconds: 60,
        dataKeyCacheSeconds: 60,
      },
      linkKey: key('LinkKey'),
      ...(throttle === undefined ? {} : { throttle }),
    });
    return { stack, site };
  }

  it('takes a throttle override and refuses a throttle that would close or unbound the site', () => {
    const { stack } = siteIn({ rateLimit: 2, burstLimit: 5 });
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 2, ThrottlingBurstLimit: 5 } });
    for (const bad of [{ rateLimit: 0 }, { burstLimit: 0 }, { rateLimit: Number.NaN }, { burstLimit: 1.5 }]) {
      expect(() => siteIn(bad), JSON.stringify(bad)).toThrow(ConfigurationInvalid);
    }
  });

  it('names the sender identity and its domain by ARN, and refuses a sender that is not an address without echoing it', () => {
    const { stack } = siteIn();
    expect(sesIdentityArnsOf(stack, 'approvals@mail.example.org')).toEqual([
      'arn:aws:ses:eu-west-1:111122223333:identity/approvals@mail.example.org',
      'arn:aws:ses:eu-west-1:111122223333:identity/mail.example.org',
    ]);
    for (const bad of ['approvals-secretish.example.org', 'a@b@c.example', '']) {
      let error: unknown;
      try {
        sesIdentityArnsOf(stack, bad);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigurationInvalid);
      expect((error as Error).message).toContain('approvalEmailFrom');
      if (bad !== '') expect((error as Error).message).not.toContain(bad);
    }
  });

  it('wires a link sender: the three variables and the two grants land on the step it is given', () => {
    const { stack, site } = siteIn();
    // The page stands in for a sender here: any WorkflowStep can be one.
    site.addLinkSender(site.page, 'approvals@example.org');
    const template = Template.fromStack(stack);
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function')) as Resource[];
    expect((fn!.Properties.Environment as { Variables: unknown }).Variables).toMatchObject({
      APPROVAL_SITE_URL: { 'Fn::GetAtt': [expect.stringMatching(/^SiteApi/), 'ApiEndpoint'] },
      APPROVAL_LINK_KEY_ID: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-123456789004',
      APPROVAL_EMAIL_FROM: 'approvals@example.org',
    });
    const roleId = stack.getLogicalId(site.page.role.node.defaultChild as CfnElement);
    const statements = statementsOfRole(template, roleId);
    expect(statements.map((s) => s.Sid)).toEqual(expect.arrayContaining(['SignApprovalLinks', 'SendApprovalEmail', 'VerifyApprovalLinks']));
    expect(statements.find((s) => s.Sid === 'SendApprovalEmail')).toMatchObject({
      Resource: ['arn:aws:ses:eu-west-1:111122223333:identity/approvals@example.org', 'arn:aws:ses:eu-west-1:111122223333:identity/example.org'],
      Condition: { StringEquals: { 'ses:FromAddress': 'approvals@example.org' } },
    });
  });

  it('serves each workflow it is given: the page may ask about and resume that state machine alone, and finds it by the workflow name', () => {
    const { stack, site } = siteIn();
    const machine = (id: string) => new sfn.StateMachine(stack, id, { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, `${id}Start`)) });
    site.serveWorkflow('expense-claim', machine('ExpenseMachine'));
    site.serveWorkflow('leave-request', machine('LeaveMachine'));
    expect(() => site.serveWorkflow('expense-claim', machine('AgainMachine'))).toThrow(ConfigurationInvalid);
    const template = Template.fromStack(stack);
    const machineId = (prefix: string) => Object.keys(template.findResources('AWS::StepFunctions::StateMachine')).find((id) => id.startsWith(prefix))!;
    const statements = statementsOfRole(template, stack.getLogicalId(site.page.role.node.defaultChild as CfnElement));
    for (const [id, prefix] of [['ExpenseClaim', 'ExpenseMachine'], ['LeaveRequest', 'LeaveMachine']] as const) {
      const [describe, resume, ...more] = statements.filter((s) => String(s.Sid).endsWith(id));
      expect(more).toEqual([]);
      expect(describe).toMatchObject({ Sid: `DescribeOwnExecutions${id}`, Action: 'states:DescribeExecution' });
      // That state machine's executions, by its name.
      expect(JSON.stringify(describe!.Resource)).toMatch(new RegExp(`:execution:.*"${machineId(prefix)}","Name".*:\\*`));
      expect(resume).toEqual({ Sid: `ResumeWaitingExecution${id}`, Effect: 'Allow', Action: ['states:SendTaskFailure', 'states:SendTaskSuccess'], Resource: { Ref: machineId(prefix) } });
    }
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function')) as Resource[];
    const variables = (fn!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(JSON.parse(textOf(variables.WORKFLOW_STATE_MACHINES))).toEqual({
      'expense-claim': `\${${machineId('ExpenseMachine')}}`,
      'leave-request': `\${${machineId('LeaveMachine')}}`,
    });
    expect(variables.STATE_MACHINE_ARN).toBeUndefined();
  });
});
