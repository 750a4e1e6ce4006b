/**
 * The graph lists over large graphs: N graphs of S services each (default 1,000 × 200) are folded by the
 * graphs projection (its documents and summaries, through projectPage as the live loop folds them: a
 * submission, a placement with each service's Helm values, a deployment per service) into an SQLite read
 * store, without HTTP deploys. SMO then starts over that store (embedded mode, loopback) and each list is
 * read RUNS times: `GET /graphs` (every project's graph views, the documented GraphView shape) and the
 * console's `GET /ui/data/graphs` (its compact rows). Prints JSON: per list, the body's size, the time of
 * each read, and the process's heap and RSS growth during the reads (sampled every 5 ms).
 *
 *   npm run -s bench:graph-lists                               # 1,000 graphs × 200 services
 *   npm run -s bench:graph-lists -- --graphs=100 --services=20
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app/create-app';
import { createRuntime } from '../src/app/runtime';
import { loadConfig } from '../src/config/config';
import { createLogger } from '../src/observability/logger';
import { deployedGraphEvents, projectIntoGraphs } from '../test/support/deployed-graphs';
import { sqliteStores } from '../test/support/stores';

const argument = (name: string, fallback: number) => Number(process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const GRAPHS = argument('graphs', 1_000);
const SERVICES = argument('services', 200);
const RUNS = argument('runs', 3);
const CLUSTERS = ['cluster-a', 'cluster-b', 'cluster-c'];

/** Folds every graph's events through the graphs projection into the store, as its live loop would (positions in order, one commit per graph). */
async function seed(dir: string): Promise<{ seconds: number; documentBytes: { mean: number; max: number } }> {
  const stores = sqliteStores({ dir });
  const started = performance.now();
  let position = 0;
  try {
    for (let g = 0; g < GRAPHS; g++) {
      const graphId = `graph-${String(g).padStart(5, '0')}`;
      position = await projectIntoGraphs(stores.readStore, graphId, deployedGraphEvents(graphId, { project: `p-${graphId.slice(-1)}`, namespace: 'demo', services: SERVICES, charts: ['oci://registry.example/charts/app', 'oci://registry.example/charts/db'], clusters: CLUSTERS }), position);
    }
    const sizes = stores.database.db.prepare("SELECT avg(length(doc)) AS mean, max(length(doc)) AS max FROM rs_documents WHERE collection LIKE 'graphs%' AND doc IS NOT NULL").get() as { mean: number; max: number };
    return { seconds: Math.round((performance.now() - started) / 100) / 10, documentBytes: { mean: Math.round(sizes.mean), max: sizes.max } };
  } finally {
    await stores.dispose(false);
  }
}

/** Reads `path` RUNS times; each read's time, and the heap and RSS growth over the process's state before it. */
async function measure(url: string, path: string) {
  const runs: Array<{ ms: number; heapGrowthMB: number; rssGrowthMB: number }> = [];
  let bytes = 0;
  for (let run = 0; run < RUNS; run++) {
    global.gc?.();
    const before = process.memoryUsage();
    let peak = { heapUsed: before.heapUsed, rss: before.rss };
    const sampler = setInterval(() => {
      const now = process.memoryUsage();
      peak = { heapUsed: Math.max(peak.heapUsed, now.heapUsed), rss: Math.max(peak.rss, now.rss) };
    }, 5);
    const started = performance.now();
    const response = await fetch(url + path);
    const body = await response.arrayBuffer();
    const ms = performance.now() - started;
    clearInterval(sampler);
    if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
    bytes = body.byteLength;
    runs.push({ ms: Math.round(ms), heapGrowthMB: Math.round((peak.heapUsed - before.heapUsed) / 1e6), rssGrowthMB: Math.round((peak.rss - before.rss) / 1e6) });
  }
  const sorted = runs.map((r) => r.ms).sort((a, b) => a - b);
  return { path, bodyBytes: bytes, medianMs: sorted[Math.floor(sorted.length / 2)], runs };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'smo-graph-lists-bench-'));
  try {
    const seeded = await seed(dir);
    const clusters = join(dir, 'clusters.yaml');
    writeFileSync(clusters, ['clusters:', ...CLUSTERS.flatMap((name) => [`  - name: ${name}`, '    cpu: 1000', '    memory: 4000Gi', '    gpu: 0'])].join('\n') + '\n');
    const config = loadConfig({ SMO_DATA_DIR: dir, SMO_SIMULATED_CLUSTERS: clusters, PORT: '0', LOG_LEVEL: 'silent', SMO_RATE_LIMIT: '100000' });
    const runtime = await createRuntime(config, { logger: createLogger({ level: 'silent' }) });
    const app = await createApp(runtime);
    await app.listen(0, '127.0.0.1');
    try {
      await runtime.processing.whenIdle(600_000);
      const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      const lists = [await measure(url, '/graphs'), await measure(url, '/ui/data/graphs')];
      console.log(JSON.stringify({ bench: 'graph-lists', node: process.version, gcExposed: typeof global.gc === 'function', graphs: GRAPHS, servicesPerGraph: SERVICES, seeded, lists }, null, 2));
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
