import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_FUNCTION_NAMES, AUDIT_ARCHIVER, CDK_CONTEXT, devAndProdTemplates, FUNCTION_NAMES, roleIdOfStep } from './synth.js';

/** The functions built by WorkflowStep: the workflow steps, the approval page and the execution-end recorder. */
const STEPS = FUNCTION_NAMES;
/** Every function of the stack: the steps, the approval page, the execution-end recorder and the audit archiver. */
const FUNCTIONS = ALL_FUNCTION_NAMES;
const environments = CDK_CONTEXT['wardflow:environments'] as Record<string, { auditRetentionDays: number }>;

/** The streams each step writes (PutItem) and reads (Query), as its handler does; execution is every step's own. */
const APPROVAL_WRITERS = ['apply-policy', 'request-approval', 'record-decision', 'record-outcome', 'approval-page'];
const APPROVAL_READERS = [...APPROVAL_WRITERS, 'pay-invoice'];

/**
 * The only actions any IAM policy of the stack may allow on Resource "*": X-Ray for every traced
 * function, and log delivery plus X-Ray for the state machine (none of them has resource-level permissions).
 * The cdk-nag IAM5[Resource::*] acknowledgements on those roles are justified by exactly these lists.
 */
const STEP_WILDCARD_ACTIONS = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
/** The archiver also lists the table's streams (dynamodb:ListStreams has no resource-level permission). */
const ARCHIVER_WILDCARD_ACTIONS = ['dynamodb:ListStreams', ...STEP_WILDCARD_ACTIONS];
const STATE_MACHINE_WILDCARD_ACTIONS = [
  'logs:CreateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:DescribeLogGroups',
  'logs:DescribeResourcePolicies',
  'logs:GetLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:UpdateLogDelivery',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'xray:PutTelemetryRecords',
  'xray:PutTraceSegments',
];

let dev: Template;
let prod: Template;

beforeAll(() => {
  ({ dev, prod } = devAndProdTemplates());
});

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
const resourcesOf = (template: Template, type: string): Resources => template.findResources(type) as Resources;

