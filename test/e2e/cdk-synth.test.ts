import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { workflowStackOutput } from '../../lib/stacks/stack-outputs.js';
import { WORKFLOWS } from '../../statemachines/index.js';
import { TEST_TODAY } from '../support/test-today.js';

/**
 * `npx cdk synth` as a platform engineer runs it, on a machine with no AWS credentials at all:
 * the real handlers are bundled by esbuild, cdk-nag runs, and each stage gets its template.
 */
const out = mkdtempSync(join(tmpdir(), 'wardflow-synth-'));
// An empty home: no ~/.aws config or credentials file to fall back on.
const home = mkdtempSync(join(tmpdir(), 'wardflow-home-'));
afterAll(() => {
  rmSync(out, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

describe('npx cdk synth', () => {
  it('succeeds offline without credentials and writes a template per stage', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION']) {
      delete env[name];
    }
    // "Today" pinned (wardflow:today): prod refuses a workflow whose review date has lapsed, and this test must not start failing on the day it does.
    const run = spawnSync('npx', ['cdk', 'synth', '--quiet', '--no-notices', '-c', `wardflow:today=${TEST_TODAY}`, '-o', out], { encoding: 'utf8', env, timeout: 240_000 });
    expect(run.status, run.stderr.slice(-3000)).toBe(0);

    for (const [stage, prefix] of [['Dev', 'DevWardflow'], ['Prod', 'ProdWardflow']] as const) {
      const assembly = join(out, `assembly-${stage}`);
      const template = readdirSync(assembly).find((f) => f.startsWith(prefix) && f.endsWith('.template.json'));
      expect(template, `no template in ${assembly}`).toBeDefined();
      const { Resources: resources, Outputs: outputs } = JSON.parse(readFileSync(join(assembly, template as string), 'utf8')) as {
        Resources: Record<string, { Type: string; Metadata?: Record<string, unknown> }>;
        Outputs?: Record<string, unknown>;
      };
      const types = Object.values(resources).map((r) => r.Type);
      expect(types).toContain('AWS::StepFunctions::StateMachine');
      expect(types).toContain('AWS::ApiGatewayV2::Api');
      // Every function was bundled from its real handler and names it for the local runtime.
      const handlers = Object.values(resources)
        .filter((r) => r.Type === 'AWS::Lambda::Function')
        .map((r) => r.Metadata?.['wardflow:handler']);
      expect(handlers.length).toBeGreaterThanOrEqual(9);
      expect(handlers).toEqual(expect.arrayContaining(['record-start', 'request-approval', 'approval-page', 'audit-archiver']));
      for (const handler of handlers) expect(existsSync(join('functions', String(handler), 'handler.ts')), String(handler)).toBe(true);
      // What the CLI reads with DescribeStacks.
      // ... and one state machine output per workflow of the app.
      const workflowOutputs = WORKFLOWS.map((workflow) => workflowStackOutput(workflow.name));
      expect(Object.keys(outputs ?? {}).sort()).toEqual(['AlarmTopicArn', 'ApprovalSiteUrl', 'AuditBucketName', 'EnvironmentTier', 'EventsTableName', ...workflowOutputs].sort());
      expect(types.filter((type) => type === 'AWS::StepFunctions::StateMachine')).toHaveLength(WORKFLOWS.length);
    }
    // cdk-nag runs as a validation plugin; a plugin reports only when it has findings left.
    const report = join(out, 'validation-report.json');
    expect(existsSync(report)).toBe(true);
    expect((JSON.parse(readFileSync(report, 'utf8')) as { pluginReports: unknown[] }).pluginReports).toEqual([]);
  }, 300_000);
});
