import { randomUUID } from 'node:crypto';
import { EsdbSubscription, EventStoreDbEventStore } from '../../src/eventstore/eventstoredb-event-store';
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

/** Resolves 'pending' after `ms`: a bound that turns a hang into a failed assertion. */
const within = <T>(work: Promise<T>, ms: number) =>
  Promise.race([work, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms).unref())]);

const outcomeOf = (work: Promise<unknown>) =>
  work.then(
    () => 'succeeded',
    (error: unknown) => (error instanceof Error ? error.name : String(error)),
  );

// Stopping the server is something only the fake lets a test do.
(realServer ? describe.skip : describe)(`eventstoredb adapter when the server goes away${realServer ? ' (skipped: ESDB_URL is a real server this test cannot stop)' : ''}`, () => {
  let server: FakeEventStoreDb;
  let store: EventStoreDbEventStore;
  const event = () => ({ id: randomUUID(), type: 'ThingHappened', data: { n: 1 }, metadata: { correlationId: 'c', causationId: 'c', actor: 'test', at: new Date().toISOString(), schemaVersion: 1 } });

  beforeEach(async () => {
    server = await startFakeEventStoreDb();
    store = new EventStoreDbEventStore(server.url);
    await store.appendToStream('thing-1', [event()]);
  });
  afterEach(async () => {
    await store.close();
    await server.stop();
  });

  it('a subscription the server ends fails (its runner subscribes again) instead of waiting forever', async () => {
    const subscription = store.subscribeToAll({ fromPosition: 'start' });
    const messages: string[] = [];
    const consumed = outcomeOf(
      (async () => {
        for await (const message of subscription) messages.push(message.kind);
      })(),
    );
    await within(
      (async () => {
        while (!messages.includes('caughtUp')) await new Promise((resolve) => setTimeout(resolve, 10));
      })(),
      10_000,
    );
    await server.stop(); // ends every subscription call, as a server shutting down does
    expect(await within(consumed, 10_000)).toBe('EventStoreUnavailableError');
    expect(messages).toEqual(['event', 'caughtUp']);
    await subscription.close();
  });

  it('calls to a server that is gone fail as EventStoreUnavailableError (commands answer 503, processors retry the event)', async () => {
    server.crash();
    expect(await within(outcomeOf(store.appendToStream('thing-1', [event()])), 10_000)).toBe('EventStoreUnavailableError');
    expect(await within(outcomeOf(store.readStream('thing-1')), 10_000)).toBe('EventStoreUnavailableError');
    expect(await within(outcomeOf(store.readAll({ maxCount: 10 })), 10_000)).toBe('EventStoreUnavailableError');
    expect(await within(outcomeOf(store.headPosition()), 10_000)).toBe('EventStoreUnavailableError');
    const subscription = store.subscribeToAll({ fromPosition: 'start' });
    const drained = (async () => {
      for await (const message of subscription) void message;
    })();
    expect(await within(outcomeOf(drained), 10_000)).toBe('EventStoreUnavailableError');
    expect(await within(subscription.close().then(() => 'closed'), 10_000)).toBe('closed');
  });

  it('a subscription whose call never started (the cluster could not be discovered) still closes, so shutdown goes on', async () => {
    server.crash();
    const port = new URL(server.url.replace(/^esdb:/, 'http:')).port;
    const discovering = new EventStoreDbEventStore(`esdb+discover://127.0.0.1:${port}?tls=false&maxDiscoverAttempts=2&discoveryInterval=10&gossipTimeout=200`);
    try {
      const subscription = discovering.subscribeToAll({ fromPosition: 'start' });
      const drained = (async () => {
        for await (const message of subscription) void message;
      })();
      expect(await within(outcomeOf(drained), 10_000)).not.toBe('pending');
      expect(await within(outcomeOf(subscription.close()), 10_000)).toBe('succeeded');
    } finally {
      await discovering.close();
    }
  });
});

describe('eventstoredb subscriptions and a slow reader', () => {
  it('hold at most about 1,000 messages: the call pauses, resumes as the reader drains, and every event arrives in order', async () => {
    const server = realServer ? null : await startFakeEventStoreDb();
    const store = new EventStoreDbEventStore(realServer ?? server!.url);
    try {
      const category = `slowreader${randomUUID().replace(/-/g, '')}`;
      const count = 20_000;
      for (let from = 0; from < count; from += 500) {
        const batch = Array.from({ length: 500 }, (_, k) => ({ id: randomUUID(), type: 'Counted', data: { n: from + k }, metadata: { correlationId: 'c', causationId: 'c', actor: 'test', at: new Date().toISOString(), schemaVersion: 1 } }));
        await store.appendToStream(`${category}-1`, batch);
      }
      const subscription = store.subscribeToAll({ fromPosition: 'start', filter: { streamCategories: [category] } });
      expect(subscription).toBeInstanceOf(EsdbSubscription);
      const buffered = () => (subscription as EsdbSubscription).buffered;
      const iterator = subscription[Symbol.asyncIterator]();
      const first = await iterator.next();
      // The reader now waits: the buffer fills until the call pauses, and then stops growing.
      let last = -1;
      for (let stable = 0; stable < 6; ) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        stable = buffered() === last ? stable + 1 : 0;
        last = buffered();
      }
      expect(last).toBeGreaterThanOrEqual(900);
      expect(last).toBeLessThan(1_100); // without the pause: the whole history (20,000)
      const seen = [first.value.kind === 'event' ? (first.value.event.data as { n: number }).n : -1];
      let most = last;
      while (seen.length < count) {
        const next = await iterator.next();
        most = Math.max(most, buffered());
        if (next.value.kind === 'event') seen.push((next.value.event.data as { n: number }).n);
      }
      expect(most).toBeLessThan(1_100);
      expect(seen).toEqual(Array.from({ length: count }, (_, n) => n));
      await subscription.close();
    } finally {
      await store.close();
      await server?.stop();
    }
  }, 60_000);
});

describe('eventstoredb connection strings', () => {
  const PASSWORD = 'canary-esdb-password-91c2';
  it('never echo their password: not in the warning about an unknown option, nor in a parse error', async () => {
    const written: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void written.push(args.map(String).join(' '));
    try {
      const store = new EventStoreDbEventStore(`esdb://admin:${PASSWORD}@127.0.0.1:2113?tls=false&keepAliveIntervl=10000`);
      await store.close().catch(() => undefined);
    } finally {
      console.warn = warn;
    }
    expect(written.join('\n')).toContain('Unknown option key "keepAliveIntervl"');
    expect(written.join('\n')).not.toContain(PASSWORD);
    expect(() => new EventStoreDbEventStore(`esdb://admin:${PASSWORD}@127.0.0.1:2113?tls=maybe`)).toThrow(/expected true or false/);
    expect(() => new EventStoreDbEventStore(`esdb://admin:${PASSWORD}@127.0.0.1:2113?tls=maybe`)).not.toThrow(new RegExp(PASSWORD));
  });
});
