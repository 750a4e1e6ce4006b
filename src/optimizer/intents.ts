import type { ClusterCapacity, PlacementIntents, ServiceDemand } from '../domain/graph/placement-model';

/**
 * Cluster facts the intents read, from Karmada cluster labels (README "Intents"), and which intents are active
 * for a graph. Pure functions over the recorded inputs, so a replay sees exactly the facts the decision saw.
 */

export type { ClusterSets, PlacementIntents } from '../domain/graph/placement-model';

export interface IntentLabelKeys {
  /** `"true"` marks a cluster trusted to host security-intent graphs. */
  readonly trusted: string;
  /** Grid carbon intensity of the cluster's site, gCO2/kWh (a non-negative decimal). */
  readonly carbonIntensity: string;
}

export const DEFAULT_INTENT_LABELS: IntentLabelKeys = {
  trusted: 'smo.nephele.eu/trusted',
  carbonIntensity: 'smo.nephele.eu/carbon-intensity',
};

/** How many distinct clusters a highAvailability service runs on. */
export const HIGH_AVAILABILITY_CLUSTERS = 2;

export type IntentName = 'coLocation' | 'highAvailability' | 'energyEfficiency' | 'highPerformance' | 'security';
export const INTENT_NAMES: readonly IntentName[] = ['coLocation', 'highAvailability', 'energyEfficiency', 'highPerformance', 'security'];

export function intentLabelKeys(overrides: Partial<IntentLabelKeys> = {}): IntentLabelKeys {
  return { ...DEFAULT_INTENT_LABELS, ...overrides };
}

export function isTrusted(cluster: ClusterCapacity, keys: IntentLabelKeys = DEFAULT_INTENT_LABELS): boolean {
  return cluster.labels?.[keys.trusted] === 'true';
}

/** The carbon-intensity label as a number; undefined when absent or not a finite non-negative number. */
export function labelledCarbonIntensity(cluster: ClusterCapacity, keys: IntentLabelKeys = DEFAULT_INTENT_LABELS): number | undefined {
  const text = cluster.labels?.[keys.carbonIntensity];
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * Energy figure per cluster, by name: `figures` (e.g. from a Prometheus query) first, then the label; a cluster
 * with neither counts as the highest known figure, so the intent never prefers it (0 when none is known).
 */
export function energyFigures(
  clusters: readonly ClusterCapacity[],
  keys: IntentLabelKeys = DEFAULT_INTENT_LABELS,
  figures: Readonly<Record<string, number>> = {},
): Map<string, number> {
  const known = new Map<string, number>();
  for (const cluster of clusters) {
    const figure = figures[cluster.name] ?? labelledCarbonIntensity(cluster, keys);
    if (figure !== undefined && Number.isFinite(figure) && figure >= 0) known.set(cluster.name, figure);
  }
  const highest = Math.max(0, ...known.values());
  return new Map(clusters.map((cluster) => [cluster.name, known.get(cluster.name) ?? highest]));
}

/** Whether a service runs on several clusters: its own override, else the graph's intent. */
export function wantsHighAvailability(service: ServiceDemand, intents: PlacementIntents): boolean {
  return service.highAvailability ?? intents.highAvailability ?? false;
}

/** The coLocation partners of each service that name another service of the request (self and unknown ids ignored). */
export function coLocationPairs(services: readonly ServiceDemand[]): [string, string][] {
  const ids = new Set(services.map((service) => service.id));
  const seen = new Set<string>();
  const pairs: [string, string][] = [];
  for (const service of services) {
    for (const other of service.coLocation ?? []) {
      if (other === service.id || !ids.has(other)) continue;
      const key = [service.id, other].sort().join('\u0000');
      if (seen.has(key)) continue;
      seen.add(key);
      pairs.push([service.id, other]);
    }
  }
  return pairs;
}

/** The intents that shape this placement, in a fixed order (what a decision reports as active). */
export function activeIntents(services: readonly ServiceDemand[], intents: PlacementIntents = {}): IntentName[] {
  const active: IntentName[] = [];
  if (coLocationPairs(services).length > 0) active.push('coLocation');
  if (services.some((service) => wantsHighAvailability(service, intents))) active.push('highAvailability');
  if (intents.energyEfficiency) active.push('energyEfficiency');
  if (intents.highPerformance) active.push('highPerformance');
  if (intents.security) active.push('security');
  return active;
}
