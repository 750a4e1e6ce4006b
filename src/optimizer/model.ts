/** Domain types shared by the placement and scaling optimisers. */

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
}

/** Service id → cluster name. */
export type Placement = Readonly<Record<string, string>>;

/** The constraint family that makes a problem infeasible. `clusters`: no cluster is available at all. */
export type BindingResource = 'cpu' | 'memory' | 'gpu' | 'clusters';

/** The three lexicographic terms of the placement objective (see README). */
export interface PlacementObjectiveTerms {
  /** Services that leave their current cluster. */
  readonly moves: number;
  /** Replicas of those services. */
  readonly movedReplicas: number;
  /** Highest CPU utilisation over the clusters, in whole percent (rounded up). */
  readonly peakCpuPercent: number;
}

export interface PlacementFound {
  readonly feasible: true;
  readonly placement: Placement;
  readonly terms: PlacementObjectiveTerms;
  /** Weighted scalar objective (see README); equal for equally good placements. */
  readonly objective: number;
  readonly provenOptimal: boolean;
}

/**
 * `infeasible`: no placement exists (proven). `time_limit`: the solver stopped before finding any
 * placement (no proof either way). `solver_error`: the solver failed.
 */
export type FailureKind = 'infeasible' | 'time_limit' | 'solver_error';

export interface PlacementInfeasible {
  readonly feasible: false;
  readonly kind: FailureKind;
  readonly reason: string;
  readonly bindingResource?: BindingResource;
  /** Set when one service alone is the cause. */
  readonly serviceId?: string;
}

export type PlacementResult = PlacementFound | PlacementInfeasible;

/** Thrown for malformed input (duplicate ids, negative capacities, ...); callers map it to HTTP 400. */
export class InvalidOptimizerInput extends Error {
  override readonly name = 'InvalidOptimizerInput';
}
