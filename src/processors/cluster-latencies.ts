/** Round-trip times between clusters, in milliseconds: from → to → ms. */
export type LatencyMatrix = Record<string, Record<string, number>>;

/**
 * What placement uses: the round trips Submariner's gateways measured, with the operator's
 * configured values (SMO_CLUSTER_LATENCIES) taking precedence pair by pair. Undefined when neither
 * says anything (every cross-cluster pair is then unknown: best-effort only).
 */
export function mergeLatencies(measured: LatencyMatrix | undefined, configured: LatencyMatrix | undefined): LatencyMatrix | undefined {
  if (!measured && !configured) return undefined;
  const merged: LatencyMatrix = {};
  for (const source of [measured ?? {}, configured ?? {}]) {
    for (const [from, row] of Object.entries(source)) merged[from] = { ...merged[from], ...row };
  }
  return merged;
}
