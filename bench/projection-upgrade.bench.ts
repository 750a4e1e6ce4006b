/**
 * The start of a new version of SMO over read models written by the previous one: the graphs and
 * placement-ledger projections (version 2, which added their summaries) rebuild their documents
 * blue/green beside their live loops. N graphs of 10 events each (submitted, placed, then
 * autoscaling history) are appended to SQLite stores, projected by the version-1 projections (their
 * live catch-up is the peer: the same events, folded once), then the version-2 projections start.
 * Prints JSON: each phase's time, the event loop's delay meanwhile (what /health would wait), the
 * peak RSS, and the counts built. Goal (not a test): no turn of the event loop over 100 ms, at any size.
 *
 *   npm run -s bench:projection-upgrade            # 1,000 and 10,000 graphs
 *   npm run -s bench:projection-upgrade -- --quick # 1,000
 */
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { graphStream } from '../src/domain/graph/events';
import type { Projection } from '../src/processing/projection';
import { ProcessingHost } from '../src/processing/processing-host';
import { builtProjectionVersion } from '../src/processing/projection-runner';
import { GRAPH_COUNTS_ID, graphCounts, graphsProjection } from '../projections/graphs.projection';
import { placementLedgerProjection } from '../projections/placement-ledger.projection';
import { graphSubmitted } from '../test/support/graph-fixtures';
import { demoPlacementDecided, longHistoryEvent } from '../test/support/long-history';
import { silentLogger, sqliteStores } from '../test/support/stores';

const quick = process.argv.includes('--quick');
const SIZES = quick ? [1_000] : [1_000, 10_000];
const EVENTS_PER_GRAPH = 10;

/** The projection as version 1 had it: no summaries. */
function versionOne<TDoc>(projection: Projection<TDoc>): Projection<TDoc> {
  const { summaries: _summaries, version: _version, ...rest } = projection;
  return rest;
}

/** Runs `work` and reports its time and the event loop's delay meanwhile. */
async function observed(work: () => Promise<void>) {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  loop.enable();
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  loop.disable();
  clearInterval(sampler);
  return { ms: Math.round(ms), loopDelayMaxMs: round(loop.max / 1e6), loopDelayP99Ms: round(loop.percentile(99) / 1e6), peakRssMB: Math.round(peakRss / 1e6) };
}

const round = (value: number) => Math.round(value * 10) / 10;

async function measure(graphs: number) {
  const stores = sqliteStores();
  try {
    const submitted = graphSubmitted('upgrade');
    for (let g = 0; g < graphs; g++) {
      const graphId = `g${g}`;
      const placed = demoPlacementDecided(graphId, { 'noise-reduction': `c${g % 3}`, 'image-detection': `c${(g + 1) % 3}` });
      const events = [
        { type: 'GraphSubmitted', data: { ...submitted.data, graphId } },
        { type: 'PlacementDecided', data: placed },
        ...Array.from({ length: EVENTS_PER_GRAPH - 2 }, (_, i) => longHistoryEvent(graphId, i, placed)),
      ];
      await stores.eventStore.appendToStream(graphStream(graphId), events.map(({ type, data }) => ({ id: randomUUID(), type, data, metadata: {} })));
    }
    const host = (projections: Array<Projection<never>>) => {
      const created = new ProcessingHost({ eventStore: stores.eventStore, readStore: stores.readStore, logger: silentLogger });
      for (const projection of projections) created.addProjection(projection);
      return created;
    };
    const before = host([versionOne(graphsProjection), versionOne(placementLedgerProjection)] as Array<Projection<never>>);
    const versionOneCatchUp = await observed(async () => {
      before.start();
      await before.whenIdle(600_000);
    });
    await before.stop();
    const after = host([graphsProjection, placementLedgerProjection] as Array<Projection<never>>);
    const rebuilt = async (projection: Projection<never>) => (await builtProjectionVersion(stores.readStore, projection.name)) === (projection.version ?? 1);
    const upgrade = await observed(async () => {
      after.start();
      while (!(await rebuilt(graphsProjection as Projection<never>)) || !(await rebuilt(placementLedgerProjection as Projection<never>))) await new Promise((resolve) => setTimeout(resolve, 10));
    });
    await after.stop();
    const counts = (await stores.readStore.get(graphCounts.collection, GRAPH_COUNTS_ID))?.doc;
    return { graphs, events: graphs * EVENTS_PER_GRAPH, versionOneCatchUp, upgradeRebuild: upgrade, upgradeOverCatchUp: round(upgrade.ms / versionOneCatchUp.ms), counts };
  } finally {
    await stores.dispose();
  }
}

async function main(): Promise<void> {
  const results = [];
  for (const graphs of SIZES) results.push(await measure(graphs));
  const goalMs = 100;
  console.log(
    JSON.stringify(
      { bench: 'projection-upgrade', node: process.version, quick, goal: `no turn of the event loop over ${goalMs} ms during the upgrade rebuild`, results, goalMet: results.every((r) => r.upgradeRebuild.loopDelayMaxMs < goalMs) },
      null,
      2,
    ),
  );
}

void main();
