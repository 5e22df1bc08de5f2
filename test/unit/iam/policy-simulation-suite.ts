import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NamedEnvironment } from '../../../lib/config/environments.js';
import type { AnyWorkflow } from '../../../lib/workflows/workflow-definition.js';
import { type ExpectedFunction, type PolicyStatementJson, actionList, environmentOf, functionsOf, synthWardflow, templateOf } from '../cdk/synth.js';
import { type FunctionModel, type ModelInputs, modelOf } from './expected-requests.js';
import { type Decision, type IamRequest, PolicyWorld, arnMatches } from './policy-world.js';
import { SDK_COMMAND_ACTIONS } from './sdk-calls.js';

/** What one suite synthesizes: the app's context additions, its workflows, and which workflows' functions it evaluates. */
export interface PolicySimulationOptions {
  readonly label: string;
  readonly context?: Record<string, unknown>;
  readonly workflows: readonly AnyWorkflow[];
  /** The workflows whose functions this suite evaluates (the throwaway suite evaluates the fixture only). @default all, plus the page and the archiver */
  readonly evaluate?: readonly AnyWorkflow[];
  /** The environments' settings as synthesized (the context's), by name. */
  readonly environments: readonly string[];
  /** Also evaluate the resource policies on their own (key, bucket and topic policies for services and administrators). @default false */
  readonly resourcePolicies?: boolean;
}

/** A request and what IAM said, for failure messages that say which request went wrong. */
const show = (request: IamRequest & { why?: string }, decision: Decision) =>
  `${decision}: ${request.action} on ${request.resource}${request.context === undefined ? '' : ` ${JSON.stringify(request.context)}`}${request.why === undefined ? '' : ` (${request.why})`}`;

/**
 * The policy-simulation suite of issue 15: synthesizes the app once (no bundling), resolves every
 * role's policies and the resource policies to concrete ARNs, and evaluates them with
 * @cloud-copilot/iam-simulate. For every function of every environment:
 * - allowed: every action its code calls (sdk-calls.ts), on the resource its configuration names,
 *   and the platform's own actions (PLATFORM_EXTRAS), each with its reason;
 * - exact: the role grants no action, on no resource, outside those requests;
 * - denied: a generated list of neighbours (other streams, other keys' uses, the audit archive,
 *   other environments' and workflows' secrets, models off the list, other state machines).
 */
