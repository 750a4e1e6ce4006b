/** What SMO learns about a member cluster from Karmada (and Submariner). */
export interface ObservedCluster {
  name: string;
  /** SMO may place on it: Ready, not tainted NoSchedule or NoExecute, its resources known. */
  available: boolean;
  /**
   * What runs there goes on running: Ready, and not tainted NoExecute. A cluster only cordoned (NoSchedule) or whose
   * resources are not reported is unavailable for new placements, but its workloads are not lost: nothing is moved
   * off it. (Events recorded before schema version 2 are upcast with `available`'s value.)
   */
  workloadsRun: boolean;
  /** Allocatable minus allocated, in cores. */
  cpuAvailable: number;
  cpuAllocatable: number;
  memoryAvailableBytes: number;
  memoryAllocatableBytes: number;
  /** Allocatable minus allocated GPUs (e.g. nvidia.com/gpu); 0 when none. */
  gpuAvailable: number;
  gpuAllocatable: number;
  /** GPUs present, or the acceleration label set. */
  acceleration: boolean;
  location: { region: string | null; zone: string | null; provider: string | null };
  podCidr: string | null;
  serviceCidr: string | null;
  /** The Karmada Cluster's labels, when it has any (intent facts: trust, carbon intensity; see src/optimizer/README.md). */
  labels?: Record<string, string>;
}
