import { type Simulation, runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import type { Template } from 'aws-cdk-lib/assertions';
import type { NamedEnvironment } from '../../../lib/config/environments.js';
import { type PolicyStatementJson, resourcesOf, statementsOfRole } from '../cdk/synth.js';
import { TemplateArns } from './template-arns.js';

/** One request to evaluate: who asks, for what, on what, with which request context. */
export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | string[]>>;
}

/** What IAM answers. */
export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

type PolicyDocument = { Version: string; Statement: PolicyStatementJson[] };

/**
 * The task-token actions have no resource type in the Service Authorization Reference, which
 * iam-simulate follows ("must use wildcard"). AWS nevertheless authorizes them against the state
 * machine the token belongs to (its AccessDenied names `...:stateMachine:<name>`, and
 * aws-cdk's grantTaskResponse grants on the state machine, tested against AWS in aws-cdk#8486),
 * so they are evaluated against the state machine's ARN.
 */
const TASK_TOKEN_ACTIONS = new Set(['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat']);

/**
 * iam-simulate's validation drops a `kms:EncryptionContext:<key>` whose key has a colon
 * (`wardflow:stream`, `aws:s3:arn`): it matches variable keys by a `/` only. Such requests are
 * evaluated without that validation (runUnsafeSimulation); every policy is still validated by the
 * checked path (`validateRole`).
 */
const needsUnsafe = (request: IamRequest): boolean =>
  TASK_TOKEN_ACTIONS.has(request.action) || Object.keys(request.context ?? {}).some((key) => /^kms:EncryptionContext:.*:/.test(key));

/**
 * The policies of one synthesized environment as IAM would see them once deployed: every role's
 * identity policies and every resource policy (KMS key policies, bucket, topic and queue policies),
 * with CloudFormation intrinsics resolved to the environment's account and region.
 */
export class PolicyWorld {
  readonly arns: TemplateArns;
  readonly environment: NamedEnvironment;
  private readonly template: Template;
  /** Resource ARN (or object ARN prefix `<bucket arn>/`) → its resource policy. */
  private readonly resourcePolicies = new Map<string, PolicyDocument>();

  constructor(template: Template, environment: NamedEnvironment) {
    this.template = template;
    this.environment = environment;
    this.arns = new TemplateArns(template, environment);
    for (const [id, key] of Object.entries(resourcesOf(template, 'AWS::KMS::Key'))) {
      this.resourcePolicies.set(this.arns.string({ 'Fn::GetAtt': [id, 'Arn'] }), this.arns.resolve(key.Properties.KeyPolicy) as PolicyDocument);
    }
    for (const policy of Object.values(resourcesOf(template, 'AWS::S3::BucketPolicy'))) {
      const bucket = `arn:aws:s3:::${this.arns.string(policy.Properties.Bucket)}`;
      const document = this.arns.resolve(policy.Properties.PolicyDocument) as PolicyDocument;
      this.resourcePolicies.set(bucket, document);
      this.resourcePolicies.set(`${bucket}/`, document);
    }
    for (const policy of Object.values(resourcesOf(template, 'AWS::SNS::TopicPolicy'))) {
      for (const topic of policy.Properties.Topics as unknown[]) {
        this.resourcePolicies.set(this.arns.string(topic), this.arns.resolve(policy.Properties.PolicyDocument) as PolicyDocument);
      }
    }
    for (const policy of Object.values(resourcesOf(template, 'AWS::SQS::QueuePolicy'))) {
      for (const queue of policy.Properties.Queues as unknown[]) {
        const url = this.arns.string(queue);
        const [, , , account, name] = url.split('/');
        this.resourcePolicies.set(`arn:aws:sqs:${this.arns.region}:${account}:${name}`, this.arns.resolve(policy.Properties.PolicyDocument) as PolicyDocument);
      }
    }
  }

  /** The ARN of the role with this logical id. */
  roleArn(roleId: string): string {
    return this.arns.string({ 'Fn::GetAtt': [roleId, 'Arn'] });
  }

