/**
 * Child process for the disk-fault tests (run under strace, which delays or fails the flushes of the
 * WAL file): appends one event to a new SQLite store at synchronous=full while a 5 ms timer and a
 * subscription run, then one more, and prints what it saw as one JSON line. `no-warm-up` as the
 * second argument skips the append made before the measured one.
 */
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/eventstore/sqlite-event-store';
import { SqliteDatabase } from '../../src/sqlite/sqlite-database';

const dir = process.argv[2]!;

async function main(): Promise<void> {
  const database = new SqliteDatabase({ path: join(dir, 'smo.db'), synchronous: 'full' });
  const store = new SqliteEventStore(database);
  // A first append creates the WAL file, and opens it for flushing, before the measured one.
  if (process.argv[3] !== 'no-warm-up') await store.appendToStream('warm-up', [{ id: 'warm-up', type: 'Appended', data: {} }]);

  const started = performance.now();
  let longestTimerGapMs = 0;
  let timerTicks = 0;
  let lastTick = started;
  const timer = setInterval(() => {
    const now = performance.now();
    timerTicks += 1;
    longestTimerGapMs = Math.max(longestTimerGapMs, now - lastTick);
    lastTick = now;
  }, 5);
  let deliveredAtMs: number | null = null;
  const subscription = store.subscribeToAll({ fromPosition: 1 });
  const delivered = (async () => {
    for await (const message of subscription) {
      if (message.kind === 'event' && message.event.streamId === 'measured') {
        deliveredAtMs = performance.now() - started;
        return;
      }
    }
  })();
  const outcome = await store.appendToStream('measured', [{ id: 'measured', type: 'Appended', data: {} }]).then(
    () => ({ acknowledged: true, error: null }),
    (error: unknown) => ({ acknowledged: false, error: error instanceof Error ? error.name : String(error) }),
  );
  const answeredAtMs = performance.now() - started;
  await Promise.race([delivered, new Promise((resolve) => setTimeout(resolve, 300))]);
  const later = await store.appendToStream('later', [{ id: 'later', type: 'Appended', data: {} }]).then(
    () => 'acknowledged',
    (error: unknown) => (error instanceof Error ? error.name : String(error)),
  );
  const head = await store.headPosition().then(
    () => 'answered',
    (error: unknown) => (error instanceof Error ? error.name : String(error)),
  );
  clearInterval(timer);
  await subscription.close();
  process.stdout.write(`${JSON.stringify({ ...outcome, answeredAtMs, deliveredAtMs, timerTicks, longestTimerGapMs, later, head })}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
