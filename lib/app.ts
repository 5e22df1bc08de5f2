import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, type NagPack, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import { WORKFLOWS } from '../statemachines/index.js';
import { loadEnvironments, stageIdOf } from './config/environments.js';
import { WardflowStage } from './stage.js';
import type { AnyWorkflow } from './workflows/workflow-definition.js';

export interface WardflowAppOptions extends AppProps {
  /**
   * Directory holding the step folders; tests point it at fixtures.
   * @default functions/ at the repository root
   */
  readonly functionsDirectory?: string;
  /**
   * The workflows every stage runs.
   * @default WORKFLOWS, the app's registry (statemachines/index.ts)
   */
  readonly workflows?: readonly AnyWorkflow[];
}

/** The app and its stages, so tests can inspect exactly what `cdk synth` builds. */
export interface WardflowApp {
  readonly app: App;
  readonly stages: WardflowStage[];
  readonly nag: AwsSolutionsChecks;
  /** Every cdk-nag pack the app is checked with: AwsSolutions, Serverless and NIST 800-53 R5. */
  readonly packs: readonly NagPack[];
}

/**
 * Builds the wardflow CDK app: one WardflowStage per environment in the `wardflow:environments`
 * context (narrowed by `wardflow:stages`), checked by cdk-nag's AWS Solutions, Serverless and NIST 800-53 R5
 * packs.
 *
 * cdk-nag 3 is a policy-validation plugin (not an Aspect): `cdk synth` fails on any unacknowledged
 * finding; acknowledgements are `Validations.of(construct).acknowledge({ id, reason })`.
 *
 * @example
 * const { app } = buildWardflowApp();
 * app.synth();
 */
export function buildWardflowApp(options: WardflowAppOptions = {}): WardflowApp {
  const { functionsDirectory, workflows = WORKFLOWS, ...appProps } = options;
  const app = new App(appProps);
  const nag = new AwsSolutionsChecks(app, { verbose: true });
  const packs: NagPack[] = [nag, new ServerlessChecks(app, { verbose: true }), new NIST80053R5Checks(app, { verbose: true })];
  Validations.of(app).addPlugins(...packs);
  const stages = loadEnvironments(app).map(
    (environment) =>
      new WardflowStage(app, stageIdOf(environment.name), { environment, functionsDirectory, workflows }),
  );
  return { app, stages, nag, packs };
}
