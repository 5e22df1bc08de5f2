import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ModelFailed } from '../../../functions/shared/errors.js';
import { BedrockGateway } from '../../../functions/shared/models/bedrock.js';
import { estimateCost } from '../../../functions/shared/models/prices.js';

const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const SECRET_PROMPT = 'Invoice for Jane Q. Public, IBAN DE89370400440532013000';
const bedrock = mockClient(BedrockRuntimeClient);
const request = { modelId: HAIKU, system: 'Return JSON only.', prompt: SECRET_PROMPT, maxTokens: 256 };

function answer(text: string, stopReason = 'end_turn') {
  return {
    output: { message: { role: 'assistant' as const, content: [{ text }] } },
    stopReason: stopReason as 'end_turn',
    usage: { inputTokens: 1000, outputTokens: 200, totalTokens: 1200 },
    metrics: { latencyMs: 10 },
  };
}

describe('BedrockGateway', () => {
  beforeEach(() => bedrock.reset());

  it('sends one system block and one user turn, and returns text, usage and cost', async () => {
    bedrock.on(ConverseCommand).resolves(answer('{"vendor":"Acme"}'));
    const response = await new BedrockGateway(new BedrockRuntimeClient({ region: 'us-east-1' })).converse(request);

    expect(response).toEqual({
      text: '{"vendor":"Acme"}',
      modelId: HAIKU,
      provider: 'bedrock',
      inputTokens: 1000,
      outputTokens: 200,
      // 1000 * 0.25/1M + 200 * 1.25/1M
      costUsd: 0.0005,
      costKnown: true,
    });
    const sent = bedrock.commandCalls(ConverseCommand)[0]!.args[0].input;
    expect(sent.modelId).toBe(HAIKU);
    expect(sent.system).toEqual([{ text: 'Return JSON only.' }]);
    expect(sent.messages).toEqual([{ role: 'user', content: [{ text: SECRET_PROMPT }] }]);
    expect(sent.inferenceConfig).toEqual({ maxTokens: 256, temperature: 0 });
  });

  it('costs an unknown model at 0 and flags it', async () => {
    bedrock.on(ConverseCommand).resolves(answer('{}'));
    const response = await new BedrockGateway(new BedrockRuntimeClient({ region: 'us-east-1' })).converse({
      ...request,
      modelId: 'example.unpriced-model-v1:0',
    });
    expect(response.costUsd).toBe(0);
    expect(response.costKnown).toBe(false);
  });

  it('turns an SDK error into ModelFailed naming the error, never the prompt or the SDK message', async () => {
    const sdkError = Object.assign(new Error(`Malformed input: ${SECRET_PROMPT}`), { name: 'ValidationException' });
    bedrock.on(ConverseCommand).rejects(sdkError);
    const failure = await new BedrockGateway(new BedrockRuntimeClient({ region: 'us-east-1' })).converse(request).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ModelFailed);
    expect((failure as ModelFailed).message).toContain('ValidationException');
    expect((failure as ModelFailed).message).not.toContain('IBAN');
    expect(JSON.stringify((failure as ModelFailed).details)).not.toContain('IBAN');
  });

  it.each([
    ['max_tokens', 'cut off'],
    ['guardrail_intervened', 'guardrail'],
    ['content_filtered', 'content-filtered'],
  ])('refuses an answer that stopped with %s', async (stopReason, words) => {
    bedrock.on(ConverseCommand).resolves(answer('{"vendor":', stopReason));
    await expect(new BedrockGateway(new BedrockRuntimeClient({ region: 'us-east-1' })).converse(request)).rejects.toThrow(words);
  });

  it('refuses an answer without text', async () => {
    bedrock.on(ConverseCommand).resolves({ ...answer(''), output: { message: { role: 'assistant', content: [] } } });
    await expect(new BedrockGateway(new BedrockRuntimeClient({ region: 'us-east-1' })).converse(request)).rejects.toBeInstanceOf(ModelFailed);
  });
});

describe('estimateCost', () => {
  it('prices inference profiles like their model', () => {
    expect(estimateCost(`us.${HAIKU}`, 1000, 200)).toEqual({ costUsd: 0.0005, costKnown: true });
  });
  it('keeps float noise out of the cost', () => {
    expect(estimateCost('amazon.nova-micro-v1:0', 3, 0).costUsd).toBe(0.000000105);
  });
});
