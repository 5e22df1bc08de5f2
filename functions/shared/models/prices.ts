/**
 * On-demand Bedrock prices, in US dollars per million tokens, for the models wardflow
 * knows how to cost. A model missing here still runs (if allow-listed) but is costed at 0
 * with `costKnown: false`, so the daily cost alarm under-counts it: add it here first.
 *
 * Source: https://aws.amazon.com/bedrock/pricing/ (on-demand, us-east-1, standard tier),
 * as listed in November 2026. Regional (non-global) cross-region profiles of the newer
 * Claude models are billed about 10% higher; the table keeps the base price. Re-check
 * the page when adding a model; prices are estimates for alarms, not invoices.
 */
export interface TokenPrice {
  inputPerMillion: number;
  outputPerMillion: number;
}

export const BEDROCK_PRICES: Readonly<Record<string, TokenPrice>> = {
  'anthropic.claude-3-haiku-20240307-v1:0': { inputPerMillion: 0.25, outputPerMillion: 1.25 },
  'anthropic.claude-3-5-haiku-20241022-v1:0': { inputPerMillion: 0.8, outputPerMillion: 4 },
  'anthropic.claude-3-5-sonnet-20240620-v1:0': { inputPerMillion: 3, outputPerMillion: 15 },
  'anthropic.claude-3-5-sonnet-20241022-v2:0': { inputPerMillion: 3, outputPerMillion: 15 },
  'anthropic.claude-haiku-4-5-20251001-v1:0': { inputPerMillion: 1, outputPerMillion: 5 },
  'anthropic.claude-sonnet-4-20250514-v1:0': { inputPerMillion: 3, outputPerMillion: 15 },
  'amazon.nova-micro-v1:0': { inputPerMillion: 0.035, outputPerMillion: 0.14 },
  'amazon.nova-lite-v1:0': { inputPerMillion: 0.06, outputPerMillion: 0.24 },
  'amazon.nova-pro-v1:0': { inputPerMillion: 0.8, outputPerMillion: 3.2 },
};

/** Inference profiles prefix the model id with a geography (`us.`, `eu.`, `apac.`, `global.`); the price is the model's. */
const INFERENCE_PROFILE_PREFIX = /^(us|eu|apac|us-gov|jp|au|ca|global)\./;

/**
 * Estimated cost of one call. Unknown models cost 0 and say so.
 *
 * @example
 * estimateCost('anthropic.claude-3-haiku-20240307-v1:0', 1000, 200); // { costUsd: 0.0005, costKnown: true }
 */
export function estimateCost(
  modelId: string,
  inputTokens: number,
  outputTokens: number,
  prices: Readonly<Record<string, TokenPrice>> = BEDROCK_PRICES,
): { costUsd: number; costKnown: boolean } {
  const price = prices[modelId] ?? prices[modelId.replace(INFERENCE_PROFILE_PREFIX, '')];
  if (!price) return { costUsd: 0, costKnown: false };
  const raw = (inputTokens * price.inputPerMillion + outputTokens * price.outputPerMillion) / 1_000_000;
  // Round to a billionth of a dollar so float noise (0.30000000000000004) never reaches events.
  return { costUsd: Math.round(raw * 1e9) / 1e9, costKnown: true };
}
