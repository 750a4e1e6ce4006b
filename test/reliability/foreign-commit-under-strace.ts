/**
 * Child process for the disk-fault tests (run under strace, which fails every flush of the WAL file):
 * two stores on one SQLite file at synchronous=full, as two SMO processes would have them. The writer
 * commits an event acknowledged at commit (its flush comes later, and fails); the reader follows `$all`.
 * Prints as one JSON line whether the reader was handed the event, and what its head answers.
 */
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/eventstore/sqlite-event-store';
import { SqliteDatabase } from '../../src/sqlite/sqlite-database';

const dir = process.argv[2]!;

async function main(): Promise<void> {
  const open = () => new SqliteDatabase({ path: join(dir, 'smo.db'), synchronous: 'full' });
  const [writerDatabase, readerDatabase] = [open(), open()];
  const [writer, reader] = [new SqliteEventStore(writerDatabase), new SqliteEventStore(readerDatabase)];
  let delivered = false;
  const subscription = reader.subscribeToAll({ fromPosition: 'start' });
  const following = (async () => {
    for await (const message of subscription) if (message.kind === 'event') delivered = true;
  })();
  const writerAcknowledged = await writer.appendToStream('foreign', [{ id: 'foreign', type: 'Appended', data: {} }], { acknowledge: 'committed' }).then(
    () => true,
    () => false,
  );
  // The reader finds another process's appends by polling (every 500 ms): two polls.
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  const readerHead = await reader.headPosition().then(
    (position) => position,
    (error: unknown) => (error instanceof Error ? error.name : String(error)),
  );
  await subscription.close();
  await following;
  process.stdout.write(`${JSON.stringify({ writerAcknowledged, delivered, readerHead })}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
