import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { type WardflowApp, buildWardflowApp } from '../../../lib/app.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repositoryRoot = path.resolve(here, '..', '..', '..');

/** Stand-in handlers: template tests skip bundling, so only the entry files' existence matters. */
export const FIXTURE_FUNCTIONS = path.join(here, 'fixtures', 'functions');
/** The context of cdk.json: the same environments and feature flags `cdk synth` uses. */
export const CDK_CONTEXT: Record<string, unknown> = JSON.parse(readFileSync(path.join(repositoryRoot, 'cdk.json'), 'utf8')).context;

/**
 * Builds the app exactly as bin/app.ts does, from cdk.json's context, with bundling skipped
 * (`aws:cdk:bundling-stacks: []`) so no esbuild runs and handlers need not exist yet.
 */
export function synthWardflow(extraContext: Record<string, unknown> = {}, outdir?: string): WardflowApp {
  return buildWardflowApp({
    ...(outdir === undefined ? {} : { outdir }),
    functionsDirectory: FIXTURE_FUNCTIONS,
    // Stack traces on construct metadata cost seconds per synth and tests never read them.
    context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [], 'aws:cdk:disable-stack-trace': true, ...extraContext },
  });
}

/** The CloudFormation template of one environment's stack. */
export function templateOf(app: WardflowApp, environmentName: string): Template {
  const stage = app.stages.find((s) => s.stack.stackName === `wardflow-${environmentName}`);
  if (stage === undefined) throw new Error(`test setup: no stage for ${environmentName}`);
  return Template.fromStack(stage.stack);
}
