import type { ModelRequest, ModelResponse } from './gateway.js';

/**
 * The answer of a workflow's labelled local stand-in (NOT AI): the fields it read, as the JSON a
 * real model is asked for, with `provider: 'local-stand-in'`, its own `local.` id, cost 0, and
 * "tokens" counted as whitespace-separated words. One shape for every workflow's stand-in, so none
 * can look like a model.
 *
 * @example
 * class LocalClaimReader implements ModelGateway {
 *   async converse(request: ModelRequest) { return standInAnswer('local.claim-reader-v1', request, readClaimLines(request.prompt)); }
 * }
 */
export function standInAnswer(modelId: `local.${string}`, request: ModelRequest, fields: Record<string, unknown>): ModelResponse {
  const text = JSON.stringify(fields);
  return {
    text,
    modelId,
    provider: 'local-stand-in',
    inputTokens: countWords(request.system) + countWords(request.prompt),
    outputTokens: countWords(text),
    costUsd: 0,
    costKnown: true,
  };
}

function countWords(text: string): number {
  return text.split(/\s+/).filter((word) => word !== '').length;
}
