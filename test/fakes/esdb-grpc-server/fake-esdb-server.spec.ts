import { randomUUID } from 'node:crypto';
import { BACKWARDS, END, EventStoreDBClient, START, StreamDeletedError, WrongExpectedVersionError, jsonEvent, type ResolvedEvent } from '@eventstore/db-client';
import { startFakeEventStoreDb, type FakeEventStoreDb } from './fake-esdb-server';

/** What the contract suite does not reach through the adapter: the calls a client makes besides the adapter's. */
describe('fake EventStoreDB server, through the real client', () => {
  let fake: FakeEventStoreDb;
  let client: EventStoreDBClient;
  const stream = () => `fake-${randomUUID()}`;
  const event = (n: number) => jsonEvent({ id: randomUUID(), type: 'Numbered', data: { n } });

  beforeAll(async () => {
    fake = await startFakeEventStoreDb();
    client = EventStoreDBClient.connectionString(fake.url);
  });
  afterAll(async () => {
    await client.dispose();
    await fake.stop();
  });

  it('appends through the unary Append call too (the client uses it when a call carries credentials)', async () => {
    const id = stream();
    const credentials = { username: 'admin', password: 'changeit' };
    await expect(client.appendToStream(id, [event(0), event(1)], { expectedRevision: 'no_stream', credentials })).resolves.toMatchObject({
      success: true,
      nextExpectedRevision: 1n,
    });
    await expect(client.appendToStream(id, [event(2)], { expectedRevision: 0n, credentials })).rejects.toBeInstanceOf(WrongExpectedVersionError);
  });

  it('reads the last event of a stream backwards with maxCount 1 (the snapshot read)', async () => {
    const id = stream();
    await client.appendToStream(id, [event(0), event(1), event(2)]);
    const last: ResolvedEvent[] = [];
    for await (const resolved of client.readStream(id, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) last.push(resolved);
    expect(last.map((r) => [r.event?.revision, r.event?.data])).toEqual([[2n, { n: 2 }]]);
  });

  it('serves a catch-up subscription to one stream: history after the revision given, then live events', async () => {
    const id = stream();
    await client.appendToStream(id, [event(0), event(1)]);
    const subscription = client.subscribeToStream(id, { fromRevision: 0n });
    const received: number[] = [];
    const done = new Promise<void>((resolve) => {
      subscription.on('data', (resolved: ResolvedEvent) => {
        received.push((resolved.event?.data as { n: number }).n);
        if (received.length === 2) resolve();
      });
    });
    await client.appendToStream(id, [event(2)]);
    await done;
    expect(received).toEqual([1, 2]);
    await subscription.unsubscribe();
  });

  it('tombstones a stream: reads and appends then fail as deleted', async () => {
    const id = stream();
    await client.appendToStream(id, [event(0)]);
    await client.tombstoneStream(id);
    const read = async () => {
      for await (const _ of client.readStream(id, { fromRevision: START })) void _;
    };
    await expect(read()).rejects.toBeInstanceOf(StreamDeletedError);
    await expect(client.appendToStream(id, [event(1)])).rejects.toBeInstanceOf(StreamDeletedError);
  });
});
