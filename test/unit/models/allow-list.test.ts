import { describe, expect, it } from 'vitest';
import { ConfigurationInvalid, ModelNotAllowed } from '../../../functions/shared/errors.js';
import { assertModelAllowed, parseAllowList } from '../../../functions/shared/models/allow-list.js';
import { readModelSettings, selectGateway } from '../../../functions/shared/models/select-gateway.js';
import { BedrockGateway } from '../../../functions/shared/models/bedrock.js';
import { LocalInvoiceParserGateway } from '../../../functions/workflows/invoice-approval/domain/local-invoice-parser.js';

describe('assertModelAllowed', () => {
  it('passes a listed model', () => {
    expect(() => assertModelAllowed('amazon.nova-micro-v1:0', ['amazon.nova-micro-v1:0'])).not.toThrow();
  });
  it('refuses an unlisted model, a prefix of a listed one and any model under an empty list', () => {
    expect(() => assertModelAllowed('amazon.nova-pro-v1:0', ['amazon.nova-micro-v1:0'])).toThrow(ModelNotAllowed);
    expect(() => assertModelAllowed('amazon.nova', ['amazon.nova-micro-v1:0'])).toThrow(ModelNotAllowed);
    expect(() => assertModelAllowed('amazon.nova-micro-v1:0', [])).toThrow(ModelNotAllowed);
  });
  it('parses a comma list, ignoring blanks', () => {
    expect(parseAllowList(' a , b,,c ')).toEqual(['a', 'b', 'c']);
  });
});

describe('readModelSettings / selectGateway', () => {
  it('defaults the local model id to the stand-in', () => {
    expect(readModelSettings({ MODEL_PROVIDER: 'local', ALLOWED_MODELS: 'local.stand-in' })).toEqual({
      provider: 'local',
      modelId: 'local.stand-in',
      allowedModels: ['local.stand-in'],
    });
  });
  it('admits every labelled local stand-in where the local stand-in entry is allowed, and no other model', () => {
    expect(() => assertModelAllowed('local.invoice-parser-v1', ['local.stand-in'])).not.toThrow();
    expect(() => assertModelAllowed('local.invoice-parser-v1', ['amazon.nova-lite-v1:0'])).toThrow(ModelNotAllowed);
    expect(() => assertModelAllowed('amazon.nova-lite-v1:0', ['local.stand-in'])).toThrow(ModelNotAllowed);
  });
  it('requires a provider, an allow-list, and a model id for bedrock', () => {
    expect(() => readModelSettings({ ALLOWED_MODELS: 'x' })).toThrow(ConfigurationInvalid);
    expect(() => readModelSettings({ MODEL_PROVIDER: 'openai', ALLOWED_MODELS: 'x' })).toThrow(/MODEL_PROVIDER/);
    expect(() => readModelSettings({ MODEL_PROVIDER: 'local' })).toThrow(/ALLOWED_MODELS/);
    expect(() => readModelSettings({ MODEL_PROVIDER: 'bedrock', ALLOWED_MODELS: 'x' })).toThrow(/MODEL_ID/);
  });
  it('picks the gateway by provider: locally the stand-in the step names, never one of its own', () => {
    expect(selectGateway('local', { standIn: { id: 'local.invoice-parser-v1', create: () => new LocalInvoiceParserGateway() } })).toBeInstanceOf(LocalInvoiceParserGateway);
    expect(() => selectGateway('local')).toThrow(/names no local stand-in/);
    expect(selectGateway('bedrock')).toBeInstanceOf(BedrockGateway);
  });
});
