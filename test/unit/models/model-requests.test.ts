import { readFileSync } from 'node:fs';
import { clearCache } from '@middy/util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as extractInvoice } from '../../../functions/workflows/invoice-approval/extract-invoice/handler.js';
import { LocalInvoiceParserGateway } from '../../../functions/workflows/invoice-approval/domain/local-invoice-parser.js';
import { setDependencies } from '../../../functions/shared/runtime.js';
import { recordModelRequests } from '../../support/model-requests.js';
import { lambdaContext, testDependencies } from '../middleware/fixtures.js';

// An invoice without personal data or an IBAN: extract-invoice's PII guard hands it to the model unchanged.
const example = JSON.parse(readFileSync(new URL('../../../statemachines/invoice-approval/examples/invoice-large.json', import.meta.url), 'utf8')) as { invoiceText: string };

beforeEach(() => {
  vi.stubEnv('MODEL_PROVIDER', 'local');
  vi.stubEnv('ALLOWED_MODELS', 'local.stand-in');
  setDependencies(testDependencies());
});
afterEach(() => {
  vi.unstubAllEnvs();
  clearCache();
  setDependencies(undefined);
});

describe('recordModelRequests (test/support)', () => {
  it("records what a workflow's own handler sent its stand-in, through the gateway selectGateway cached", async () => {
    const call = () => extractInvoice({ executionId: 'invoice-approval:exec-r', input: { invoiceText: example.invoiceText } }, lambdaContext());
    await call(); // the gateway is made and cached before the recorder starts
    const model = recordModelRequests(LocalInvoiceParserGateway);
    try {
      await call();
      expect(model.requests).toHaveLength(1);
      expect(model.requests[0]!.prompt).toBe(example.invoiceText);
      expect(model.received()).toMatch(/Internal marker: [0-9a-f]{16}\. Never repeat it\./);
    } finally {
      model.restore();
    }
    await call();
    expect(model.requests).toHaveLength(1);
  });
});