  /** Every identity statement of a role, resolved: its attached AWS::IAM::Policy documents and inline policies. */
  identityStatements(roleId: string): PolicyStatementJson[] {
    const role = resourcesOf(this.template, 'AWS::IAM::Role')[roleId];
    if (role === undefined) throw new Error(`test setup: no role ${roleId}`);
    if (role.Properties.ManagedPolicyArns !== undefined) throw new Error(`role ${roleId} has managed policies, which this suite cannot read`);
    const inline = ((role.Properties.Policies as { PolicyDocument: PolicyDocument }[] | undefined) ?? []).flatMap((p) => p.PolicyDocument.Statement);
    return this.arns.resolve([...statementsOfRole(this.template, roleId), ...inline]) as PolicyStatementJson[];
  }

  /** The resource policy that governs `resource`, if the template has one. */
  resourcePolicyOf(resource: string): PolicyDocument | undefined {
    const exact = this.resourcePolicies.get(resource);
    if (exact !== undefined) return exact;
    for (const [prefix, policy] of this.resourcePolicies) if (prefix.endsWith('/') && resource.startsWith(prefix)) return policy;
    return undefined;
  }

  private simulation(principal: string, identity: PolicyStatementJson[], request: IamRequest): Simulation {
    return {
      request: {
        principal,
        action: request.action,
        resource: { resource: request.resource, accountId: accountOf(request.resource) ?? this.arns.account },
        // Every AWS SDK call is over TLS; the bucket, queue and topic policies deny anything else.
        contextVariables: { 'aws:SecureTransport': 'true', ...request.context },
      },
      identityPolicies: identity.length === 0 ? [] : [{ name: 'identity', policy: { Version: '2012-10-17', Statement: identity } }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: this.resourcePolicyOf(request.resource),
    };
  }

  /**
   * What IAM decides for `request` made by the principal (a role's logical id, or a service
   * principal such as `cloudwatch.amazonaws.com`, which has no identity policies).
   */
  async decide(principal: { roleId: string } | { service: string } | { identity: PolicyStatementJson[]; arn: string }, request: IamRequest): Promise<Decision> {
    const [arn, identity] =
      'roleId' in principal
        ? [this.roleArn(principal.roleId), this.identityStatements(principal.roleId)]
        : 'service' in principal
          ? [principal.service, []]
          : [principal.arn, principal.identity];
    const simulation = this.simulation(arn, identity, request);
    if (needsUnsafe(request)) {
      const resourcePolicy = simulation.resourcePolicy === undefined ? undefined : { __validated: true, policyDocument: simulation.resourcePolicy, metadata: { name: 'resource' } };
      // runUnsafeSimulation loads the resource policy without a name and then reads it; handing it
      // already "validated" (iam-policy's ValidatedPolicy shape) gives it one.
      return runUnsafeSimulation({ ...simulation, resourcePolicy }, {}) as Decision;
    }
    const result = await runSimulation(simulation, {});
    if (result.resultType === 'error') throw new Error(`iam-simulate refused ${request.action} on ${request.resource}: ${JSON.stringify(result.errors)}`);
    return result.overallResult as Decision;
  }

  /** Throws unless iam-simulate accepts every identity statement of the role and the resource policy of `probe`. */
  async validateRole(roleId: string, probe: IamRequest): Promise<void> {
    const result = await runSimulation(this.simulation(this.roleArn(roleId), this.identityStatements(roleId), probe), {});
    if (result.resultType === 'error') throw new Error(`iam-simulate refused the policies of ${roleId}: ${JSON.stringify(result.errors)}`);
  }
}

/** The account of an ARN, if it names one (S3 and Bedrock foundation-model ARNs do not). */
function accountOf(arn: string): string | undefined {
  const account = arn.split(':')[4];
  return account === undefined || account === '' ? undefined : account;
}

/**
 * Whether an IAM resource pattern (`*` and `?` wildcards) matches a concrete ARN.
 *
 * @example
 * arnMatches('arn:aws:s3:::b/events/*', 'arn:aws:s3:::b/events/x.json'); // true
 */
export function arnMatches(pattern: string, arn: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`);
  return regex.test(arn);
}
