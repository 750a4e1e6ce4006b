/**
 * Large graphs, deployed end to end: one graph of S services for each size (default 3, 30 and 300: the fixtures'
 * size, 10× and 100×; `--sizes=3,30,300,1000` goes to the descriptor limit), each POSTed to an SMO of its own in
 * embedded mode (SQLite, simulated clusters large enough for every size, simulated helm), in this process. The POST
 * is answered once the graph has settled: every service placed and installed. Prints JSON, per size: that time and
 * its share per service, SMO's event-loop delay meanwhile (what any request waited to be read), the graph's stored
 * document, and `GET /graphs/{g}` and the history's first page once it has settled.
 *
 * A graph's document holds every service, and each service's deployment is an event that rewrites it, so a deploy
 * costs more per service the larger the graph. `perServiceRatio` (each size's per-service time over the 30-service
 * graph's, or the smallest's when 30 is not among the sizes: a 3-service graph's time is mostly the first placement)
 * says by how much: 1 would be linear. No goal: it is here to be watched.
 *
 *   npm run -s bench:large-graph
 *   npm run -s bench:large-graph -- --sizes=3,300,1000
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DatabaseSync } from 'node:sqlite';
import { createApp } from '../src/app/create-app';
import { createRuntime } from '../src/app/runtime';
import { loadConfig } from '../src/config/config';
import { createLogger } from '../src/observability/logger';
import { independentServicesDescriptor } from '../test/support/graph-fixtures';

const SIZES = (process.argv.find((arg) => arg.startsWith('--sizes='))?.split('=')[1] ?? '3,30,300').split(',').map(Number);
const READS = 20;

/** Ten clusters, each with room for the largest graph (a light service takes half a core and 500 MiB). */
function clustersFile(dir: string): string {
  const clusters = Array.from({ length: 10 }, (_, i) =>
    [`  - name: c${i}`, '    cpu: 1000', '    memory: 2000Gi', '    gpu: 0', `    podCidr: 10.${10 + i}.0.0/16`, `    serviceCidr: 10.${110 + i}.0.0/16`].join('\n'),
  );
  const path = join(dir, 'clusters.yaml');
  writeFileSync(path, `clusters:\n${clusters.join('\n')}\n`);
  return path;
}

function milliseconds(value: number): number {
  return Math.round(value * 10) / 10;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function deployOne(services: number) {
  const dir = mkdtempSync(join(tmpdir(), 'smo-bench-large-graph-'));
  const config = loadConfig({
    ...process.env,
    SMO_DATA_DIR: join(dir, 'data'),
    SMO_SIMULATED_CLUSTERS: clustersFile(dir),
    PORT: '0',
    LOG_LEVEL: 'silent',
    SMO_RATE_LIMIT: '1000000',
    SMO_DEPLOY_WAIT: '1800',
  });
  const runtime = await createRuntime(config, { logger: createLogger({ level: 'silent' }) });
  const app = await createApp(runtime);
  await app.listen(0, '127.0.0.1');
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  try {
    const graphId = `large-${services}`;
    const body = independentServicesDescriptor(graphId, services, ['oci://registry.example/charts/app', 'oci://registry.example/charts/db']);
    await runtime.processing.whenIdle(60_000);
    const loopDelay = monitorEventLoopDelay({ resolution: 2 });
    loopDelay.enable();
    const started = performance.now();
    const response = await fetch(`${base}/project/bench/graphs`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body });
    const settledMs = performance.now() - started;
    loopDelay.disable();
    if (response.status !== 200) throw new Error(`deploy of ${services} services: ${response.status} ${await response.text()}`);
    const timed = async (path: string) => {
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < READS; i++) {
        const begun = performance.now();
        const read = await fetch(`${base}${path}`);
        bytes = (await read.arrayBuffer()).byteLength;
        times.push(performance.now() - begun);
        if (read.status !== 200) throw new Error(`${path}: ${read.status}`);
      }
      return { medianMs: milliseconds(median(times)), maxMs: milliseconds(Math.max(...times)), bytes };
    };
    const getGraph = await timed(`/graphs/${graphId}`);
    const historyPage = await timed(`/graphs/${graphId}/history?limit=50`);
    const database = new DatabaseSync(join(dir, 'data', 'smo.db'), { readOnly: true });
    const { bytes: documentBytes } = database.prepare("SELECT length(doc) AS bytes FROM rs_documents WHERE collection LIKE 'graphs\\_\\_v%' ESCAPE '\\' AND id = ?").get(graphId) as { bytes: number };
    database.close();
    return {
      services,
      settledSeconds: milliseconds(settledMs / 1000),
      perServiceMs: milliseconds(settledMs / services),
      eventLoopDelayMs: { p50: milliseconds(loopDelay.percentile(50) / 1e6), p99: milliseconds(loopDelay.percentile(99) / 1e6), max: milliseconds(loopDelay.max / 1e6) },
      graphDocumentBytes: documentBytes,
      getGraph,
      historyFirstPage: historyPage,
    };
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const results = [];
  for (const size of SIZES) results.push(await deployOne(size));
  const base = (results.find((result) => result.services === 30) ?? results[0]!).perServiceMs;
  console.log(
    JSON.stringify(
      {
        benchmark: 'large-graph',
        node: process.version,
        mode: 'embedded (SQLite, simulated clusters and helm)',
        sizes: results.map((result) => ({ ...result, perServiceRatio: Math.round((result.perServiceMs / base) * 100) / 100 })),
      },
      null,
      2,
    ),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
