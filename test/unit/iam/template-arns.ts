import type { Template } from 'aws-cdk-lib/assertions';
import type { NamedEnvironment } from '../../../lib/config/environments.js';

/**
 * Resolves the CloudFormation intrinsics of a synthesized template (Ref, Fn::GetAtt, Fn::Join,
 * Fn::Select, Fn::Split and the pseudo parameters) to the plausible concrete values CloudFormation
 * would give them in the environment's pinned account and region, so policies can be evaluated
 * as IAM sees them. Physical names come from the resource's own name property where it has one,
 * else from its logical id (as CloudFormation derives generated names). An intrinsic or attribute
 * it does not know throws: a policy the resolver cannot read must fail the suite, not pass it.
 */
export class TemplateArns {
  readonly account: string;
  readonly region: string;
  private readonly resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;

  constructor(template: Template, environment: NamedEnvironment) {
    this.account = environment.config.account;
    this.region = environment.config.region;
    this.resources = template.toJSON().Resources as typeof this.resources;
  }

  /** `value` with every intrinsic replaced by its concrete value. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [key, argument] = entries[0]!;
      if (key === 'Ref') return this.ref(argument as string);
      if (key === 'Fn::GetAtt') {
        const [id, attribute] = (typeof argument === 'string' ? argument.split('.') : argument) as [string, string];
        return this.getAtt(id, attribute);
      }
      if (key === 'Fn::Join') {
        const [separator, parts] = argument as [string, unknown[]];
        return (this.resolve(parts) as unknown[]).map((p) => this.text(p)).join(separator);
      }
      if (key === 'Fn::Select') {
        const [index, list] = argument as [number | string, unknown];
        return (this.resolve(list) as unknown[])[Number(index)];
      }
      if (key === 'Fn::Split') {
        const [separator, text] = argument as [string, unknown];
        return this.text(this.resolve(text)).split(separator);
      }
      if (key.startsWith('Fn::') || key === 'Condition') throw new Error(`template-arns: ${key} is not resolved; teach the resolver`);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(v)]));
  }

  /** A resolved value as a string, or an error naming it. */
  text(value: unknown): string {
    if (typeof value !== 'string') throw new Error(`template-arns: expected a string, got ${JSON.stringify(value)}`);
    return value;
  }

  /** The resolved string of an intrinsic. */
  string(value: unknown): string {
    return this.text(this.resolve(value));
  }

  private arn(service: string, rest: string, region = this.region, account = this.account): string {
    return `arn:aws:${service}:${region}:${account}:${rest}`;
  }

  private resource(id: string): { Type: string; Properties: Record<string, unknown> } {
    const found = this.resources[id];
    if (found === undefined) throw new Error(`template-arns: no resource ${id}`);
    return { Type: found.Type, Properties: found.Properties ?? {} };
  }

  /** The resource's own name property, resolved, or a name derived from its logical id. */
  private nameOf(id: string, property: string, lowerCase = false): string {
    const named = this.resource(id).Properties[property];
    if (named !== undefined) return this.string(named);
    return lowerCase ? id.toLowerCase() : id;
  }

