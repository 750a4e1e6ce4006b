/**
 * The inventory read of every placement decision (effectiveClusters: the clusters less SMO's own
 * placements the inventory does not show yet), with 0, 1k, 10k and 100k graphs in the placement
 * ledger, 50 of them placed in the last minutes. Before each call one recent graph's document is
 * written again (a new position, the same demand), as every placement of a burst of deploys does.
 * Side by side, on the same store: the read placement makes (through SMO's read cache, which reads
 * and parses again only the document that changed), the same indexed read without the cache (every
 * recent document read and parsed: what placement did before), and the scan of the whole ledger
 * the index replaced. Same rule, same answer: checked on every call; prints JSON.
 * Also the simulated inventory's "allocated" figure (placedDemandOf, every 30 s in embedded mode):
 * the ledger's totals document against the sum over every ledger document it replaced.
 * Goal (not a test): the read costs the same at 100k graphs as at 1k (the same 50 recent placements).
 *
 *   npm run -s bench:placement-inventory -- --quick --recent=2000
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { effectiveClusters, placedDemand, placedDemandOf, unreflectedDemand, withDemand } from '../src/processors/placed-demand';
import { CachingReadStore } from '../src/readstore/caching-read-store';
import { SqliteReadStore } from '../src/readstore/sqlite-read-store';
import { SqliteDatabase } from '../src/sqlite/sqlite-database';
import type { ClusterDocument } from '../projections/clusters.projection';
import { MINUTE_MS, PLACED_DEMAND_ID, placedDemandTotals, type PlacedDemandTotals, type PlacementLedgerDocument } from '../projections/placement-ledger.projection';

const quick = process.argv.includes('--quick');
const SIZES = quick ? [0, 1_000, 10_000] : [0, 1_000, 10_000, 100_000];
// --recent=N: graphs placed within the TTL (default 50; 2000 is a ten-times burst, past the 1,000 documents the read cache once held).
const recentArgument = process.argv.find((a) => a.startsWith('--recent='));
const RECENT = recentArgument ? Number(recentArgument.slice('--recent='.length)) : 50;
const CALLS = quick ? 50 : 200;
const TTL_MS = 300_000;
const NOW = Date.parse('2026-12-05T12:00:00Z');
const CLUSTERS = ['c1', 'c2', 'c3'];

const ledgerDoc = (graphId: string, placedAt: number): PlacementLedgerDocument => ({
  graphId,
  running: true,
  services: {
    a: { cluster: CLUSTERS[placedAt % 3]!, cpu: 0.5, memoryBytes: 1 << 28, gpu: 0, replicas: 2, placedAt: new Date(placedAt).toISOString() },
    b: { cluster: CLUSTERS[(placedAt + 1) % 3]!, cpu: 1, memoryBytes: 1 << 29, gpu: 0, replicas: 1, placedAt: new Date(placedAt).toISOString() },
  },
  placedMinute: Math.floor(placedAt / MINUTE_MS),
});

const clusterDoc = (name: string): ClusterDocument =>
  ({
    name,
    available: true,
    updatedAt: new Date(NOW - 3_600_000).toISOString(),
    allocationObservedAt: new Date(NOW - 3_600_000).toISOString(),
    cpuAvailable: 1e6,
    cpuAllocatable: 2e6,
    memoryAvailableBytes: 1e15,
    memoryAllocatableBytes: 2e15,
    gpuAvailable: 0,
    gpuAllocatable: 0,
  }) as ClusterDocument;

/** The peer: every ledger document read and the rule applied to all (what placement did before the index). */
async function scanWholeLedger(store: SqliteReadStore, now: Date): Promise<ClusterDocument[]> {
  const [clusters, ledger] = await Promise.all([store.find<ClusterDocument>('clusters', { orderBy: [{ field: 'name' }] }), store.find<PlacementLedgerDocument>('placement-ledger')]);
  const docs = clusters.map(({ doc }) => doc);
  return withDemand(
    docs,
    unreflectedDemand(
      ledger.map(({ doc }) => doc),
      docs,
      now,
      TTL_MS,
    ),
  );
}

async function timed(calls: number, read: () => Promise<readonly ClusterDocument[]>, expected: readonly ClusterDocument[], before: () => Promise<void>): Promise<{ p50Ms: number; p99Ms: number }> {
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    await before();
    const started = performance.now();
    const answer = await read();
    times.push(performance.now() - started);
    if (!isDeepStrictEqual(answer, expected)) throw new Error('the two reads disagree');
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))]! * 1000) / 1000;
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}

