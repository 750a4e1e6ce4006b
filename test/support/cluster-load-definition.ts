import type { ClusterLoad, PlacedResources } from '../../projections/analytics/placed-resources.projection';

/**
 * What /analytics/cluster-load means, computed the slow way: after each change, every graph's latest
 * load summed again (quadratic in the graphs). The reference that the cluster-load projection and
 * clusterLoadSeries are checked against (their specs).
 */
export function summedAtEveryPoint(docs: readonly PlacedResources[]): Record<string, Array<{ at: string; cpu: number; memoryBytes: number }>> {
  const points = docs.flatMap((doc) => doc.timeline.map((point) => ({ ...point, graphId: doc.graphId }))).sort((a, b) => a.position - b.position);
  const latest = new Map<string, Record<string, ClusterLoad>>();
  const series: Record<string, Array<{ at: string; cpu: number; memoryBytes: number }>> = {};
  for (const point of points) {
    const before = latest.get(point.graphId) ?? {};
    latest.set(point.graphId, point.byCluster);
    for (const cluster of new Set([...Object.keys(before), ...Object.keys(point.byCluster)])) {
      let cpu = 0;
      let memoryBytes = 0;
      for (const byCluster of latest.values()) {
        cpu += byCluster[cluster]?.cpu ?? 0;
        memoryBytes += byCluster[cluster]?.memoryBytes ?? 0;
      }
      (series[cluster] ??= []).push({ at: point.at, cpu: Math.round(cpu * 1000) / 1000, memoryBytes });
    }
  }
  return series;
}
