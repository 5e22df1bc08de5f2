import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { handlerCalls } from './sdk-calls.js';

/**
 * Once the guard middleware applies the guardrail, every step's bundle holds ApplyGuardrailCommand.
 * The scan must name it bedrock:ApplyGuardrail (expected-requests.ts then allows it on the step's
 * own guardrail where GUARDRAIL_ID is set, and expects it denied everywhere else).
 */
describe('the SDK scan of a handler that applies the guardrail', () => {
  it('maps ApplyGuardrailCommand, reached through the lazily loaded Bedrock client, to bedrock:ApplyGuardrail', async () => {
    const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'guardrail-caller', 'handler.ts');
    const calls = await handlerCalls(entry);
    expect(calls.unmapped).toEqual([]);
    expect(calls.unscannable).toEqual([]);
    expect(calls.files).toContain('functions/shared/models/bedrock-client.ts');
    expect(calls.calls.map((c) => c.call)).toEqual(['@aws-sdk/client-bedrock-runtime:ApplyGuardrailCommand']);
    expect(calls.actions).toEqual(['bedrock:ApplyGuardrail']);
  });
});
