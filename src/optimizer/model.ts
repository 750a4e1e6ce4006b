/** Domain types shared by the placement and scaling optimisers. */

// The placement inputs are domain shapes (recorded in PlacementDecided): the optimiser uses them as they are.
export type { ClusterCapacity, LatencyRequirement, ServiceDemand } from '../domain/graph/placement-model';
export type { LatencyQos } from '../domain/graph/hdag-descriptor';
import { LATENCY_QOS, type LatencyQos } from '../domain/graph/hdag-descriptor';
export const LATENCY_QOS_VALUES: readonly LatencyQos[] = LATENCY_QOS;

/**
 * Round-trip times in milliseconds between clusters, `clusterLatencyMs[from][to]` (Submariner Gateway
 * `connections[].latencyRTT`, or configuration). One direction is enough; when both are given the larger
 * counts. A missing pair is unknown (only `best-effort` allowed across it); the same cluster is always 0 ms.
 */
export type ClusterLatencyMs = Readonly<Record<string, Readonly<Record<string, number>>>>;

/** Thresholds of the latency classes: `ultralow` means RTT < ultralow, `low` means RTT ≤ low. */
export interface LatencyLimitsMs {
  readonly ultralow: number;
  readonly low: number;
}

export const DEFAULT_LATENCY_LIMITS_MS: LatencyLimitsMs = { ultralow: 10, low: 20 };

/** The network side of a placement problem; everything optional (no latencies: no latency constraint). */
export interface NetworkInputs {
  readonly clusterLatencyMs?: ClusterLatencyMs;
  /** Overrides per class; missing classes keep DEFAULT_LATENCY_LIMITS_MS. */
  readonly latencyLimitsMs?: Partial<LatencyLimitsMs>;
}

/** A latency requirement as written on a service: `serviceId → connectionPoint (qos)`. */
export interface LatencyRequirementRef {
  readonly serviceId: string;
  readonly connectionPoint: string;
  readonly qos: LatencyQos;
}

/** Service id → cluster name. */
export type Placement = Readonly<Record<string, string>>;

/**
 * The constraint family that makes a problem infeasible. `clusters`: no cluster is available at all;
 * `latency`: a latency requirement (named in `requirement`); `coLocation`, `highAvailability`, `security`: that intent
 * (intent-placement.ts) cannot be met with the others.
 */
export type BindingResource = 'cpu' | 'memory' | 'gpu' | 'clusters' | 'latency' | 'coLocation' | 'highAvailability' | 'security';

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
  /** Set when one service alone is the cause, or the service declaring the named latency requirement. */
  readonly serviceId?: string;
  /** With `bindingResource: 'latency'`: the requirement that cannot be met (the first one when several conflict). */
  readonly requirement?: LatencyRequirementRef;
  /** The smallest additional capacity that makes a placement exist (MILP results with `kind: 'infeasible'` only). */
  readonly capacityGap?: CapacityGap;
}

/** Add these amounts to one existing cluster (only the resources that need more are present). */
export interface ClusterCapacityAddition {
  readonly cluster: string;
  /** CPU cores, rounded up to whole millicores. */
  readonly cpu?: number;
  /** Bytes, rounded up to whole bytes. */
  readonly memoryBytes?: number;
  /** Whole GPUs (added to a cluster without GPUs, they make it accelerated). */
  readonly gpu?: number;
}

/** The capacity a new cluster must offer (memory and GPUs present only when needed). */
export interface NewClusterCapacity {
  readonly cpu: number;
  readonly memoryBytes?: number;
  readonly gpu?: number;
}

/**
 * How far capacity falls short, as two independent options, each enough on its own (README "Capacity gaps"):
 * `addToCluster` lists alternatives (best cluster per resource, or one entry with several resources when no
 * single resource suffices); `newCluster` is what one new cluster, with unknown latency to the others, must offer.
 */
export interface CapacityGap {
  readonly addToCluster?: readonly ClusterCapacityAddition[];
  readonly newCluster?: NewClusterCapacity;
}

export type PlacementResult = PlacementFound | PlacementInfeasible;

/** Thrown for malformed input (duplicate ids, negative capacities, ...); callers map it to HTTP 400. */
export class InvalidOptimizerInput extends Error {
  override readonly name = 'InvalidOptimizerInput';
}
