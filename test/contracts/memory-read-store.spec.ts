import { MemoryReadStore } from '../../src/readstore/memory-read-store';
import { describeReadStoreContract } from './read-store.contract';

describeReadStoreContract('memory', async () => {
  let offset = 0;
  const store = new MemoryReadStore(() => Date.now() + offset);
  return { store, advance: (ms) => (offset += ms), dispose: async () => undefined };
});
