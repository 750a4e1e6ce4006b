/**
 * One autoscaler round over N running graphs of S services each (default 10 and 100 graphs × 10 services, on 3
 * clusters), its request rates read through the real Prometheus client from a loopback fake that answers each query
 * DELAY ms after it arrives (default 10: a Prometheus a network hop away, or busy). Every service has a series at 0
 * requests, so each cluster is solved and nothing is scaled (the round's time is its reads and its solves). The graphs
 * are folded by the graphs projection into an SQLite read store, without HTTP deploys, and SMO starts over it
 * (embedded mode). Prints JSON: per graph count, the queries made, the round's duration and what its reads would take
 * one after another (queries × DELAY).
 *
 *   npm run -s bench:scaling-round
 *   npm run -s bench:scaling-round -- --graphs=10,100,300 --services=10 --delay=10
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app/create-app';
import { DurableProcessing } from '../src/app/processing.composition';
import { createRuntime } from '../src/app/runtime';
import { loadConfig } from '../src/config/config';
import { PrometheusClient } from '../src/integrations/prometheus/prometheus-client';
import { createLogger } from '../src/observability/logger';
import { getSolver } from '../src/optimizer';
import { ScalingScheduler } from '../src/processors/scaling.scheduler';
import { FakePrometheus, vectorReply } from '../test/fakes/prometheus/fake-prometheus';
import { deployedGraphEvents, projectIntoGraphs } from '../test/support/deployed-graphs';
import { sqliteStores } from '../test/support/stores';

const argument = (name: string, fallback: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const GRAPH_COUNTS = argument('graphs', '10,100').split(',').map(Number);
const SERVICES = Number(argument('services', '10'));
const DELAY_MS = Number(argument('delay', '10'));
const CLUSTERS = ['cluster-a', 'cluster-b', 'cluster-c'];
const logger = createLogger({ level: 'silent' });

async function seed(dir: string, graphs: number): Promise<void> {
  const stores = sqliteStores({ dir });
  let position = 0;
  try {
    for (let g = 0; g < graphs; g++) {
      const graphId = `graph-${String(g).padStart(5, '0')}`;
      position = await projectIntoGraphs(stores.readStore, graphId, deployedGraphEvents(graphId, { project: `p${g}`, namespace: `p${g}`, services: SERVICES, charts: ['oci://registry.example/charts/app'], clusters: CLUSTERS }), position);
    }
  } finally {
    await stores.dispose(false);
  }
}

async function roundOver(graphs: number, prometheus: FakePrometheus, url: string) {
  const dir = mkdtempSync(join(tmpdir(), 'smo-scaling-round-bench-'));
  try {
    await seed(dir, graphs);
    const clusters = join(dir, 'clusters.yaml');
    writeFileSync(clusters, ['clusters:', ...CLUSTERS.flatMap((name) => [`  - name: ${name}`, '    cpu: 10000', '    memory: 40000Gi', '    gpu: 0'])].join('\n') + '\n');
    const config = loadConfig({ SMO_DATA_DIR: dir, SMO_SIMULATED_CLUSTERS: clusters, PORT: '0', LOG_LEVEL: 'silent' });
    const runtime = await createRuntime(config, { logger });
    const app = await createApp(runtime);
    await app.init();
    try {
      await app.get(DurableProcessing).clusterSync.syncOnce();
      await runtime.processing.whenIdle(600_000);
      const scheduler = new ScalingScheduler({
        readStore: runtime.readStore,
        rates: new PrometheusClient({ baseUrl: url, timeoutMs: 60_000 }),
        scaler: { mode: 'simulated', scale: async () => undefined },
        replicas: { replicas: async (_graph, ids) => ({ replicas: new Map(ids.map((id) => [id, null])), unanswered: null }) },
        dispatch: (command, context) => runtime.graphs.execute(command, context),
        graphs: runtime.graphs,
        solver: () => getSolver(),
        logger,
        metrics: runtime.metrics.domain,
        intervalSeconds: 30,
        metric: 'flask_http_request_total',
        namespaceLabel: 'namespace',
        owner: 'bench',
        leaseTtlMs: 600_000,
        inventoryShowsPlacements: true,
      });
      // Two rounds: the first also loads the solver.
      const roundsMs: number[] = [];
      for (let round = 0; round < 2; round++) {
        prometheus.queries.length = 0;
        const started = performance.now();
        await scheduler.round(new Date());
        roundsMs.push(Math.round(performance.now() - started));
        const status = scheduler.status();
        if (status.lastError) throw new Error(`the round failed: ${status.lastError}`);
      }
      const queries = prometheus.queries.length;
      return { graphs, services: graphs * SERVICES, queries, roundMs: roundsMs[1], firstRoundMs: roundsMs[0], sequentialReadsMs: queries * DELAY_MS };
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const prometheus = new FakePrometheus();
  const url = await prometheus.start();
  prometheus.delayMs = DELAY_MS;
  prometheus.answer(() => vectorReply([{ value: '0' }]));
  try {
    const rounds = [];
    for (const graphs of GRAPH_COUNTS) rounds.push(await roundOver(graphs, prometheus, url));
    console.log(JSON.stringify({ bench: 'scaling-round', node: process.version, servicesPerGraph: SERVICES, clusters: CLUSTERS.length, queryDelayMs: DELAY_MS, rounds }, null, 2));
  } finally {
    await prometheus.stop();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
