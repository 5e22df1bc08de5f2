import { EncryptionSdkSealer } from '../../../functions/shared/crypto/envelope-sealer.js';
import type { SealContext, Sealer } from '../../../functions/shared/crypto/sealer.js';
import type { Json, NewEvent, StoredEvent } from '../../../functions/shared/events/event.js';
import { InMemoryEventStore } from '../../../functions/shared/events/memory-store.js';

/** A fixed test key: tests must be reproducible; never used outside tests. */
export const TEST_KEY = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);

export function testSealer(key: Uint8Array = TEST_KEY): Sealer {
  return EncryptionSdkSealer.rawAes({ keyName: 'test-key', keyNamespace: 'wardflow-test', key });
}

/** A value nobody would write by accident: if it shows up in clear, something leaked. */
export const PLANTED_SECRET = 'PLANTED-SECRET-7f3a9c-do-not-store-in-clear';

export function stepSucceeded(step: string, extra: { [key: string]: Json } = {}): NewEvent {
  return { type: 'StepSucceeded', actor: `step:${step}`, data: { step, durationMs: 12, ...extra } };
}

/** A clock that ticks one second per call, so times are distinct and known. */
export function tickingClock(start = Date.UTC(2025, 0, 1)): () => Date {
  let t = start;
  return () => new Date((t += 1000));
}

/** A valid stream of `n` events built by the real store code. */
export async function validStream(n: number, stream = 'execution#chain-1'): Promise<StoredEvent[]> {
  const store = new InMemoryEventStore({ sealer: testSealer(), now: tickingClock() });
  for (let v = 0; v < n; v++) {
    const event = stepSucceeded(`step-${v + 1}`);
    if (v % 2 === 0) event.sensitive = { note: `sensitive ${v + 1}` };
    await store.append(stream, v, [event]);
  }
  return store.read(stream);
}

/**
 * A sealer whose first `seal` waits until `release()` is called: lets a test hold one
 * append between its head check and its write, deterministically, while another lands.
 */
export class GatedSealer implements Sealer {
  private open_!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.open_ = resolve));
  private gated = false;
  /** Resolves when the gated seal has started waiting. */
  readonly waiting: Promise<void>;
  private markWaiting!: () => void;

  constructor(private readonly inner: Sealer) {
    this.waiting = new Promise((resolve) => (this.markWaiting = resolve));
  }

  async seal(value: { [key: string]: Json }, context: SealContext): Promise<string> {
    if (!this.gated) {
      this.gated = true;
      this.markWaiting();
      await this.gate;
    }
    return this.inner.seal(value, context);
  }

  open(ciphertext: string, context: SealContext): Promise<{ [key: string]: Json }> {
    return this.inner.open(ciphertext, context);
  }

  release(): void {
    this.open_();
  }
}
