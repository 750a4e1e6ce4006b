import { EventStoreDbEventStore } from '../../src/eventstore/eventstoredb-event-store';
import { describeEventStoreContract } from './event-store.contract';

const url = process.env.ESDB_URL;
if (url) {
  describeEventStoreContract('eventstoredb', async () => {
    const store = new EventStoreDbEventStore(url);
    return { store, dispose: () => store.close() };
  });
} else {
  describe('EventStore contract: eventstoredb', () => {
    it('is skipped: ESDB_URL is not set (no EventStoreDB server can run on this machine)', () => {
      console.log('EventStoreDB contract suite skipped: set ESDB_URL=esdb://host:2113?tls=false to run it.');
      expect(url).toBeUndefined();
    });
  });
}
