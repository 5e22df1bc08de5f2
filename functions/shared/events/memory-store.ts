import type { Sealer } from '../crypto/sealer.js';
import { ConcurrencyConflict } from '../errors.js';
import type { NewEvent, StoredEvent } from './event.js';
import { assertStream, validateAppend } from './event-validation.js';
import { buildNextEvents } from './next-events.js';
import type { EventStore } from './store.js';

export interface InMemoryEventStoreOptions {
  sealer: Sealer;
  /** @default () => new Date() */
  now?: () => Date;
}

/**
 * An `EventStore` in process memory, for fast unit tests of the code that uses a store.
 * Same validation, sealing, hashing and optimistic concurrency as `DynamoDbEventStore`
 * (it builds events with the same `buildNextEvents`); it passes the same contract suite.
 * Never a system of record: state is lost with the process.
 *
 * @example
 * const store = new InMemoryEventStore({ sealer: EncryptionSdkSealer.rawAes({ keyName: 'k', keyNamespace: 'test', key }) });
 * await store.append('execution#e1', 0, [{ type: 'ExecutionStarted', actor: 'step:start', data: { workflow: 'invoice' } }]);
 */
export class InMemoryEventStore implements EventStore {
  private readonly streams = new Map<string, StoredEvent[]>();
  private readonly sealer: Sealer;
  private readonly now: () => Date;

  constructor(opts: InMemoryEventStoreOptions) {
    this.sealer = opts.sealer;
    this.now = opts.now ?? (() => new Date());
  }

  async append(stream: string, expectedVersion: number, events: NewEvent[]): Promise<StoredEvent[]> {
    validateAppend(stream, expectedVersion, events);
    const head = this.streams.get(stream)?.at(-1) ?? null;
    if ((head?.version ?? 0) !== expectedVersion) throw new ConcurrencyConflict(stream, expectedVersion);
    const built = await buildNextEvents({ stream, head, events, sealer: this.sealer, now: this.now });
    // Sealing awaited: another append may have landed meanwhile. This synchronous re-check
    // plays the part of DynamoDB's attribute_not_exists condition.
    const current = this.streams.get(stream) ?? [];
    if (current.length !== expectedVersion) throw new ConcurrencyConflict(stream, expectedVersion);
    this.streams.set(stream, [...current, ...built.map((e) => structuredClone(e))]);
    return built;
  }

  async read(stream: string): Promise<StoredEvent[]> {
    assertStream(stream);
    return (this.streams.get(stream) ?? []).map((e) => structuredClone(e));
  }

  /** The version of the last event (0 for an empty stream), for `appendFacts`. */
  async headVersion(stream: string): Promise<number> {
    assertStream(stream);
    return this.streams.get(stream)?.at(-1)?.version ?? 0;
  }
}
