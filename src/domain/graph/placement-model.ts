import type { LatencyQos } from './hdag-descriptor';

/**
 * What a placement decision is computed from, as recorded in `PlacementDecided` events. The domain owns
 * these shapes so that a change to the optimiser cannot silently change a stored event schema; the
 * optimiser's model is structurally the same.
 */

/** What a cluster can still offer (remaining capacity, not allocatable). */
export interface ClusterCapacity {
  readonly name: string;
  /** Available CPU cores. */
  readonly cpu: number;
  /** Available memory in bytes; absent when the cluster does not report it (then unconstrained). */
  readonly memoryBytes?: number | null;
  /** Available GPUs; absent or 0 means the cluster has no acceleration. */
  readonly gpu?: number | null;
  readonly available: boolean;
  /** The cluster's Karmada labels (trust, carbon intensity…: see src/optimizer/README.md "Intents"); absent in older events. */
  readonly labels?: Readonly<Record<string, string>> | null;
}

/** A round-trip requirement from one service towards another service of the same graph. */
export interface LatencyRequirement {
  /** Id of the other service. */
  readonly connectionPoint: string;
  readonly qos: LatencyQos;
}

/** What one service asks for, per replica. */
export interface ServiceDemand {
  readonly id: string;
  /** CPU cores per replica. */
  readonly cpu: number;
  /** Memory bytes per replica; absent means 0. */
  readonly memoryBytes?: number | null;
  /** Needs acceleration: one GPU per replica on a cluster with `gpu > 0`. */
  readonly gpu: boolean;
  readonly replicas: number;
  /** The HDAG's `intent.network.latencies`; a `connectionPoint` naming no service of the graph is ignored. */
  readonly latencies?: readonly LatencyRequirement[] | null;
  /** The HDAG's `intent.connectionPoints`: services it talks to (the highPerformance intent keeps their round trips low). */
  readonly connectionPoints?: readonly string[] | null;
  /** The HDAG's `intent.coLocation`: services that must run on the same cluster(s) as this one. */
  readonly coLocation?: readonly string[] | null;
  /** Per-service override of the graph's highAvailability intent (`intent.highAvailability.enabled`); absent: the graph's. */
  readonly highAvailability?: boolean | null;
}

/** The graph-level intents (`hdaGraphIntent.*.enabled`) that shape placement; all off when absent. */
export interface PlacementIntents {
  readonly security?: boolean;
  readonly highAvailability?: boolean;
  readonly energyEfficiency?: boolean;
  readonly highPerformance?: boolean;
}

/** Service id → every cluster it runs on, for services placed on more than one (highAvailability). */
export type ClusterSets = Readonly<Record<string, readonly string[]>>;
