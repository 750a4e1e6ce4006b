/**
 * Child process for the crash test: appends to the SQLite store as fast as it can, several
 * appends in flight at a time, and prints the id of each event once its append is acknowledged.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/eventstore/sqlite-event-store';
import { SqliteDatabase } from '../../src/sqlite/sqlite-database';

const dir = process.argv[2]!;
const synchronous = process.argv[3] === 'normal' ? 'normal' : 'full';
const store = new SqliteEventStore(new SqliteDatabase({ path: join(dir, 'smo.db'), synchronous }));

async function writer(lane: number): Promise<never> {
  for (let n = 0; ; n++) {
    const id = randomUUID();
    await store.appendToStream(`crash-${lane}`, [{ id, type: 'Appended', data: { lane, n, pad: 'x'.repeat(200) } }]);
    process.stdout.write(`${id}\n`);
  }
}

for (let lane = 0; lane < 8; lane++) void writer(lane);
