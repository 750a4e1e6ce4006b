/**
 * Child process for the checkpoint test (run under strace, which logs the fsyncs of the database
 * file): appends about 9 MB of events (2,000+ WAL pages, past SQLite's default checkpoint at 1,000)
 * to a new SQLite store, waits a second, and prints its pid: the event loop's thread id.
 */
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/eventstore/sqlite-event-store';
import { SqliteDatabase } from '../../src/sqlite/sqlite-database';

async function main(): Promise<void> {
  const store = new SqliteEventStore(new SqliteDatabase({ path: join(process.argv[2]!, 'smo.db'), synchronous: 'full' }));
  const pad = 'x'.repeat(3000);
  for (let batch = 0; batch < 30; batch++) {
    await Promise.all(Array.from({ length: 100 }, (_, i) => store.appendToStream(`fill-${i}`, [{ id: `e-${batch}-${i}`, type: 'Filled', data: { pad } }])));
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  process.stdout.write(`${JSON.stringify({ pid: process.pid })}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
