/**
 * Store benchmark: prints one JSON document with appends/s (1 and 100 events per append, one or
 * many appends in flight), stream reads/s and projection rebuild events/s for the embedded
 * SQLite adapters under both durability settings, and for EventStoreDB / MongoDB when ESDB_URL /
 * MONGO_URL are set. Goals (not tests): ≥ 10,000 single-event appends/s durable, rebuild ≥ 100,000 events/s.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore, NewEvent } from '../src/eventstore/event-store';
import { EventStoreDbEventStore } from '../src/eventstore/eventstoredb-event-store';
import { SqliteEventStore } from '../src/eventstore/sqlite-event-store';
import { createLogger } from '../src/observability/logger';
import { ProcessingHost } from '../src/processing/processing-host';
import { MongoDbReadStore } from '../src/readstore/mongodb-read-store';
import type { ReadStore } from '../src/readstore/read-store';
import { SqliteReadStore } from '../src/readstore/sqlite-read-store';
import { SqliteDatabase, type SqliteSynchronous } from '../src/sqlite/sqlite-database';
import { streamSummariesProjection } from '../projections/stream-summaries.projection';

const quick = process.argv.includes('--quick');
const APPEND_SECONDS = quick ? 1 : 3;
const REBUILD_EVENTS = quick ? 20_000 : 100_000;
const logger = createLogger({ level: 'silent' });

const event = (n: number): NewEvent => ({ id: randomUUID(), type: 'Measured', data: { n, payload: 'x'.repeat(200) }, metadata: { correlationId: `c-${n}` } });

/** Runs `inFlight` loops of appends of `perAppend` events for `seconds`; returns appends/s and events/s. */
async function appendRate(store: EventStore, perAppend: number, inFlight: number, seconds: number) {
  const deadline = performance.now() + seconds * 1000;
  let appends = 0;
  const lane = async (id: number) => {
    for (let n = 0; performance.now() < deadline; n++) {
      await store.appendToStream(`bench${randomUUID().slice(0, 6)}-${id}-${n % 50}`, Array.from({ length: perAppend }, (_, i) => event(i)));
      appends++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, (_, i) => lane(i)));
  const elapsed = (performance.now() - started) / 1000;
  return { perAppend, inFlight, appendsPerSecond: Math.round(appends / elapsed), eventsPerSecond: Math.round((appends * perAppend) / elapsed) };
}

async function readRate(store: EventStore, seconds: number) {
  const streams = Array.from({ length: 200 }, (_, i) => `read-${i}`);
  for (const stream of streams) await store.appendToStream(stream, Array.from({ length: 10 }, (_, i) => event(i)));
  const deadline = performance.now() + seconds * 1000;
  let reads = 0;
  while (performance.now() < deadline) {
    await store.readStream(streams[reads % streams.length]!);
    reads++;
  }
  return { eventsPerStream: 10, streamReadsPerSecond: Math.round(reads / seconds) };
}

async function rebuildRate(eventStore: EventStore, readStore: ReadStore) {
  for (let n = 0; n < REBUILD_EVENTS; n += 500) {
    await eventStore.appendToStream(`rebuild-${(n / 500) % 1000}`, Array.from({ length: 500 }, (_, i) => event(n + i)));
  }
  const host = new ProcessingHost({ eventStore, readStore, logger });
  host.addProjection(streamSummariesProjection);
  const report = await host.rebuild('stream-summaries');
  return { events: report.events, elapsedMs: Math.round(report.elapsedMs), eventsPerSecond: Math.round(report.eventsPerSecond) };
}

async function sqlite(synchronous: SqliteSynchronous) {
  const dir = mkdtempSync(join(tmpdir(), 'smo-bench-'));
  const database = new SqliteDatabase({ path: join(dir, 'smo.db'), synchronous });
  const store = new SqliteEventStore(database);
  try {
    return {
      adapter: 'sqlite',
      synchronous,
      durability: synchronous === 'full' ? 'fsync on every commit: survives power loss' : 'WAL, fsync at checkpoints: survives process crashes, may lose the last commits on power loss',
      appends: [
        await appendRate(store, 1, 1, APPEND_SECONDS),
        await appendRate(store, 1, 64, APPEND_SECONDS),
        await appendRate(store, 100, 1, APPEND_SECONDS),
        await appendRate(store, 100, 16, APPEND_SECONDS),
      ],
      reads: await readRate(store, APPEND_SECONDS),
      rebuild: await rebuildRate(store, new SqliteReadStore(database)),
    };
  } finally {
    await store.close();
    database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function external() {
  const results: Record<string, unknown> = {};
  if (process.env.ESDB_URL) {
    const store = new EventStoreDbEventStore(process.env.ESDB_URL);
    results.eventstoredb = {
      appends: [await appendRate(store, 1, 1, APPEND_SECONDS), await appendRate(store, 1, 64, APPEND_SECONDS), await appendRate(store, 100, 16, APPEND_SECONDS)],
      reads: await readRate(store, APPEND_SECONDS),
    };
    await store.close();
  } else results.eventstoredb = 'skipped: ESDB_URL not set';
  if (process.env.MONGO_URL) {
    const dir = mkdtempSync(join(tmpdir(), 'smo-bench-'));
    const database = new SqliteDatabase({ path: join(dir, 'smo.db'), synchronous: 'normal' });
    const readStore = await MongoDbReadStore.connect(process.env.MONGO_URL);
    results.mongodb = { rebuildFromSqliteEvents: await rebuildRate(new SqliteEventStore(database), readStore) };
    await readStore.close();
    database.close();
    rmSync(dir, { recursive: true, force: true });
  } else results.mongodb = 'skipped: MONGO_URL not set';
  return results;
}

async function main() {
  const report = {
    benchmark: 'store',
    node: process.version,
    quick,
    sqlite: [await sqlite('full'), await sqlite('normal')],
    ...(await external()),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

void main();
