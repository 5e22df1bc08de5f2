import { InMemoryEventStore } from '../../../functions/shared/events/memory-store.js';
import { runStoreContract } from './store-contract.js';

runStoreContract('InMemoryEventStore', {
  makeStore: async (sealer) => new InMemoryEventStore({ sealer }),
  atomicMultiEventAppend: true,
  propertyRuns: 100,
});
