/**
 * Child process for the disk-fault tests (run under strace, which delays or fails flushes of the WAL
 * file): two stores on one SQLite file at synchronous=full, as two SMO processes would have them. The
 * writer commits an event acknowledged at commit (its flush comes 50 ms later); the reader follows `$all`.
 *
 *   reader-first   both stores open (and make their flush at open), then the writer commits
 *   commit-first   the writer commits, then the reader opens
 *
 * Prints as one JSON line whether the reader was handed the event, how long after its open, and what
 * the reader's head answers.
 */
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/eventstore/sqlite-event-store';
import { SqliteDatabase } from '../../src/sqlite/sqlite-database';

const dir = process.argv[2]!;
const order = process.argv[3] as 'reader-first' | 'commit-first';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const open = () => new SqliteEventStore(new SqliteDatabase({ path: join(dir, 'smo.db'), synchronous: 'full' }));
  const writer = open();
  const commit = () =>
    writer.appendToStream('foreign', [{ id: 'foreign', type: 'Appended', data: {} }], { acknowledge: 'committed' }).then(
      () => true,
      () => false,
    );
  const writerAcknowledged = order === 'commit-first' ? await commit() : undefined;
  const reader = open();
  const openedAt = performance.now();
  let deliveredAfterOpenMs: number | null = null;
  const subscription = reader.subscribeToAll({ fromPosition: 'start' });
  const following = (async () => {
    for await (const message of subscription) if (message.kind === 'event') deliveredAfterOpenMs ??= performance.now() - openedAt;
  })();
  // Both stores' flushes at open are done (they are not delayed in reader-first).
  if (order === 'reader-first') await sleep(300);
  const acknowledged = writerAcknowledged ?? (await commit());
  // The reader finds another process's appends by polling (every 500 ms): two polls at least.
  await sleep(1_500);
  const readerHead = await reader.headPosition().then(
    (position) => position,
    (error: unknown) => (error instanceof Error ? error.name : String(error)),
  );
  await subscription.close();
  await following;
  process.stdout.write(`${JSON.stringify({ writerAcknowledged: acknowledged, delivered: deliveredAfterOpenMs !== null, deliveredAfterOpenMs, readerHead })}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
