import type { BedrockRuntimeClient, ConverseResponse } from '@aws-sdk/client-bedrock-runtime';
import { ModelFailed, safeErrorName } from '../errors.js';
import type { ModelGateway, ModelRequest, ModelResponse } from './gateway.js';
import { bedrockRuntimeClient, loadBedrockSdk } from './bedrock-client.js';
import { estimateCost } from './prices.js';

/** Stop reasons after which the text cannot be trusted to be a whole answer. */
const UNUSABLE_STOP_REASONS: Record<string, string> = {
  max_tokens: 'the answer was cut off at maxTokens',
  guardrail_intervened: 'a Bedrock guardrail intervened',
  content_filtered: 'the answer was content-filtered',
  malformed_model_output: 'the model produced malformed output',
  model_context_window_exceeded: 'the input exceeded the model context window',
};

/**
 * Amazon Bedrock through the Converse API, one system block and one user turn.
 *
 * Failures become `ModelFailed` naming the model and the AWS error name only: the SDK
 * message can echo request details, and the prompt is untrusted document text.
 *
 * @example
 * const gateway = new BedrockGateway(); // the container's BedrockRuntimeClient (bedrock-client.ts), made at the first call
 * const { text, costUsd } = await gateway.converse({ modelId: 'anthropic.claude-3-haiku-20240307-v1:0', system: 'Return JSON only.', prompt: invoiceText, maxTokens: 512 });
 */
export class BedrockGateway implements ModelGateway {
  private client: BedrockRuntimeClient | undefined;

  /** `client` (tests) is used as is; without one, the first call takes the container's (bedrock-client.ts) and keeps it. */
  constructor(client?: BedrockRuntimeClient) {
    this.client = client;
  }

  async converse(request: ModelRequest): Promise<ModelResponse> {
    const { ConverseCommand } = await loadBedrockSdk();
    this.client ??= await bedrockRuntimeClient();
    let response: ConverseResponse;
    try {
      response = await this.client.send(
        new ConverseCommand({
          modelId: request.modelId,
          system: [{ text: request.system }],
          messages: [{ role: 'user', content: [{ text: request.prompt }] }],
          // Extraction wants the most likely answer, not a creative one.
          inferenceConfig: { maxTokens: request.maxTokens, temperature: 0 },
        }),
      );
    } catch (error) {
      throw new ModelFailed(request.modelId, `Bedrock returned ${safeErrorName(error, 'UnknownError')}; check model access, quotas and the step's IAM role`);
    }

    const stop = response.stopReason ? UNUSABLE_STOP_REASONS[response.stopReason] : undefined;
    if (stop) throw new ModelFailed(request.modelId, stop);

    const text = (response.output?.message?.content ?? [])
      .map((block) => block.text ?? '')
      .join('');
    if (text.trim() === '') throw new ModelFailed(request.modelId, 'the answer contained no text');

    const inputTokens = response.usage?.inputTokens ?? 0;
    const outputTokens = response.usage?.outputTokens ?? 0;
    return {
      text,
      modelId: request.modelId,
      provider: 'bedrock',
      inputTokens,
      outputTokens,
      ...estimateCost(request.modelId, inputTokens, outputTokens),
    };
  }
}
