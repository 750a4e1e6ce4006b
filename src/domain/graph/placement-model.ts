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
}