export function describePolicySimulation(options: PolicySimulationOptions): void {
  const environments: NamedEnvironment[] = options.environments.map((name) =>
    environmentOf(name, options.context === undefined ? undefined : { 'wardflow:environments': options.context['wardflow:environments'] }),
  );
  const expected: ExpectedFunction[] = functionsOf(options.workflows).filter(
    (fn) => options.evaluate === undefined || (fn.workflow !== undefined && options.evaluate.includes(fn.workflow)),
  );
  const worlds: Record<string, { world: PolicyWorld; template: Template; models: Record<string, FunctionModel> }> = {};

  beforeAll(async () => {
    const app = synthWardflow(options.context ?? {}, { workflows: options.workflows });
    for (const environment of environments) {
      const template = templateOf(app, environment.name);
      const world = new PolicyWorld(template, environment);
      const inputs: ModelInputs = { world, template, environment, others: environments.filter((e) => e !== environment), workflows: options.workflows };
      const models: Record<string, FunctionModel> = {};
      for (const fn of expected) models[fn.name] = await modelOf(inputs, fn);
      worlds[environment.name] = { world, template, models };
    }
  }, 120_000);

  describe(`${options.label}: the code's SDK calls`, () => {
    it('are all in the mapping table, made through commands the scan sees (no aggregated client, no paginator)', () => {
      const models = Object.values(worlds).flatMap((w) => Object.values(w.models));
      expect(models.length).toBeGreaterThan(0);
      for (const model of models) {
        expect(model.calls.unmapped, model.fn.name).toEqual([]);
        expect(model.calls.unscannable, model.fn.name).toEqual([]);
      }
      // The mapping table documents a reason for every call that is not its own IAM action.
      for (const [command, mapping] of Object.entries(SDK_COMMAND_ACTIONS)) {
        const own = command.split(':')[1]!.replace(/Command$/, '');
        if (mapping.actions.length !== 1 || !mapping.actions[0]!.endsWith(`:${own}`)) expect(mapping.reason, command).toBeTruthy();
      }
    });

    it('find every function a key ARN as DATA_KEY_ID, so no DescribeKey is ever sent', () => {
      for (const model of Object.values(worlds).flatMap((w) => Object.values(w.models))) {
        if (model.variables.DATA_KEY_ID !== undefined) expect(model.variables.DATA_KEY_ID, model.fn.name).toMatch(/^arn:aws:kms:[a-z0-9-]+:\d{12}:key\//);
      }
    });
  });

  if (options.resourcePolicies === true) describeResourcePolicies(environments, () => worlds);
  describeExecutionStreams(options, environments, () => worlds);

  for (const environment of environments) {
    describe(`${options.label}, ${environment.name}`, () => {
      for (const fn of expected) {
        describe(fn.name, () => {
          const model = () => worlds[environment.name]!.models[fn.name]!;
          const world = () => worlds[environment.name]!.world;

          it('is allowed every call its code makes, on the resource its configuration names, and the platform\'s own', async () => {
            const { roleId, allowed } = model();
            await world().validateRole(roleId, allowed.find((r) => r.action === 'logs:PutLogEvents')!);
            const refused: string[] = [];
            for (const request of allowed) {
              const decision = await world().decide({ roleId }, request);
              if (decision !== 'Allowed') refused.push(show(request, decision));
            }
            expect(refused).toEqual([]);
          });

          it('is granted nothing outside those calls: every action on every resource of its role is one of them', () => {
            const { roleId, allowed } = model();
            const unjustified: string[] = [];
            for (const statement of world().identityStatements(roleId)) {
              if (statement.Effect === 'Deny') continue;
              for (const action of actionList(statement)) {
                for (const resource of resourcesOf(statement)) {
                  if (!allowed.some((r) => r.action === action && arnMatches(resource, r.resource))) unjustified.push(`${statement.Sid ?? '(no sid)'}: ${action} on ${resource}`);
                }
              }
            }
            expect(unjustified).toEqual([]);
          });

          it('is denied its neighbours: other streams and kinds, other uses of the keys, the archive, other secrets, models and state machines', async () => {
            const { roleId, denied, unused } = model();
            expect(denied.length).toBeGreaterThan(30);
            const granted: string[] = [];
            for (const request of denied) {
              const decision = await world().decide({ roleId }, request);
              if (decision === 'Allowed') granted.push(show(request, decision));
            }
            // What the code can reach but this function's configuration never uses is denied too.
            for (const { action, reason } of unused) {
              if (!denied.some((r) => r.action === action)) granted.push(`untested narrowing: ${action} (${reason})`);
            }
            expect(granted).toEqual([]);
          });

          it('is allowed, knowingly, only the wider requests listed with their reason (narrowing one moves it to the denials)', async () => {
            const { roleId, knownWider } = model();
            for (const request of knownWider) expect(await world().decide({ roleId }, request), show(request, 'Allowed')).toBe('Allowed');
          });
        });
      }
    });
  }
}

/** A statement's resources as a list. */
function resourcesOf(statement: PolicyStatementJson): string[] {
  return (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]) as string[];
}

type Worlds = Record<string, { world: PolicyWorld; template: Template; models: Record<string, FunctionModel> }>;

/** An account administrator: every action on every resource, as an identity policy. */
const ADMINISTRATOR: PolicyStatementJson[] = [{ Effect: 'Allow', Action: '*', Resource: '*' }];

/**
 * The resource policies on their own: what they let AWS services do (alarms to the topic, logs and
 * EventBridge with the keys), and what the archive bucket's policy refuses even an administrator.
 */
