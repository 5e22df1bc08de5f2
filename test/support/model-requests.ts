import { vi } from 'vitest';
import type { ModelGateway, ModelRequest } from '../../functions/shared/models/gateway.js';
import type { LocalStandIn } from '../../functions/shared/models/select-gateway.js';

/** What a model was asked, call by call, while the recorder is on. */
export interface ModelRequestRecorder {
  /** Every request the gateway got, oldest first (copies: what it was sent, whatever happens to them later). */
  readonly requests: ModelRequest[];
  /** Everything the model received, system prompts and prompts, as one text to search. */
  received(): string;
  /** Stops recording (the gateway answers as before). */
  restore(): void;
}

/**
 * Records every ModelRequest a local stand-in gateway class receives, for tests that assert what
 * reached the model: that a planted e-mail address or AWS key never did, that the system prompt
 * carries a canary. It spies on the class's `converse` (calling through), so it sees the requests
 * of every instance, including the one selectGateway cached per container and the ones a handler
 * made before the test started; handlers need no change.
 *
 * @example
 * const model = recordModelRequests(LocalInvoiceParserGateway);
 * await callStep(extractInvoice, 'exec-1', { invoiceText: `... billing@vendor.example ...` });
 * expect(model.received()).not.toContain('billing@vendor.example');
 * model.restore();
 */
export function recordModelRequests(gateway: abstract new (...args: never[]) => ModelGateway): ModelRequestRecorder {
  const requests: ModelRequest[] = [];
  const prototype = gateway.prototype as ModelGateway;
  const original = prototype.converse;
  const spy = vi.spyOn(prototype, 'converse').mockImplementation(async function (this: ModelGateway, request: ModelRequest) {
    requests.push(structuredClone(request));
    return original.call(this, request);
  });
  return recorder(requests, () => spy.mockRestore());
}

/**
 * A stand-in that records what its gateway receives, for a test's own step (one that names its
 * stand-in): `askModel(ctx, { ..., standIn: recorded.standIn })`. The id is the original's with a
 * `.recorded` suffix, so selectGateway's per-container cache never hands out an unrecorded gateway.
 *
 * @example
 * const recorded = recordingStandIn({ id: 'local.claim-reader-v1', create: () => new LocalClaimReader() });
 */
export function recordingStandIn(standIn: LocalStandIn): ModelRequestRecorder & { standIn: LocalStandIn } {
  const requests: ModelRequest[] = [];
  let recording = true;
  const wrapped: LocalStandIn = {
    id: `${standIn.id}.recorded`,
    create: () => {
      const inner = standIn.create();
      return {
        converse: async (request) => {
          if (recording) requests.push(structuredClone(request));
          return inner.converse(request);
        },
      };
    },
  };
  return { ...recorder(requests, () => (recording = false)), standIn: wrapped };
}

function recorder(requests: ModelRequest[], stop: () => void): ModelRequestRecorder {
  return {
    requests,
    received: () => requests.map((request) => `${request.system}\n${request.prompt}`).join('\n'),
    restore: stop,
  };
}
