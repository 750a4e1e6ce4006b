import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/eventstore/sqlite-event-store';
import { SqliteDatabase } from '../../src/sqlite/sqlite-database';
import { describeEventStoreContract } from './event-store.contract';

describeEventStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'smo-es-'));
  const database = new SqliteDatabase({ path: join(dir, 'smo.db'), synchronous: 'normal' });
  const store = new SqliteEventStore(database);
  return {
    store,
    dispose: async () => {
      await store.close();
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('sqlite subscriptions following the head, with a second writer on the same file', () => {
  // At `full` the other writer's events are read past this store's last flush only after a flush of its own.
  it.each(['normal', 'full'] as const)('deliver every event in $all order, whichever process appended it, as a full read has them (synchronous=%s)', async (synchronous) => {
    const dir = mkdtempSync(join(tmpdir(), 'smo-es-'));
    const [databaseA, databaseB] = [new SqliteDatabase({ path: join(dir, 'smo.db'), synchronous }), new SqliteDatabase({ path: join(dir, 'smo.db'), synchronous })];
    const [a, b] = [new SqliteEventStore(databaseA), new SqliteEventStore(databaseB)];
    const subscription = a.subscribeToAll({ fromPosition: 'start' });
    try {
      const iterator = subscription[Symbol.asyncIterator]();
      const delivered: number[] = [];
      const until = async (position: number) => {
        while (delivered.at(-1) !== position) {
          const next = await iterator.next();
          if (next.value?.kind === 'event') delivered.push(next.value.event.position);
        }
      };
      const appends = [
        () => a.appendToStream('graph-one', [{ id: 'a1', type: 'A', data: { n: 1 } }]),
        () => b.appendToStream('graph-two', [{ id: 'b1', type: 'B', data: { n: 2 } }]),
        () => a.appendToStream('graph-one', [{ id: 'a2', type: 'A', data: { n: 3 } }, { id: 'a3', type: 'A', data: { n: 4 } }]),
        () => b.appendToStream('graph-two', [{ id: 'b2', type: 'B', data: { n: 5 } }]),
        () => b.appendToStream('graph-two', [{ id: 'b3', type: 'B', data: { n: 6 } }]),
        () => a.appendToStream('graph-one', [{ id: 'a4', type: 'A', data: { n: 7 } }]),
      ];
      for (const append of appends) await until((await append()).position);
      const all = await a.readAll();
      expect(delivered).toEqual(all.map((event) => event.position));
      expect(all.map((event) => (event.data as { n: number }).n)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    } finally {
      await subscription.close();
      await Promise.all([a.close(), b.close()]);
      databaseA.close();
      databaseB.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