function describeResourcePolicies(environments: readonly NamedEnvironment[], worlds: () => Worlds): void {
  for (const environment of environments) {
    describe(`resource policies, ${environment.name}`, () => {
      const { account, region } = environment.config;
      const world = () => worlds()[environment.name]!.world;
      const template = () => worlds()[environment.name]!.template;
      const id = (type: string, prefix: string) => Object.keys(template().findResources(type)).find((k) => k.startsWith(prefix))!;
      const archive = () => `arn:aws:s3:::${world().arns.string({ Ref: id('AWS::S3::Bucket', 'AuditArchive') })}`;
      const admin = () => ({ identity: ADMINISTRATOR, arn: `arn:aws:iam::${account}:role/Administrator` });

      it('the archive bucket refuses an administrator of the account deleting, unlocking or overwriting archived objects', async () => {
        const object = `${archive()}/events/2026/01/01/00/probe.json`;
        for (const action of ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectRetention', 's3:BypassGovernanceRetention']) {
          expect(await world().decide(admin(), { action, resource: object }), action).toBe('ExplicitlyDenied');
        }
        expect(await world().decide(admin(), { action: 's3:PutObject', resource: object }), 'a PUT without If-None-Match').toBe('ExplicitlyDenied');
        expect(await world().decide(admin(), { action: 's3:PutObject', resource: object, context: { 's3:if-none-match': '*' } })).toBe('Allowed');
        expect(await world().decide(admin(), { action: 's3:GetObject', resource: object, context: { 'aws:SecureTransport': 'false' } }), 'plain HTTP').toBe('ExplicitlyDenied');
      });

      it('the archive bucket leaves to IAM (and Object Lock) what cannot shorten a retention: a legal hold only adds one, and a new default retention applies to later objects only (audit-bucket.ts says why it is not denied)', async () => {
        expect(await world().decide(admin(), { action: 's3:PutObjectLegalHold', resource: `${archive()}/events/2026/01/01/00/probe.json` })).toBe('Allowed');
        expect(await world().decide(admin(), { action: 's3:PutBucketObjectLockConfiguration', resource: archive() })).toBe('Allowed');
      });

      it('the alarm topic takes messages from CloudWatch alarms of this account only, over TLS', async () => {
        const topic = world().arns.string({ Ref: id('AWS::SNS::Topic', 'AlarmsTopic') });
        const alarm = `arn:aws:cloudwatch:${region}:${account}:alarm:probe`;
        const cloudwatch = { service: 'cloudwatch.amazonaws.com' };
        expect(await world().decide(cloudwatch, { action: 'sns:Publish', resource: topic, context: { 'aws:SourceAccount': account, 'aws:SourceArn': alarm } })).toBe('Allowed');
        expect(await world().decide(cloudwatch, { action: 'sns:Publish', resource: topic, context: { 'aws:SourceAccount': '999999999999', 'aws:SourceArn': alarm.replace(account, '999999999999') } })).not.toBe('Allowed');
        expect(await world().decide({ service: 'events.amazonaws.com' }, { action: 'sns:Publish', resource: topic, context: { 'aws:SourceAccount': account } })).not.toBe('Allowed');
      });

      it('the logs key serves CloudWatch Logs for log groups of this account and Region only', async () => {
        const key = world().arns.string({ 'Fn::GetAtt': [id('AWS::KMS::Key', 'KeysLogsKey'), 'Arn'] });
        const logs = { service: `logs.${region}.amazonaws.com` };
        expect(await world().decide(logs, { action: 'kms:GenerateDataKey', resource: key, context: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${region}:${account}:log-group:probe` } })).toBe('Allowed');
        expect(await world().decide(logs, { action: 'kms:GenerateDataKey', resource: key, context: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${region}:999999999999:log-group:probe` } })).not.toBe('Allowed');
      });

      it('the messaging key lets EventBridge encrypt dead letters for the execution-end rules only, and CloudWatch for the alarm topic only', async () => {
        const key = world().arns.string({ 'Fn::GetAtt': [id('AWS::KMS::Key', 'KeysMessagingKey'), 'Arn'] });
        // The execution-end rules (event patterns on status changes); the schedules send no dead letters.
        const rules = Object.values(template().findResources('AWS::Events::Rule'))
          .filter((r) => r.Properties.EventPattern !== undefined)
          .map((r) => `arn:aws:events:${region}:${account}:rule/${r.Properties.Name as string}`);
        expect(rules.length).toBeGreaterThan(0);
        for (const rule of rules) expect(await world().decide({ service: 'events.amazonaws.com' }, { action: 'kms:GenerateDataKey', resource: key, context: { 'aws:SourceArn': rule } }), rule).toBe('Allowed');
        expect(await world().decide({ service: 'events.amazonaws.com' }, { action: 'kms:GenerateDataKey', resource: key, context: { 'aws:SourceArn': `arn:aws:events:${region}:${account}:rule/another-rule` } })).not.toBe('Allowed');
        const cloudwatch = { service: 'cloudwatch.amazonaws.com' };
        expect(await world().decide(cloudwatch, { action: 'kms:GenerateDataKey', resource: key, context: { 'kms:EncryptionContext:aws:sns:topicArn': `arn:aws:sns:${region}:${account}:wardflow-${environment.name}-alarms` } })).toBe('Allowed');
        expect(await world().decide(cloudwatch, { action: 'kms:GenerateDataKey', resource: key, context: { 'kms:EncryptionContext:aws:sns:topicArn': `arn:aws:sns:${region}:${account}:another-topic` } })).not.toBe('Allowed');
      });
    });
  }
}