  private ref(id: string): string {
    switch (id) {
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::Region':
        return this.region;
      case 'AWS::AccountId':
        return this.account;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
    }
    const { Type } = this.resource(id);
    switch (Type) {
      case 'AWS::DynamoDB::Table':
        return this.nameOf(id, 'TableName');
      case 'AWS::KMS::Key':
        return keyIdOf(id);
      case 'AWS::S3::Bucket':
        return this.nameOf(id, 'BucketName', true);
      case 'AWS::SecretsManager::Secret':
        // Secrets Manager appends a dash and six random characters to the name.
        return this.arn('secretsmanager', `secret:${this.nameOf(id, 'Name')}-AbCdEf`);
      case 'AWS::StepFunctions::StateMachine':
        return this.arn('states', `stateMachine:${this.nameOf(id, 'StateMachineName')}`);
      case 'AWS::SNS::Topic':
        return this.arn('sns', this.nameOf(id, 'TopicName'));
      case 'AWS::SQS::Queue':
        return `https://sqs.${this.region}.amazonaws.com/${this.account}/${this.nameOf(id, 'QueueName')}`;
      case 'AWS::ApiGatewayV2::Api':
        return id.toLowerCase().slice(0, 10);
      case 'AWS::Lambda::Function':
      case 'AWS::IAM::Role':
      case 'AWS::Logs::LogGroup':
      case 'AWS::Events::Rule':
        return this.nameOf(id, Type === 'AWS::Lambda::Function' ? 'FunctionName' : Type === 'AWS::IAM::Role' ? 'RoleName' : Type === 'AWS::Logs::LogGroup' ? 'LogGroupName' : 'Name');
    }
    throw new Error(`template-arns: Ref of ${Type} (${id}) is not resolved; teach the resolver`);
  }

  private getAtt(id: string, attribute: string): string {
    const { Type } = this.resource(id);
    const key = `${Type}.${attribute}`;
    switch (key) {
      case 'AWS::DynamoDB::Table.Arn':
        return this.arn('dynamodb', `table/${this.ref(id)}`);
      case 'AWS::DynamoDB::Table.StreamArn':
        return this.arn('dynamodb', `table/${this.ref(id)}/stream/2024-01-01T00:00:00.000`);
      case 'AWS::KMS::Key.Arn':
        return this.arn('kms', `key/${keyIdOf(id)}`);
      case 'AWS::S3::Bucket.Arn':
        return `arn:aws:s3:::${this.ref(id)}`;
      case 'AWS::StepFunctions::StateMachine.Name':
        return this.nameOf(id, 'StateMachineName');
      case 'AWS::StepFunctions::StateMachine.Arn':
        return this.ref(id);
      case 'AWS::Logs::LogGroup.Arn':
        return this.arn('logs', `log-group:${this.ref(id)}:*`);
      case 'AWS::SQS::Queue.Arn':
        return this.arn('sqs', this.nameOf(id, 'QueueName'));
      case 'AWS::SNS::Topic.TopicArn':
        return this.ref(id);
      case 'AWS::IAM::Role.Arn':
        return `arn:aws:iam::${this.account}:role/${this.ref(id)}`;
      case 'AWS::Lambda::Function.Arn':
        return this.arn('lambda', `function:${this.ref(id)}`);
      case 'AWS::Events::Rule.Arn':
        return this.arn('events', `rule/${this.ref(id)}`);
      case 'AWS::Bedrock::Guardrail.GuardrailId':
        return guardrailIdOf(id);
      case 'AWS::Bedrock::Guardrail.GuardrailArn':
        return this.arn('bedrock', `guardrail/${guardrailIdOf(id)}`);
      case 'AWS::Bedrock::GuardrailVersion.Version':
        // CloudFormation creates a guardrail's versions in order; the first is 1.
        return '1';
      case 'AWS::ApiGatewayV2::Api.ApiEndpoint':
        return `https://${this.ref(id)}.execute-api.${this.region}.amazonaws.com`;
    }
    throw new Error(`template-arns: Fn::GetAtt ${key} (${id}) is not resolved; teach the resolver`);
  }
}

/** A stable, plausible guardrail id for a guardrail's logical id (Bedrock's are 12 lower-case letters and digits). */
function guardrailIdOf(logicalId: string): string {
  return keyIdOf(logicalId).replaceAll('-', '').slice(0, 12);
}

/** A stable, plausible key id for a key's logical id (KMS key ids are UUIDs). */
function keyIdOf(logicalId: string): string {
  let hash = 0;
  for (const char of logicalId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  const hex = hash.toString(16).padStart(8, '0');
  return `${hex}-0000-4000-8000-${hex}${hex.slice(0, 4)}`;
}
