/**
 * INTERIM (contract only): Bedrock Guardrails' prompt-attack filter as a second injection layer on
 * AWS. The final module calls ApplyGuardrail on the environment's guardrail (GUARDRAIL_ID,
 * GUARDRAIL_VERSION, set by CDK on steps that declare `models: true` where the environment
 * configures a guardrail); the local runtime sets neither, and readGuardrailSettings answers undefined.
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

export function readGuardrailSettings(env: NodeJS.ProcessEnv = process.env): GuardrailSettings | undefined {
  const guardrailId = env.GUARDRAIL_ID;
  const guardrailVersion = env.GUARDRAIL_VERSION;
  return guardrailId && guardrailVersion ? { guardrailId, guardrailVersion } : undefined;
}

export async function applyGuardrail(_text: string, _settings: GuardrailSettings, _source: 'INPUT' | 'OUTPUT' = 'INPUT'): Promise<GuardrailVerdict> {
  throw new Error('applyGuardrail: not implemented yet (issue 14 contract)');
}
