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

/** Where measured round trips come from (Submariner's gateways); a failed read yields an empty matrix. */
export interface MeasuredLatencySource {
  readGatewayLatencies(signal?: AbortSignal): Promise<{ value: LatencyMatrix }>;
}

/**
 * The cluster latencies a placement uses, real or dry run: the gateways' measured round trips (when
 * Submariner is configured) merged with the configured ones (SMO_CLUSTER_LATENCIES), read afresh per call.
 */
export function placementLatencies(gateways: MeasuredLatencySource | null, configured: LatencyMatrix | undefined): () => Promise<LatencyMatrix | undefined> {
  return async () => mergeLatencies((await gateways?.readGatewayLatencies())?.value, configured);
}
