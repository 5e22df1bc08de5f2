import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { readStepEnvironment, type StepEnvironment } from './config.js';
import { EncryptionSdkSealer } from './crypto/envelope-sealer.js';
import type { Sealer } from './crypto/sealer.js';
import { DynamoDbEventStore } from './events/dynamodb-store.js';
import type { EventStore } from './events/store.js';
import { onForgetEnvironment } from './environment-clients.js';
import { localClockOffsetMs, offsetClock } from './local-clock.js';

/** What every step uses, built once per Lambda container from its environment. */
export interface StepDependencies {
  config: StepEnvironment;
  store: EventStore;
  sealer: Sealer;
  /** The real clock, or locally the runtime's clock ahead by --clock-offset (local-clock.ts). */
  now: () => Date;
}

let current: StepDependencies | undefined;
// Built from the environment (table, key, endpoints): forgotten with the clients.
onForgetEnvironment(() => {
  current = undefined;
});

export function getDependencies(): StepDependencies {
  current ??= dependenciesFromEnvironment();
  return current;
}

/** Replaces the dependencies (tests, the local runtime). Pass undefined to rebuild from env. */
export function setDependencies(deps: StepDependencies | undefined): void {
  current = deps;
}

export function dependenciesFromEnvironment(env: NodeJS.ProcessEnv = process.env): StepDependencies {
  const config = readStepEnvironment(env);
  // Read before any client is made: a malformed local offset stops the step before it does anything.
  const now = offsetClock(localClockOffsetMs(env));
  const sealer = EncryptionSdkSealer.kms({
    keyId: config.dataKeyId,
    // Made at the first seal or open: a step that never seals or opens creates no KMS client.
    client: () => new KMSClient({}),
    cacheMaxAgeSeconds: config.dataKeyCacheSeconds,
  });
  const store = new DynamoDbEventStore({ client: new DynamoDBClient({}), tableName: config.eventsTable, sealer });
  // The store stamps events with the real time: the offset moves deadlines, not the audit record.
  return { config, store, sealer, now };
}
