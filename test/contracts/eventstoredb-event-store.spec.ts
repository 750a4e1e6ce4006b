import { EventStoreDbEventStore } from '../../src/eventstore/eventstoredb-event-store';
import { startFakeEventStoreDb, type FakeEventStoreDb } from '../fakes/esdb-grpc-server/fake-esdb-server';
import { describeEventStoreContract } from './event-store.contract';

// Against a real server when ESDB_URL is set; otherwise against the protocol-level fake
// (test/fakes/esdb-grpc-server/README.md says what only a real server shows).
const realServer = process.env.ESDB_URL;
let fake: FakeEventStoreDb | undefined;
afterAll(async () => fake?.stop());

describeEventStoreContract(realServer ? 'eventstoredb (ESDB_URL)' : 'eventstoredb (protocol-level fake server)', async () => {
  const url = realServer ?? (fake ??= await startFakeEventStoreDb()).url;
  const store = new EventStoreDbEventStore(url);
  return { store, dispose: () => store.close() };
});