/**
 * "Streams of one execution are writable only by that workflow's roles" (issue 15). Execution ids
 * are `<workflow>:<execution name>` (functions/shared/events/execution-id.ts), so an execution's
 * streams are `execution#<workflow>:<name>` and `approval#<workflow>:<name>-<gate>`, and each role
 * is granted its own workflow's (`execution#<workflow>:*`). For every function of every evaluated
 * workflow, in every environment: on its own workflow's streams of each kind it declares, each call
 * it makes is allowed; on another workflow's, and on an unqualified stream of the kind written
 * before ids were qualified, every one of them is denied.
 */
function describeExecutionStreams(options: PolicySimulationOptions, environments: readonly NamedEnvironment[], worlds: () => Worlds): void {
  const workflows = options.evaluate ?? options.workflows;
  const others = (name: string) => options.workflows.filter((w) => w.name !== name);
  describe(`${options.label}: execution streams across workflows`, () => {
    it("streams of one execution are writable and readable only by that workflow's roles, sealed and opened only by them", async () => {
      let checked = 0;
      for (const environment of environments) {
        const { world, models } = worlds()[environment.name]!;
        for (const model of Object.values(models)) {
          const own = model.fn.workflow;
          if (own === undefined || !workflows.includes(own)) continue;
          const access = model.fn.access!;
          const table = model.allowed.find((r) => r.action === 'dynamodb:PutItem')!.resource;
          const sealingKey = model.variables.DATA_KEY_ID!;
          const sealed = (stream: string) => ({ 'kms:EncryptionContextKeys': ['wardflow:stream', 'wardflow:version'], 'kms:EncryptionContext:wardflow:stream': stream, 'kms:EncryptionContext:wardflow:version': '3' });
          // What the function does with streams of each platform kind, as IAM sees it.
          const requestsOn = (kind: 'execution' | 'approval', stream: string) => [
            ...(kind === 'execution' || access.append.includes(kind) ? [{ action: 'dynamodb:PutItem', resource: table, context: { 'dynamodb:LeadingKeys': [stream] } }] : []),
            ...(kind === 'execution' || access.append.includes(kind) || access.read.includes(kind) ? [{ action: 'dynamodb:Query', resource: table, context: { 'dynamodb:LeadingKeys': [stream] } }] : []),
            ...(access.seal.includes(kind) ? [{ action: 'kms:GenerateDataKey', resource: sealingKey, context: sealed(stream) }] : []),
            ...(access.open.includes(kind) ? [{ action: 'kms:Decrypt', resource: sealingKey, context: sealed(stream) }] : []),
          ];
          const streams = (workflow: string) => ({ execution: `execution#${workflow}:run-1`, approval: `approval#${workflow}:run-1-1` });
          for (const kind of ['execution', 'approval'] as const) {
            for (const request of requestsOn(kind, streams(own.name)[kind])) {
              expect(await world.decide({ roleId: model.roleId }, request), `${environment.name} ${model.fn.name}: ${request.action} on its own workflow's ${JSON.stringify(request.context)}`).toBe('Allowed');
            }
            // Another workflow's execution of the same name, and an unqualified stream (written before ids were qualified).
            const foreign = [...others(own.name).map((other) => streams(other.name)[kind]), kind === 'execution' ? 'execution#run-1' : 'approval#run-1-1'];
            for (const stream of foreign) {
              for (const request of requestsOn(kind, stream)) {
                expect(await world.decide({ roleId: model.roleId }, request), `${environment.name} ${model.fn.name}: ${request.action} on a stream not its workflow's ${JSON.stringify(request.context)}`).not.toBe('Allowed');
                checked += 1;
              }
            }
          }
        }
      }
      // Every function appends to and reads its execution streams: a suite that checked nothing is broken.
      expect(checked).toBeGreaterThan(0);
    });
  });
}
