import { MemoryEventStore } from '../../src/eventstore/memory-event-store';
import { describeEventStoreContract } from './event-store.contract';

describeEventStoreContract('memory', async () => ({ store: new MemoryEventStore(), dispose: async () => undefined }));
