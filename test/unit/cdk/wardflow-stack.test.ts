import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { invoiceApproval } from '../../../statemachines/invoice-approval/workflow.js';
import { WORKFLOWS } from '../../../statemachines/index.js';
import { CDK_CONTEXT, devAndProdTemplates, environmentOf, statementsOf, variablesOf, arnIn } from './synth.js';
import { STACK_CHECKS, WORKFLOW_CHECKS } from './workflow-expectations.js';

const environments = CDK_CONTEXT['wardflow:environments'] as Record<string, { auditRetentionDays: number }>;

let dev: Template;
let prod: Template;

beforeAll(() => {
  ({ dev, prod } = devAndProdTemplates());
});

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
const resourcesOf = (template: Template, type: string): Resources => template.findResources(type) as Resources;

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
            Principal: { Service: `logs.${environmentOf(env).config.region}.amazonaws.com` },
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
    // The other keys follow the environment's deletion protection, kept except over a rolled-back first create.
    template().hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({ Description: Match.stringLikeRegexp('events table') }),
      DeletionPolicy: isProd ? 'RetainExceptOnCreate' : 'Delete',
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
            'kms:EncryptionContext:SourceArn': arnIn(env, 'logs', '*'),
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

  // What the platform promises for every workflow it runs, derived from the registry (workflow-expectations.ts).
  const environment = environmentOf(env);
  for (const [title, check] of STACK_CHECKS) {
    it(title, () => check(template(), environment, WORKFLOWS));
  }

  describe.each(WORKFLOWS.map((workflow) => [workflow.name, workflow] as const))('workflow %s', (_name, workflow) => {
    for (const [title, check] of WORKFLOW_CHECKS) {
      it(title, () => check(template(), environment, workflow));
    }
  });

  // The derived checks hold whatever the declaration says; these pin what the invoice workflow declares.
  it('deploys the invoice workflow as declared: the model for extract-invoice, the payments key for pay-invoice, no policy in apply-policy, cdk.json’s approver groups at the gate', () => {
    const config = (CDK_CONTEXT['wardflow:environments'] as Record<string, { workflows: Record<string, { approverGroups: Record<string, string[]> }> }>)[env]!;
    expect(statementsOf(template(), 'invoice-approval-extract-invoice').map((s) => s.Sid)).toContain('InvokeAllowedModels');
    expect(variablesOf(template(), 'invoice-approval-pay-invoice')).toMatchObject({ PAYMENTS_SECRET_ID: { Ref: expect.stringMatching(/^InvoiceApprovalPaymentsApiKeySecret/) } });
    template().hasResourceProperties('AWS::SecretsManager::Secret', { Name: `wardflow/${env}/invoice-approval/payments-api-key` });
    // The amount threshold lives in the gate's policy alone: the vendor check gets none.
    expect(variablesOf(template(), 'invoice-approval-apply-policy').APPROVAL_POLICY).toBeUndefined();
    const gate = variablesOf(template(), 'invoice-approval-request-approval-approval');
    expect(JSON.parse(gate.APPROVER_GROUPS as string)).toEqual(config.workflows['invoice-approval']!.approverGroups);
    expect(gate.APPROVERS).toBeUndefined();
    // Without paymentsApiUrl in cdk.json, payments are recorded in the ledger only.
    expect(variablesOf(template(), 'invoice-approval-pay-invoice').PAYMENTS_API_URL).toBeUndefined();
    expect(Object.keys(invoiceApproval.gates ?? {})).toEqual(['approval']);
  });
});
