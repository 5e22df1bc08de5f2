import { describe, expect, it } from 'vitest';
import { fromTemplate } from '../../../lib/local/runtime/app/definitions.js';
import { localFunctionEnvironment } from '../../../lib/local/runtime/lambda/handler-environment.js';

/** The archiver and its event source mapping as CDK writes them (Ref for the function, GetAtt for the stream). */
function template(mapping: Record<string, unknown>) {
  return {
    Resources: {
      EventsTable: { Type: 'AWS::DynamoDB::Table', Properties: {} },
      ArchiverFn: {
        Type: 'AWS::Lambda::Function',
        Metadata: { 'wardflow:handler': 'audit-archiver' },
        Properties: {
          Timeout: 60,
          Environment: { Variables: { AUDIT_BUCKET: { Ref: 'AuditBucket' }, AUDIT_KMS_KEY_ID: { 'Fn::GetAtt': ['AuditKey', 'Arn'] }, LOG_LEVEL: 'INFO' } },
        },
      },
      Mapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          FunctionName: { Ref: 'ArchiverFn' },
          EventSourceArn: { 'Fn::GetAtt': ['EventsTable', 'StreamArn'] },
          StartingPosition: 'TRIM_HORIZON',
          ...mapping,
        },
      },
    },
  };
}

describe('fromTemplate: the event source mapping on the events table stream', () => {
  it('returns its settings with the archiver', () => {
    const app = fromTemplate(
      template({
        BatchSize: 50,
        MaximumRetryAttempts: 4,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['DeadLetters', 'Arn'] } } },
      }),
      'local',
      'us-east-1',
    );
    expect(app.functions).toEqual([
      {
        handler: 'audit-archiver',
        name: 'audit-archiver',
        arn: 'arn:aws:lambda:us-east-1:000000000000:function:wardflow-local-audit-archiver',
        timeoutSeconds: 60,
        literalEnvironment: { LOG_LEVEL: 'INFO' },
        resolvedEnvironment: {},
        referencedEnvironment: ['AUDIT_BUCKET', 'AUDIT_KMS_KEY_ID'],
        tableStream: {
          table: 'EventsTable',
          batchSize: 50,
          maximumRetryAttempts: 4,
          bisectBatchOnFunctionError: true,
          reportBatchItemFailures: true,
          onFailureDestination: true,
        },
      },
    ]);
  });

  it("takes AWS's defaults for settings the template leaves out", () => {
    const [archiver] = fromTemplate(template({}), 'local', 'us-east-1').functions;
    expect(archiver?.tableStream).toEqual({
      table: 'EventsTable',
      batchSize: 100,
      maximumRetryAttempts: -1,
      bisectBatchOnFunctionError: false,
      reportBatchItemFailures: false,
      onFailureDestination: false,
    });
  });

  it('refuses a setting that is not a literal, naming the mapping and the property', () => {
    expect(() => fromTemplate(template({ BatchSize: { Ref: 'Size' } }), 'local', 'us-east-1')).toThrow(/event source mapping Mapping: BatchSize is not a literal/);
  });

  it('refuses a mapping that feeds a function the runtime does not run', () => {
    expect(() => fromTemplate(template({ FunctionName: { Ref: 'SomethingElse' } }), 'local', 'us-east-1')).toThrow(/Mapping feeds .*not a wardflow function/);
  });
});

describe('localFunctionEnvironment: the archiver', () => {
  const resources = {
    region: 'us-east-1',
    eventsTable: 'wardflow-local-events',
    sealingKeyArn: 'arn:seal',
    linkKeyArn: 'arn:link',
    approvalSiteUrl: 'http://127.0.0.1:7700',
    paymentsSecretId: 'wardflow/local/payments-api-key',
    auditBucket: 'wardflow-local-audit',
    endpoints: { dynamodb: 'http://d', s3: 'http://s', sesv2: 'http://e', aws: 'http://a' },
  };

  it('gets the local audit bucket and no KMS key (s3rver does not encrypt)', () => {
    const [archiver] = fromTemplate(template({}), 'local', 'us-east-1').functions;
    const environment = localFunctionEnvironment(archiver!, resources);
    expect(environment.AUDIT_BUCKET).toBe('wardflow-local-audit');
    expect(environment).not.toHaveProperty('AUDIT_KMS_KEY_ID');
    expect(environment.AWS_ENDPOINT_URL_S3).toBe('http://s');
  });
});
