import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WardflowApp } from '../../../lib/app.js';
import { synthWardflow } from './synth.js';

let wardflow: WardflowApp;

beforeAll(() => {
  wardflow = synthWardflow();
});

/** Every acknowledgement recorded with Validations.of(x).acknowledge(...) under a scope: [path, id, reason]. */
function acknowledgementsUnder(scope: IConstruct): Array<[string, string, string]> {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      .map(([id, reason]): [string, string, string] => [construct.node.path, id, reason]),
  );
}

describe('cdk-nag checks: AwsSolutions, Serverless, NIST 800-53 R5', () => {
  it('synthesizes a stage per environment', () => {
    expect(wardflow.stages.map((s) => s.node.id)).toEqual(['Dev', 'Prod']);
  });

  it('runs the three packs the issue names, as plugins of the app', () => {
    expect(wardflow.packs.map((pack) => pack.readPackName).sort()).toEqual(['AwsSolutions', 'NIST.800.53.R5', 'Serverless']);
  });

  it.each(['Dev', 'Prod'].flatMap((stage) => ['AwsSolutions', 'Serverless', 'NIST.800.53.R5'].map((pack) => [stage, pack])))('finds nothing unacknowledged in %s by %s', (stageId, packName) => {
    const stage = wardflow.stages.find((s) => s.node.id === stageId)!;
    const pack = wardflow.packs.find((p) => p.readPackName === packName)!;
    const report = pack.validateScope(stage);
    const findings = report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('still reports NIST and Serverless findings nobody acknowledged (those packs are live too)', async () => {
    const { Function, Runtime, Code } = await import('aws-cdk-lib/aws-lambda');
    const stage = wardflow.stages[0]!;
    new Function(stage.stack, 'UncheckedFunctionForThisTest', { runtime: Runtime.NODEJS_20_X, handler: 'index.handler', code: Code.fromInline('exports.handler = async () => {}') });
    const ruleNames = (name: string) => wardflow.packs.find((p) => p.readPackName === name)!.validateScope(stage).violations.map((v) => v.ruleName);
    expect(ruleNames('Serverless')).toEqual(expect.arrayContaining(['Serverless-LambdaDLQ', 'Serverless-LambdaLatestVersion']));
    expect(ruleNames('NIST.800.53.R5')).toEqual(expect.arrayContaining(['NIST.800.53.R5-LambdaDLQ']));
    stage.stack.node.tryRemoveChild('UncheckedFunctionForThisTest');
  });

  it('still reports a finding nobody acknowledged (the check is live)', async () => {
    const { Bucket } = await import('aws-cdk-lib/aws-s3');
    const stage = wardflow.stages[0]!;
    new Bucket(stage.stack, 'UnloggedBucketForThisTest');
    const ids = wardflow.nag.validateScope(stage).violations.map((v) => v.ruleName);
    expect(ids).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']));
    stage.stack.node.tryRemoveChild('UnloggedBucketForThisTest');
  });

  it('is registered on the app, so a real synth of a stage fails on a new finding', async () => {
    const { Bucket } = await import('aws-cdk-lib/aws-s3');
    const outdir = mkdtempSync(path.join(tmpdir(), 'wardflow-nag-'));
    try {
      const fresh = synthWardflow({ 'wardflow:stages': 'dev' }, { outdir });
      new Bucket(fresh.stages[0]!.stack, 'UnloggedBucketForThisTest');
      expect(() => fresh.app.synth()).toThrow(/AwsSolutions-S1/);
      const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
      expect(JSON.stringify(report)).toContain('AwsSolutions-S1');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('gives every acknowledgement a specific reason of at least 40 characters', () => {
    const acknowledgements = wardflow.stages.flatMap((s) => acknowledgementsUnder(s));
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const [path, id, reason] of acknowledgements) {
      expect(reason.length, `${path} ${id}`).toBeGreaterThanOrEqual(40);
    }
  });

  it('acknowledges IAM5 only per finding, never the whole rule', () => {
    const ids = wardflow.stages.flatMap((s) => acknowledgementsUnder(s)).map(([, id]) => id.replace(/^annotation::/i, ''));
    expect(ids.filter((id) => id.startsWith('AwsSolutions-IAM5'))).not.toContain('AwsSolutions-IAM5');
    expect(new Set(ids.filter((id) => !id.startsWith('AwsSolutions-IAM5')))).toEqual(
      // APIG4: the approval site has no authorizer, the signed link is the authorization (approval-site.ts).
      // SQS3: the archiver's dead-letter queue has no dead-letter queue of its own (audit-archiver.ts).
      // The NIST and Serverless decisions: lib/stacks/compliance-decisions.ts (stack-wide) and next to each resource.
      new Set([
        'AwsSolutions-S1', 'AwsSolutions-SMG4', 'AwsSolutions-L1', 'AwsSolutions-APIG4', 'AwsSolutions-SQS3',
        'Serverless-LambdaLatestVersion', 'Serverless-LambdaDLQ', 'Serverless-SQSRedrivePolicy', 'Serverless-EventBusDLQ', 'Serverless-SNSRedrivePolicy',
        'NIST.800.53.R5-LambdaDLQ', 'NIST.800.53.R5-LambdaInsideVPC', 'NIST.800.53.R5-LambdaConcurrency', 'NIST.800.53.R5-IAMNoInlinePolicy',
        'NIST.800.53.R5-S3DefaultEncryptionKMS', 'NIST.800.53.R5-S3BucketReplicationEnabled', 'NIST.800.53.R5-DynamoDBInBackupPlan',
        'NIST.800.53.R5-SecretsManagerRotationEnabled',
      ]),
    );
  });
});
