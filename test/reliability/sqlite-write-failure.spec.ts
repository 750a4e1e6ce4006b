/**
 * The embedded store when SQLite cannot write (disk full: `PRAGMA max_page_count` caps the file at
 * its current size, so SQLite answers SQLITE_FULL exactly as on a full filesystem). SQLite then
 * rolls the whole transaction back by itself; group commit must not acknowledge an append of the
 * batch that was rolled back with it, and the store must work again once there is space.
 */
import { randomUUID } from 'node:crypto';
import type { NewEvent } from '../../src/eventstore/event-store';
import { EventStoreUnavailableError } from '../../src/eventstore/errors';
import { TransactionAbortedError } from '../../src/sqlite/sqlite-database';
import { sqliteStores } from '../support/stores';

const event = (size: number): NewEvent => ({ id: randomUUID(), type: 'Happened', data: { filler: 'x'.repeat(size) } });

describe('SQLite store when the disk is full', () => {
  let stores: ReturnType<typeof sqliteStores>;
  beforeEach(() => {
    stores = sqliteStores();
  });
  afterEach(async () => stores.dispose());

  /** Fills the file to a cap, then frees about `leave` bytes inside it. */
  function fillDisk(leave: number): void {
    const { db } = stores.database;
    db.exec('CREATE TABLE ballast (id INTEGER PRIMARY KEY, filler BLOB)');
    const pages = (db.prepare('PRAGMA page_count').get() as { page_count: number }).page_count;
    db.exec(`PRAGMA max_page_count = ${pages}`);
    const insert = db.prepare('INSERT INTO ballast (filler) VALUES (?)');
    for (const size of [4000, 1000, 100, 1]) {
      for (;;) {
        try {
          insert.run(Buffer.alloc(size));
        } catch {
          break;
        }
      }
    }
    if (leave > 0) db.prepare('DELETE FROM ballast WHERE id IN (SELECT id FROM ballast WHERE length(filler) >= ? LIMIT 1)').run(leave);
  }

  function freeDisk(): void {
    stores.database.db.exec('DROP TABLE ballast; PRAGMA max_page_count = 1073741823;');
  }

  it('rejects every append of a batch SQLite rolled back, acknowledges none, and works again once there is space', async () => {
    await stores.eventStore.appendToStream('s-0', [event(10)]);
    fillDisk(1000);
    // Same tick: one group commit. The small append fits, the large one does not, and SQLITE_FULL
    // takes the whole transaction (the small append included) with it.
    const small = stores.eventStore.appendToStream('s-1', [event(10)]);
    const large = stores.eventStore.appendToStream('s-2', [event(200_000)]);
    const outcomes = await Promise.allSettled([small, large]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    for (const outcome of outcomes) expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(EventStoreUnavailableError);
    expect((await stores.eventStore.readAll()).map((e) => e.streamId)).toEqual(['s-0']);

    freeDisk();
    await stores.eventStore.appendToStream('s-1', [event(10)]);
    await stores.eventStore.appendToStream('s-2', [event(200_000)]);
    expect((await stores.eventStore.readAll()).map((e) => e.streamId)).toEqual(['s-0', 's-1', 's-2']);
  });

  it('a nested transaction that SQLite rolled back reports TransactionAbortedError, and the next transaction starts clean', () => {
    const { database } = stores;
    database.db.exec('CREATE TABLE t (v BLOB)');
    fillDisk(0);
    const attempt = () => database.transaction(() => database.transaction(() => database.db.prepare('INSERT INTO t VALUES (?)').run(Buffer.alloc(100_000))));
    expect(attempt).toThrow(TransactionAbortedError);
    expect(database.db.isTransaction).toBe(false);
    freeDisk();
    expect(() => database.transaction(() => database.transaction(() => database.db.prepare('INSERT INTO t VALUES (?)').run(Buffer.alloc(10))))).not.toThrow();
    expect((database.db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(1);
  });
});