/** The Environment.Variables of the function whose description names the step. */
function variablesOf(template: Template, step: string): Record<string, unknown> {
  const fns = Object.values(resourcesOf(template, 'AWS::Lambda::Function')).filter((f) =>
    String(f.Properties.Description).endsWith(`: ${step}`),
  );
  expect(fns, `one function for ${step}`).toHaveLength(1);
  return (fns[0]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

/** Every statement of the inline policy attached to the role of one step. */
function statementsOf(template: Template, step: string): Array<Record<string, unknown>> {
  const fn = Object.values(resourcesOf(template, 'AWS::Lambda::Function')).find((f) =>
    String(f.Properties.Description).endsWith(`: ${step}`),
  )!;
  const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement);
}

const actionsOf = (statements: Array<Record<string, unknown>>): string[] =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();

describe.each([
  ['dev', () => dev],
  ['prod', () => prod],
] as const)('%s stack', (env, template) => {
  const isProd = env === 'prod';

  it('has eight customer-managed keys with a per-environment alias, rotation on for every encryption key', () => {
    template().resourceCountIs('AWS::KMS::Key', 8);
    const keys = Object.entries(resourcesOf(template(), 'AWS::KMS::Key'));
    const encryptionKeys = keys.filter(([, key]) => key.Properties.KeySpec === undefined);
    expect(encryptionKeys).toHaveLength(7);
    for (const [id, key] of encryptionKeys) expect(key.Properties.EnableKeyRotation, id).toBe(true);
    // The eighth is the HMAC key of approval links, which KMS cannot rotate (approval-site.test.ts).
    expect(keys.filter(([, key]) => key.Properties.KeySpec !== undefined).map(([id]) => id)).toEqual([
      expect.stringMatching(/^KeysApprovalLinkKey/),
    ]);
    for (const purpose of ['table', 'sealing', 'audit', 'logs', 'state-machine', 'secrets', 'messaging', 'approval-links']) {
      template().hasResourceProperties('AWS::KMS::Alias', { AliasName: `alias/wardflow/${env}/${purpose}` });
    }
  });

  it('lets CloudWatch Logs use the logs key only for log groups of this account and region', () => {
    template().hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it('keeps the audit key in every environment, since the archive it encrypts is always retained', () => {
    const auditKeys = Object.entries(template().findResources('AWS::KMS::Key')).filter(([id]) => id.startsWith('KeysAuditKey'));
    expect(auditKeys).toHaveLength(1);
    expect(auditKeys[0]![1]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    // The other keys follow the environment's deletion protection.
    template().hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({ Description: Match.stringLikeRegexp('events table') }),
      DeletionPolicy: isProd ? 'Retain' : 'Delete',
    });
  });

  it('lets log delivery decrypt with the state machine key only data keys made for logs of this account and region, and no service on any key without a condition', () => {
    const keys = template().findResources('AWS::KMS::Key') as Record<string, { Properties: { KeyPolicy: { Statement: Array<Record<string, unknown>> } } }>;
    const [stateMachineKey] = Object.entries(keys).filter(([id]) => id.startsWith('KeysStateMachineKey'));
    expect(stateMachineKey).toBeDefined();
    const delivery = stateMachineKey![1].Properties.KeyPolicy.Statement.filter((st) => JSON.stringify(st.Principal).includes('delivery.logs'));
    expect(delivery).toEqual([
      expect.objectContaining({
        Action: 'kms:Decrypt',
        Condition: {
          // The context the state machine role's GenerateDataKey for logs is bound to (CDK's grant).
          ArnLike: {
            'kms:EncryptionContext:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':*']] },
          },
        },
      }),
    ]);
    for (const [id, key] of Object.entries(keys)) {
      for (const statement of key.Properties.KeyPolicy.Statement) {
        if (JSON.stringify(statement.Principal).includes('"Service"')) expect(statement.Condition, `${id} ${JSON.stringify(statement.Principal)}`).toBeDefined();
      }
    }
    // The logs key no longer serves the state machine, so log delivery has no business with it.
    const logsKey = Object.entries(keys).find(([id]) => id.startsWith('KeysLogsKey'))![1];
    expect(JSON.stringify(logsKey.Properties.KeyPolicy)).not.toContain('delivery.logs');
  });

  it('stores events in a table keyed by stream and version, encrypted with its CMK, with PITR and a NEW_IMAGE stream', () => {
    template().resourceCountIs('AWS::DynamoDB::Table', 1);
    template().hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'stream', KeyType: 'HASH' },
        { AttributeName: 'version', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'stream', AttributeType: 'S' },
        { AttributeName: 'version', AttributeType: 'N' },
      ]),
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KeysTableKey'), 'Arn'] } },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      DeletionProtectionEnabled: isProd,
    });
    template().hasResource('AWS::DynamoDB::Table', { DeletionPolicy: isProd ? 'Retain' : 'Delete' });
  });

  it('archives to a bucket with Object Lock COMPLIANCE for the configured days, KMS, no public access and access logs', () => {
    template().hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: environments[env]!.auditRetentionDays } },
      },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KeysAuditKey'), 'Arn'] },
            },
          },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^AuditAccessLogs') } },
    });
    // Access logs say who read or wrote the archive: they live as long as the archive does.
    template().hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: environments[env]!.auditRetentionDays })] },
    });
    template().hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({ ObjectLockEnabled: true }),
      DeletionPolicy: 'Retain',
    });
  });

  it('keeps access logs in an SSE-S3 bucket (server access logging cannot write to SSE-KMS)', () => {
    template().hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicAcls: true, RestrictPublicBuckets: true }),
    });
  });

  it('denies every non-TLS request on both buckets', () => {
    const policies = resourcesOf(template(), 'AWS::S3::BucketPolicy');
    expect(Object.keys(policies)).toHaveLength(2);
    for (const policy of Object.values(policies)) {
      expect(policy.Properties.PolicyDocument).toMatchObject({
        Statement: expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      });
    }
  });

  it('runs one nodejs22.x arm64 traced function per step and the archiver, each with its own role and no managed policies', () => {
    const fns = Object.values(resourcesOf(template(), 'AWS::Lambda::Function'));
    expect(fns).toHaveLength(FUNCTIONS.length);
    for (const fn of fns) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Handler: 'index.handler',
        LoggingConfig: { LogGroup: { Ref: expect.stringMatching(/Logs/) } },
      });
    }
    const roles = fns.map((fn) => JSON.stringify(fn.Properties.Role));
    expect(new Set(roles).size).toBe(FUNCTIONS.length);
    for (const role of Object.values(resourcesOf(template(), 'AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
    for (const step of STEPS) {
      expect(variablesOf(template(), step)).toMatchObject({
        WARDFLOW_ENV: env,
        EVENTS_TABLE: { Ref: expect.stringMatching(/^EventsTable/) },
        DATA_KEY_ID: { 'Fn::GetAtt': [expect.stringMatching(/^KeysSealingKey/), 'Arn'] },
        SECRETS_CACHE_SECONDS: expect.stringMatching(/^\d+$/),
        DATA_KEY_CACHE_SECONDS: expect.stringMatching(/^\d+$/),
        LOG_LEVEL: expect.stringMatching(/^(DEBUG|INFO|WARN|ERROR)$/),
        POWERTOOLS_SERVICE_NAME: 'wardflow',
      });
    }
  });

  it('gives every log group the logs key and a retention', () => {
    const groups = Object.values(resourcesOf(template(), 'AWS::Logs::LogGroup'));
    // One per function, the state machine's and the approval site's access logs.
    expect(groups).toHaveLength(FUNCTIONS.length + 2);
    for (const group of groups) {
      expect(group.Properties).toMatchObject({
        KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^KeysLogsKey/), 'Arn'] },
        RetentionInDays: expect.any(Number),
      });
    }
  });

  it('lets each step append to and read only the kinds of stream it uses (dynamodb:LeadingKeys), never ConditionCheckItem', () => {
    for (const step of STEPS) {
      const statements = statementsOf(template(), step);
      const onTable = statements.filter((s) => JSON.stringify(s.Resource).includes('EventsTable'));
      expect(onTable.map((s) => s.Sid).sort(), step).toEqual(['AppendEvents', 'ReadEvents']);
      const writes = ['execution#*', ...(APPROVAL_WRITERS.includes(step) ? ['approval#*'] : [])];
      const reads = ['execution#*', ...(APPROVAL_READERS.includes(step) ? ['approval#*'] : [])];
      const leadingKeys = (streams: string[]) => ({
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': streams },
        Null: { 'dynamodb:LeadingKeys': 'false' },
      });
      expect(onTable.find((s) => s.Sid === 'AppendEvents'), step).toEqual({
        Sid: 'AppendEvents',
        Effect: 'Allow',
        Action: 'dynamodb:PutItem',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^EventsTable/), 'Arn'] },
        Condition: leadingKeys(writes),
      });
      expect(onTable.find((s) => s.Sid === 'ReadEvents'), step).toEqual({
        Sid: 'ReadEvents',
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^EventsTable/), 'Arn'] },
        Condition: leadingKeys(reads),
      });
      expect(actionsOf(statements), step).not.toContain('dynamodb:ConditionCheckItem');
    }
  });

  it('grants every step only its own logs, the event store and the sealing key, by named actions', () => {
    for (const step of STEPS) {
      const statements = statementsOf(template(), step);
      const sid = (id: string) => statements.find((s) => s.Sid === id);
      expect(sid('WriteOwnLogs')).toMatchObject({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'] });
      expect(sid('AppendEvents')).toMatchObject({
        Action: 'dynamodb:PutItem',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^EventsTable/), 'Arn'] },
      });
      expect(sid('ReadEvents')).toMatchObject({
        Action: 'dynamodb:Query',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^EventsTable/), 'Arn'] },
      });
      expect(sid('UseTableKeyThroughDynamoDB')).toMatchObject({
        Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        Condition: { StringEquals: { 'kms:ViaService': expect.anything() } },
      });
      // Sealing (GenerateDataKey) and opening (Decrypt) only where the step declares it, only with the
      // sealer's encryption context; test/unit/cdk/sealing-key-context.test.ts has the per-step details.
      for (const [id, action] of [['SealEventFields', 'kms:GenerateDataKey'], ['OpenSealedFields', 'kms:Decrypt']] as const) {
        const statement = sid(id);
        if (statement === undefined) continue;
        expect(statement).toMatchObject({
          Action: action,
          Condition: {
            'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['wardflow:stream', 'wardflow:version'] },
            Null: { 'kms:EncryptionContextKeys': 'false', 'kms:EncryptionContext:wardflow:version': 'false' },
            StringLike: { 'kms:EncryptionContext:wardflow:stream': expect.any(Array) },
          },
        });
      }
      // Nothing but named actions: no service-wide wildcard anywhere.
      expect(actionsOf(statements).filter((a) => a.includes('*'))).toEqual([]);
    }
  });

  it('grants extras only where declared: models, the payments secret, task responses, approval email', () => {
    const extrasOf = (step: string) =>
      actionsOf(statementsOf(template(), step)).filter((a) => !/^(logs|dynamodb|kms|xray):/.test(a));
    expect(extrasOf('extract-invoice')).toEqual(['bedrock:InvokeModel']);
    expect(extrasOf('pay-invoice')).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    // It also asks whether the execution still runs before deciding (approval-site.test.ts pins the resource).
    expect(extrasOf('record-decision')).toEqual(['states:DescribeExecution', 'states:SendTaskFailure', 'states:SendTaskHeartbeat', 'states:SendTaskSuccess']);
    // A retried gate that finds the approval decided delivers that decision: success or failure, nothing else.
    // It also emails the signed links (approval-site.test.ts has the SES scoping).
    expect(extrasOf('request-approval')).toEqual(['ses:SendEmail', 'states:SendTaskFailure', 'states:SendTaskSuccess']);
    // The approval page asks whether the execution still runs, then resumes the gate: no heartbeat, no email.
    expect(extrasOf('approval-page')).toEqual(['states:DescribeExecution', 'states:SendTaskFailure', 'states:SendTaskSuccess']);
    // The execution-end recorder sends what it cannot record to its dead-letter queue (execution-end-recorder.test.ts pins it).
    expect(extrasOf('record-execution-end')).toEqual(['sqs:SendMessage']);
    for (const step of ['record-start', 'check-grounding', 'apply-policy', 'record-outcome']) {
      expect(extrasOf(step), step).toEqual([]);
    }
    const models = statementsOf(template(), 'extract-invoice').find((s) => s.Sid === 'InvokeAllowedModels')!;
    const modelArns = JSON.stringify(models.Resource);
    const allowed = (CDK_CONTEXT['wardflow:environments'] as Record<string, { allowedModels: string[] }>)[env]!.allowedModels;
    for (const model of allowed) expect(modelArns).toContain(`::foundation-model/${model}`);
    expect(modelArns).not.toContain('*');
  });

  it('grants request-approval task responses on the state machine by its ARN, without referencing the state machine (no cycle)', () => {
    const deliver = statementsOf(template(), 'request-approval').find((s) => s.Sid === 'DeliverRecordedDecision')!;
    expect(deliver.Resource).toEqual({
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':states:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:stateMachine:wardflow-${env}-invoice-approval`],
      ],
    });
    const [machineId] = Object.keys(template().findResources('AWS::StepFunctions::StateMachine'));
    expect(JSON.stringify(statementsOf(template(), 'request-approval'))).not.toContain(machineId!);
    // record-decision is not invoked by the state machine, so it keeps CDK's grant on the state machine itself.
    const recordDecisionStates = statementsOf(template(), 'record-decision').find((s) => actionsOf([s]).includes('states:SendTaskSuccess'))!;
    expect(recordDecisionStates.Resource).toEqual({ Ref: machineId });
  });

  it('allows Resource "*" in IAM policies only for the actions with no resource-level permissions', () => {
    const stepRoles = new Set(STEPS.map((step) => roleIdOfStep(template(), step)));
    const archiverRole = roleIdOfStep(template(), AUDIT_ARCHIVER);
    const machine = Object.values(resourcesOf(template(), 'AWS::StepFunctions::StateMachine'))[0]!;
    const machineRole = (machine.Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const policies = Object.entries(resourcesOf(template(), 'AWS::IAM::Policy'));
    expect(resourcesOf(template(), 'AWS::IAM::ManagedPolicy')).toEqual({});
    for (const role of Object.values(resourcesOf(template(), 'AWS::IAM::Role'))) expect(role.Properties.Policies).toBeUndefined();
    let wildcards = 0;
    for (const [policyId, policy] of policies) {
      const roles = (policy.Properties.Roles as Array<{ Ref: string }>).map((r) => r.Ref);
      for (const statement of (policy.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement) {
        const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
        if (!resources.includes('*')) continue;
        wildcards += 1;
        expect(resources, policyId).toEqual(['*']);
        const allowed = roles.every((r) => stepRoles.has(r))
          ? STEP_WILDCARD_ACTIONS
          : roles.every((r) => r === machineRole)
            ? STATE_MACHINE_WILDCARD_ACTIONS
            : roles.every((r) => r === archiverRole)
              ? ARCHIVER_WILDCARD_ACTIONS
              : [];
        for (const action of actionsOf([statement])) expect(allowed, `${policyId} ${action}`).toContain(action);
      }
    }
    expect(wildcards).toBeGreaterThan(0);
  });

  it('hands each step its extra configuration', () => {
    const config = (CDK_CONTEXT['wardflow:environments'] as Record<string, Record<string, unknown>>)[env]!;
    expect(variablesOf(template(), 'extract-invoice')).toMatchObject({
      MODEL_PROVIDER: 'bedrock',
      MODEL_ID: config.modelId,
      ALLOWED_MODELS: (config.allowedModels as string[]).join(','),
    });
    const policy = variablesOf(template(), 'apply-policy').APPROVAL_POLICY;
    expect(typeof policy).toBe('string');
    expect(() => JSON.parse(policy as string)).not.toThrow();
    expect(variablesOf(template(), 'request-approval')).toMatchObject({
      APPROVER_EMAIL: config.approverEmail,
      APPROVAL_TIMEOUT_SECONDS: String((config.approvalTimeoutHours as number) * 3600),
    });
    expect(variablesOf(template(), 'pay-invoice')).toMatchObject({ PAYMENTS_SECRET_ID: { Ref: expect.stringMatching(/^PaymentsApiKey/) } });
  });

  it('keeps the payments API key under wardflow/<env>/ encrypted with the secrets key', () => {
    template().hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: `wardflow/${env}/payments-api-key`,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KeysSecretsKey'), 'Arn'] },
      GenerateSecretString: Match.objectLike({ ExcludePunctuation: true }),
    });
  });

  it('runs the invoice workflow as a STANDARD, traced, CMK-encrypted state machine that logs ALL without execution data', () => {
    template().resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template().hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: `wardflow-${env}-invoice-approval`,
      StateMachineType: 'STANDARD',
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InvoiceApprovalLogs'), 'Arn'] } } }],
      },
      TracingConfiguration: { Enabled: true },
      EncryptionConfiguration: {
        Type: 'CUSTOMER_MANAGED_KMS_KEY',
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KeysStateMachineKey'), 'Arn'] },
      },
    });
  });
});
