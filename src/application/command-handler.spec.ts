import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPEAT_WINDOW } from './aggregate-loader';
import { handleCommand } from './command-handler';
import { eventGuard } from '../domain/event-schema';
import type { Decider } from '../domain/decider';
import type { EventStore } from '../eventstore/event-store';
import { EventStoreDbEventStore } from '../eventstore/eventstoredb-event-store';
import { MemoryEventStore } from '../eventstore/memory-event-store';
import { SqliteEventStore } from '../eventstore/sqlite-event-store';
import { SqliteDatabase } from '../sqlite/sqlite-database';
import { deterministicId } from '../shared/deterministic-id';
import { startFakeEventStoreDb } from '../../test/fakes/esdb-grpc-server/fake-esdb-server';

type Added = { type: 'Added'; data: { n: number } };
const counter: Decider<{ n: number; times?: number }, Added, number> = {
  decide: (command) => Array.from({ length: command.times ?? 1 }, () => ({ type: 'Added' as const, data: { n: command.n } })),
  evolve: (sum, event) => sum + event.data.n,
  initialState: 0,
  isEvent: eventGuard<Added>({ Added: true }),
};
const ctx = (id: string) => ({ commandId: id, correlationId: id, actor: 'test', now: new Date() });

const adapters: Array<[string, () => Promise<{ store: EventStore; dispose(): Promise<void> }>]> = [
  ['memory', async () => ({ store: new MemoryEventStore(), dispose: async () => undefined })],
  ['sqlite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smo-rep-'));
    const database = new SqliteDatabase({ path: join(dir, 'smo.db') });
    const store = new SqliteEventStore(database);
    return { store, dispose: async () => { await store.close(); database.close(); rmSync(dir, { recursive: true, force: true }); } };
  }],
  ['eventstoredb (protocol-level fake)', async () => {
    const fake = await startFakeEventStoreDb();
    const store = new EventStoreDbEventStore(fake.url);
    return { store, dispose: async () => { await store.close(); await fake.stop(); } };
  }],
];

// From the review: a repeat was recognised among the stream's latest REPEAT_WINDOW events only. Beyond
// them it was decided again: EventStoreDB wrote the same event ids a second time, SQLite answered a conflict.
describe.each(adapters)('a command repeated (same Idempotency-Key) after more than REPEAT_WINDOW later events: %s', (_name, open) => {
  it('appends nothing new: the event ids are deterministic per command', async () => {
    const { store, dispose } = await open();
    try {
      const original = await handleCommand(store, 'counter-1', counter, { n: 1000, times: 2 }, ctx('request:key-1'));
      for (let i = 0; i <= REPEAT_WINDOW; i++) await handleCommand(store, 'counter-1', counter, { n: 1 }, ctx(`other-${i}`));
      const before = await store.readStream('counter-1');
      const repeat = await handleCommand(store, 'counter-1', counter, { n: 1000, times: 2 }, ctx('request:key-1')).catch((error: Error) => error.name);
      const after = await store.readStream('counter-1');
      expect(after.length).toBe(before.length); // nothing appended twice
      expect(new Set(after.map((e) => e.id)).size).toBe(after.length); // no event id twice in the stream
      expect(repeat).not.toBe('WrongExpectedVersionError'); // and the client is not told of a conflict
      // The first outcome, as a repeat within the window answers it.
      expect(typeof repeat === 'string' ? repeat : { repeated: repeat.repeated, eventIds: repeat.eventIds, position: repeat.position, state: repeat.state }).toEqual({
        repeated: true,
        eventIds: [deterministicId('request:key-1', 0), deterministicId('request:key-1', 1)],
        position: original.position,
        state: 2000 + REPEAT_WINDOW + 1,
      });
      // A new command on the long stream is still decided and appended.
      const next = await handleCommand(store, 'counter-1', counter, { n: 5 }, ctx('request:key-2'));
      expect([next.repeated, next.state]).toEqual([false, 2005 + REPEAT_WINDOW + 1]);
    } finally {
      await dispose();
    }
  });
});