async function main(): Promise<void> {
  const results = [];
  for (const graphs of SIZES) {
    const dir = mkdtempSync(join(tmpdir(), 'smo-bench-ledger-'));
    try {
      const database = new SqliteDatabase({ path: join(dir, 'smo.db') });
      const store = new SqliteReadStore(database);
      await store.commit(CLUSTERS.map((name, i) => ({ kind: 'upsert' as const, collection: 'clusters', id: name, doc: clusterDoc(name), position: i + 1 })));
      let position = CLUSTERS.length;
      // The totals the projection's summary keeps: each document's arrival folded in.
      let totals: PlacedDemandTotals | null = null;
      for (let start = 0; start < graphs; start += 5_000) {
        const batch = Array.from({ length: Math.min(5_000, graphs - start) }, (_, k) => {
          const i = start + k;
          // All but RECENT placed between one day and one month ago; RECENT within the TTL.
          const placedAt = i < RECENT ? NOW - ((i * 5_000) % TTL_MS) : NOW - 86_400_000 - ((i * 7_919_000) % (29 * 86_400_000));
          return { kind: 'upsert' as const, collection: 'placement-ledger', id: `g${String(i).padStart(6, '0')}`, doc: ledgerDoc(`g${i}`, placedAt), position: ++position };
        });
        for (const { id, doc } of batch) totals = placedDemandTotals.evolve(totals, { id, before: null, after: doc });
        await store.commit(batch);
      }
      if (totals) await store.commit([{ kind: 'upsert', collection: placedDemandTotals.collection, id: PLACED_DEMAND_ID, doc: totals, position: ++position }]);
      const everyDocument = async () => placedDemand((await store.find<PlacementLedgerDocument>('placement-ledger')).map(({ doc }) => doc));
      const allocated = await everyDocument();
      if (!isDeepStrictEqual(await placedDemandOf(store), allocated)) throw new Error(`at ${graphs} graphs the ledger's totals disagree with the sum over its documents`);
      const timeAllocated = async (read: () => Promise<unknown>, calls: number) => {
        const times: number[] = [];
        for (let i = 0; i < calls; i++) {
          const started = performance.now();
          if (!isDeepStrictEqual(await read(), allocated)) throw new Error('the allocated figures disagree');
          times.push(performance.now() - started);
        }
        times.sort((a, b) => a - b);
        return Math.round(times[Math.floor(times.length / 2)]! * 1000) / 1000;
      };
      const simulatedAllocated = { totalsDocumentP50Ms: await timeAllocated(() => placedDemandOf(store), CALLS), everyDocumentP50Ms: await timeAllocated(everyDocument, graphs >= 100_000 ? 5 : 20) };
      const now = new Date(NOW);
      const cache = new CachingReadStore(store);
      let rewrites = 0;
      // A placement: one recent graph's document written again (through the cache, as the projections write).
      const placeOne = async (): Promise<void> => {
        if (graphs === 0) return;
        const id = `g${String(rewrites++ % Math.min(graphs, RECENT)).padStart(6, '0')}`;
        const current = (await store.get<PlacementLedgerDocument>('placement-ledger', id))!;
        await cache.commit([{ kind: 'upsert', collection: 'placement-ledger', id, doc: current.doc, position: ++position }]);
      };
      const expected = await scanWholeLedger(store, now);
      if (!isDeepStrictEqual(await effectiveClusters(cache, now, TTL_MS), expected)) throw new Error(`at ${graphs} graphs the indexed read disagrees with the scan`);
      // Alternating rounds, so that the reads meet the same machine.
      const cached: Array<{ p50Ms: number; p99Ms: number }> = [];
      const uncached: Array<{ p50Ms: number; p99Ms: number }> = [];
      const scanned: Array<{ p50Ms: number; p99Ms: number }> = [];
      for (let round = 0; round < 3; round++) {
        cached.push(await timed(CALLS, () => effectiveClusters(cache, now, TTL_MS), expected, placeOne));
        uncached.push(await timed(CALLS, () => effectiveClusters(new CachingReadStore(store), now, TTL_MS), expected, placeOne));
        scanned.push(await timed(graphs >= 100_000 ? Math.ceil(CALLS / 20) : CALLS, () => scanWholeLedger(store, now), expected, placeOne));
      }
      const median = (rounds: Array<{ p50Ms: number; p99Ms: number }>) => [...rounds].sort((a, b) => a.p50Ms - b.p50Ms)[1]!;
      const [ours, indexedOnly, peer] = [median(cached), median(uncached), median(scanned)];
      results.push({
        graphsInLedger: graphs,
        placedWithinTtl: Math.min(graphs, RECENT),
        indexedRead: ours,
        indexedReadWithoutCache: indexedOnly,
        wholeLedgerScan: peer,
        scanOverIndexedP50: Math.round((peer.p50Ms / ours.p50Ms) * 10) / 10,
        uncachedOverCachedP50: Math.round((indexedOnly.p50Ms / ours.p50Ms) * 10) / 10,
        simulatedAllocated,
      });
      database.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const smallest = results.find((r) => r.graphsInLedger > 0)!;
  const largest = results[results.length - 1]!;
  console.log(
    JSON.stringify(
      {
        bench: 'placement-inventory',
        settings: { adapter: 'sqlite (file, WAL)', ttlMs: TTL_MS, clusters: CLUSTERS.length, callsPerRound: CALLS, rounds: 3, quick },
        goal: `the indexed read costs the same with ${largest.graphsInLedger} graphs in the ledger as with ${smallest.graphsInLedger}`,
        results,
        largestOverSmallestP50: Math.round((largest.indexedRead.p50Ms / smallest.indexedRead.p50Ms) * 100) / 100,
      },
      null,
      2,
    ),
  );
}

void main();
