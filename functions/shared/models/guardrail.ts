import type { ApplyGuardrailResponse } from '@aws-sdk/client-bedrock-runtime';
import { GuardUnavailable, safeErrorName } from '../errors.js';
import { transientKind } from '../transient-errors.js';
import { bedrockRuntimeClient, loadBedrockSdk } from './bedrock-client.js';

/**
 * Bedrock Guardrails' prompt-attack filter, the second injection layer on AWS: ApplyGuardrail on the
 * environment's guardrail (lib/constructs/prompt-attack-guardrail.ts), at the fixed version CDK hands
 * the steps that declare `models: true` (GUARDRAIL_ID, GUARDRAIL_VERSION) where the environment
 * configures one. The local runtime sets neither (it has no Bedrock), and readGuardrailSettings
 * answers undefined.
 */
export interface GuardrailSettings {
  guardrailId: string;
  guardrailVersion: string;
}

export interface GuardrailVerdict {
  /** Bedrock answered GUARDRAIL_INTERVENED. */
  intervened: boolean;
  /** The filters that fired, by type (e.g. `PROMPT_ATTACK`), never the text. */
  filters: string[];
}

/** The guard's name in errors and events (GuardName in functions/shared/guards/types.ts). */
const GUARD = 'guardrail';

/** A filter type as Bedrock names them (`PROMPT_ATTACK`): anything else is not repeated. */
const FILTER_TYPE = /^[A-Z][A-Z_]{0,39}$/;

/**
 * The step's guardrail, or undefined where it has none (locally, or an environment without one).
 *
 * @example
 * readGuardrailSettings({ GUARDRAIL_ID: 'abc123', GUARDRAIL_VERSION: '1' }); // { guardrailId: 'abc123', guardrailVersion: '1' }
 */
export function readGuardrailSettings(env: NodeJS.ProcessEnv = process.env): GuardrailSettings | undefined {
  const guardrailId = env.GUARDRAIL_ID;
  const guardrailVersion = env.GUARDRAIL_VERSION;
  return guardrailId && guardrailVersion ? { guardrailId, guardrailVersion } : undefined;
}

/**
 * Asks the guardrail about `text`: whether it intervened, and which of its content filters fired.
 * Nothing of the text comes back: Bedrock's outputs (the blocked-input message) are not read.
 *
 * Fails closed: a transient failure (throttle, timeout, 5xx) is thrown as is, so the step
 * middleware makes it a TransientFailure and the state machine retries the step; anything else,
 * or an answer without a verdict, is GuardUnavailable naming the AWS error name only (the SDK's
 * message can echo the request).
 *
 * @example
 * const settings = readGuardrailSettings();
 * if (settings) {
 *   const { intervened, filters } = await applyGuardrail(invoiceText, settings); // { intervened: true, filters: ['PROMPT_ATTACK'] }
 * }
 */
export async function applyGuardrail(text: string, settings: GuardrailSettings, source: 'INPUT' | 'OUTPUT' = 'INPUT'): Promise<GuardrailVerdict> {
  const { ApplyGuardrailCommand } = await loadBedrockSdk();
  const client = await bedrockRuntimeClient();
  let response: ApplyGuardrailResponse;
  try {
    response = await client.send(
      new ApplyGuardrailCommand({
        guardrailIdentifier: settings.guardrailId,
        guardrailVersion: settings.guardrailVersion,
        source,
        content: [{ text: { text } }],
      }),
    );
  } catch (error) {
    if (transientKind(error) !== undefined) throw error;
    throw new GuardUnavailable(GUARD, `Bedrock ApplyGuardrail returned ${safeErrorName(error, 'UnknownError')}`);
  }
  if (response.action !== 'GUARDRAIL_INTERVENED' && response.action !== 'NONE') {
    throw new GuardUnavailable(GUARD, 'Bedrock ApplyGuardrail answered without a verdict');
  }
  return { intervened: response.action === 'GUARDRAIL_INTERVENED', filters: firedFilters(response) };
}

/** The content filters that fired (blocked, or detected in detect-only mode), by type, each once. */
function firedFilters(response: ApplyGuardrailResponse): string[] {
  const types = (response.assessments ?? [])
    .flatMap((assessment) => assessment.contentPolicy?.filters ?? [])
    .filter((filter) => filter.action === 'BLOCKED' || filter.detected === true)
    .map((filter) => String(filter.type))
    .filter((type) => FILTER_TYPE.test(type));
  return [...new Set(types)];
}
