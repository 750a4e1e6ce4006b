import type { ClusterNetwork } from './karmada-cluster.mapper';

/** Round-trip times between clusters in milliseconds: `latencies[from][to]`. */
export type GatewayLatencies = Record<string, Record<string, number>>;

/**
 * Broker `submariner.io/v1` Cluster objects (snake_case spec) → cluster_id → CIDRs.
 * Entries without a cluster_id are skipped; missing CIDR lists give null.
 */
export function toClusterNetworks(items: readonly unknown[]): Map<string, ClusterNetwork> {
  const networks = new Map<string, ClusterNetwork>();
  for (const item of items) {
    const spec = field(item, 'spec');
    const id = field(spec, 'cluster_id');
    if (typeof id !== 'string' || id === '') continue;
    networks.set(id, { podCidr: firstString(field(spec, 'cluster_cidr')), serviceCidr: firstString(field(spec, 'service_cidr')) });
  }
  return networks;
}

/**
 * Gateway objects → average RTT per connection, from `status.localEndpoint.cluster_id` to
 * `status.connections[].endpoint.cluster_id`. Only `connected` connections count: the others keep
 * stale or empty numbers. Unparseable durations are skipped.
 */
export function toGatewayLatencies(items: readonly unknown[]): GatewayLatencies {
  const latencies: GatewayLatencies = {};
  for (const item of items) {
    const status = field(item, 'status');
    const from = field(field(status, 'localEndpoint'), 'cluster_id');
    const connections = field(status, 'connections');
    if (typeof from !== 'string' || !Array.isArray(connections)) continue;
    for (const connection of connections) {
      if (field(connection, 'status') !== 'connected') continue;
      const to = field(field(connection, 'endpoint'), 'cluster_id');
      const average = field(field(connection, 'latencyRTT'), 'average');
      const ms = typeof average === 'string' ? parseGoDurationMs(average) : null;
      if (typeof to !== 'string' || ms === null) continue;
      (latencies[from] ??= {})[to] = ms;
    }
  }
  return latencies;
}

const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go `time.Duration` text ("1.2ms", "853.5µs", "1m2.5s", "0s") in milliseconds; null when not one. */
export function parseGoDurationMs(text: string): number | null {
  if (text === '0') return 0;
  let total = 0;
  DURATION_PART.lastIndex = 0;
  while (DURATION_PART.lastIndex < text.length) {
    const match = DURATION_PART.exec(text);
    if (match === null) return null;
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN);
  }
  return text.length > 0 && Number.isFinite(total) ? total : null;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function firstString(list: unknown): string | null {
  const first: unknown = Array.isArray(list) ? list[0] : undefined;
  return typeof first === 'string' && first !== '' ? first : null;
}
