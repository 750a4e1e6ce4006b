/** What SMO learns about a member cluster from Karmada (and Submariner). */
export interface ObservedCluster {
  name: string;
  /** Ready condition of the Karmada Cluster object. */
  available: boolean;
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
