/**
 * GET /analytics/cluster-load merges every graph's placed-resources timeline into one series per
 * cluster (clusterLoadSeries). Timed with 10, 100 and 1,000 graphs of 100 points each, side by side
 * with its peer, the merge it replaced (every graph's latest load summed again at every point), and
 * checked equal; prints JSON. Goal (not a test): linear in the points, not quadratic in the graphs.
 */
import { isDeepStrictEqual } from 'node:util';
import { clusterLoadSeries, type PlacedResources } from '../projections/analytics/placed-resources.projection';
import { summedAtEveryPoint } from '../test/support/cluster-load-definition';

const quick = process.argv.includes('--quick');
const GRAPHS = quick ? [10, 100] : [10, 100, 1_000];
const POINTS = 100;

function placedResources(graphs: number): PlacedResources[] {
  let position = 0;
  return Array.from({ length: graphs }, (_, g) => ({
    graphId: `g${g}`,
    running: true,
    services: {},
    hourly: 0,
    timeline: Array.from({ length: POINTS }, (_, i) => ({
      at: new Date(Date.UTC(2026, 0, 1) + (i * graphs + g) * 60_000).toISOString(),
      position: ++position,
      byCluster: { [`c${g % 3}`]: { cpu: 0.1 * ((i % 7) + 1), memoryBytes: 1000 * i }, [`c${(g + 1) % 3}`]: { cpu: 0.25, memoryBytes: 512 } },
    })),
  }));
}

function timed<T>(work: () => T): { ms: number; result: T } {
  const started = performance.now();
  const result = work();
  return { ms: Math.round((performance.now() - started) * 10) / 10, result };
}

const results = GRAPHS.map((graphs) => {
  const docs = placedResources(graphs);
  const merged = timed(() => clusterLoadSeries(docs));
  const peer = timed(() => summedAtEveryPoint(docs));
  if (!isDeepStrictEqual(merged.result, peer.result)) throw new Error(`at ${graphs} graphs the two merges disagree`);
  const seriesPoints = Object.values(merged.result).reduce((sum, points) => sum + points.length, 0);
  return { graphs, pointsPerGraph: POINTS, seriesPoints, mergeMs: merged.ms, summedAtEveryPointMs: peer.ms, peerOverMerge: Math.round((peer.ms / Math.max(merged.ms, 0.1)) * 10) / 10 };
});
console.log(JSON.stringify({ bench: 'cluster-load', quick, goal: 'merge time grows with the points, not with points × graphs', results }, null, 2));
