/**
 * The one door through which a step talks to a language model.
 *
 * Steps depend on this interface, never on a provider SDK, so the same handler runs
 * against Bedrock on AWS and against the clearly labelled local stand-in on a laptop.
 */
export interface ModelRequest {
  /** Which model to ask; must already have passed the environment's allow-list. */
  modelId: string;
  /** Instructions for the model (what to return, in which format). */
  system: string;
  /** The untrusted content (e.g. invoice text). Never logged, never put in an error. */
  prompt: string;
  /** Upper bound on output tokens, which also bounds cost. */
  maxTokens: number;
}

export type ModelProvider = 'bedrock' | 'local-stand-in';

export interface ModelResponse {
  /** The model's text answer. */
  text: string;
  /** The model that actually answered (may differ from the request for a stand-in). */
  modelId: string;
  /** `local-stand-in` is not AI: a workflow's labelled stand-in for the local runtime (see selectGateway). */
  provider: ModelProvider;
  inputTokens: number;
  outputTokens: number;
  /** Estimated cost of the call in US dollars; 0 when `costKnown` is false. */
  costUsd: number;
  /** False when the model has no entry in the price table, so the cost alarm cannot see it. */
  costKnown: boolean;
}

/**
 * Sends one system + user turn to a model and returns its text with usage and cost.
 *
 * @example
 * const gateway: ModelGateway = new LocalInvoiceParserGateway();
 * const answer = await gateway.converse({ modelId: 'local.invoice-parser-v1', system: 'Return JSON only.', prompt: invoiceText, maxTokens: 512 });
 * JSON.parse(answer.text);
 */
export interface ModelGateway {
  converse(request: ModelRequest): Promise<ModelResponse>;
}
