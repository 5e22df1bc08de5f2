import { Stage, type StageProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { NamedEnvironment } from './config/environments.js';
import { WardflowStack } from './stacks/wardflow-stack.js';
import type { AnyWorkflow } from './workflows/workflow-definition.js';

export interface WardflowStageProps extends StageProps {
  /** The environment this stage deploys. */
  readonly environment: NamedEnvironment;
  /**
   * Directory holding the step folders; tests point it at fixtures.
   * @default functions/ at the repository root
   */
  readonly functionsDirectory?: string;
  /** The workflows the stage runs. */
  readonly workflows: readonly AnyWorkflow[];
}

/**
 * One environment (dev, prod, ...) as a CDK stage: its own cloud assembly (cdk.out/assembly-<Stage>/),
 * its own stack, keys, secrets path and state machine. Nothing is shared between stages.
 *
 * @example
 * new WardflowStage(app, 'Dev', { environment: { name: 'dev', config }, workflows: WORKFLOWS });
 */
export class WardflowStage extends Stage {
  readonly stack: WardflowStack;

  constructor(scope: Construct, id: string, props: WardflowStageProps) {
    // The environment pins its account and region: a deploy with another account's credentials is refused.
    const { account, region } = props.environment.config;
    super(scope, id, { env: { account, region }, ...props });
    this.stack = new WardflowStack(this, 'Wardflow', {
      stackName: `wardflow-${props.environment.name}`,
      description: `wardflow ${props.environment.name}: AI workflows with approval gates and an encrypted event store`,
      environment: props.environment,
      functionsDirectory: props.functionsDirectory,
      workflows: props.workflows,
    });
  }
}
