import { CheckPlacementOptions, Violation, checkPlacement } from './checker';
import type { ClusterCapacity, ClusterSets, PlacementIntents, ServiceDemand } from '../domain/graph/placement-model';
import { Placement } from './model';

/**
 * Independent check of a placement under the intents (tests only): recomputes the intents' constraints from the raw
 * inputs, sharing nothing with intent-placement.ts. Capacity counts every cluster a service runs on with its full
 * demand (checkPlacement over one pseudo-service per copy; latency requirements on the primary only).
 */

export interface IntentViolation {
  readonly constraint: Violation['constraint'] | 'highAvailability' | 'coLocation' | 'security';
  readonly subject: string;
  readonly detail: string;
}

export interface CheckIntentOptions extends CheckPlacementOptions {
  readonly trustedLabel?: string;
}

export function checkIntentPlacement(
  clusters: readonly ClusterCapacity[],
  services: readonly ServiceDemand[],
  placement: Placement,
  clusterSets: ClusterSets,
  intents: PlacementIntents,
  options: CheckIntentOptions = {},
): IntentViolation[] {
  const setOf = (id: string): string[] => [...(clusterSets[id] ?? (placement[id] === undefined ? [] : [placement[id]]))];
  const violations: IntentViolation[] = [];
  const copies: ServiceDemand[] = [];
  const copyPlacement: Record<string, string> = {};
  for (const service of services) {
    const set = setOf(service.id);
    if (set.length === 0) {
      copies.push(service); // reported as not placed
      continue;
    }
    if (set[0] !== placement[service.id]) {
      violations.push({ constraint: 'assignment', subject: service.id, detail: `primary ${String(placement[service.id])} is not the first of ${set.join(', ')}` });
    }
    set.forEach((cluster, index) => {
      const id = index === 0 ? service.id : `${service.id}/copy-${index + 1}`;
      copies.push(index === 0 ? service : { ...service, id, latencies: [] });
      copyPlacement[id] = cluster;
    });
    if (new Set(set).size !== set.length) violations.push({ constraint: 'highAvailability', subject: service.id, detail: `a cluster repeats in ${set.join(', ')}` });
    const wantsHa = service.highAvailability ?? intents.highAvailability ?? false;
    if (wantsHa && new Set(set).size < 2) {
      violations.push({ constraint: 'highAvailability', subject: service.id, detail: `runs on ${set.join(', ')} only` });
    }
  }
  violations.push(...checkPlacement(clusters, copies, copyPlacement, options));

  const known = new Set(services.map((service) => service.id));
  for (const service of services) {
    for (const other of service.coLocation ?? []) {
      if (other === service.id || !known.has(other)) continue;
      const mine = setOf(service.id).sort().join(',');
      const theirs = setOf(other).sort().join(',');
      if (mine !== theirs) violations.push({ constraint: 'coLocation', subject: `${service.id} + ${other}`, detail: `${mine} ≠ ${theirs}` });
    }
  }
  if (intents.security) {
    const label = options.trustedLabel ?? 'smo.nephele.eu/trusted';
    const byName = new Map(clusters.map((cluster) => [cluster.name, cluster]));
    for (const service of services) {
      for (const name of setOf(service.id)) {
        if (byName.get(name)?.labels?.[label] !== 'true') violations.push({ constraint: 'security', subject: service.id, detail: `${name} is not labelled ${label}=true` });
      }
    }
  }
  return violations;
}
