import { parseQuantity, QuantityParseError } from '../kubernetes/quantity';
import type { ObservedCluster } from './cluster-inventory.port';

/** The parts of a `cluster.karmada.io/v1alpha1` Cluster that SMO reads. */
export interface KarmadaClusterObject {
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: { provider?: string; region?: string; zone?: string; zones?: string[]; taints?: Array<{ key?: string; value?: string; effect?: string }> };
  status?: {
    conditions?: Array<{ type?: string; status?: string; reason?: string; message?: string }>;
    resourceSummary?: { allocatable?: ResourceList; allocating?: ResourceList; allocated?: ResourceList };
  };
}

export type ResourceList = Record<string, string | number>;

export interface ClusterMappingOptions {
  /** Extended resources counted as GPUs. */
  gpuResourceNames: readonly string[];
  /** A cluster with this label is accelerated even without GPUs (e.g. FPGA or a GPU Karmada cannot see). */
  accelerationLabel: { key: string; value: string };
}

export const DEFAULT_CLUSTER_MAPPING: ClusterMappingOptions = {
  gpuResourceNames: ['nvidia.com/gpu', 'amd.com/gpu'],
  accelerationLabel: { key: 'smo.nephele.eu/acceleration', value: 'true' },
};

export interface ClusterNetwork {
  podCidr: string | null;
  serviceCidr: string | null;
}

export interface MappedCluster {
  cluster: ObservedCluster;
  /** Why the cluster was marked unavailable or looks odd; for the caller's log. */
  issues: string[];
}

/**
 * Karmada Cluster → ObservedCluster. Never throws for one bad cluster: a cluster without
 * resourceSummary (not ready yet, B14) or with an unparseable or negative quantity is reported
 * with zeros and available=false, so one member cannot break the whole inventory. A cluster with
 * a NoSchedule or NoExecute taint (`karmadactl cordon`, maintenance) is unavailable too: SMO's
 * PropagationPolicies carry no tolerations, so Karmada would not schedule there.
 */
export function toObservedCluster(
  object: KarmadaClusterObject,
  options: ClusterMappingOptions = DEFAULT_CLUSTER_MAPPING,
  network: ClusterNetwork | undefined = undefined,
): MappedCluster | null {
  const name = object.metadata?.name;
  if (typeof name !== 'string' || name === '') return null;

  const issues: string[] = [];
  const ready = isReady(object);
  const summary = object.status?.resourceSummary;
  if (summary === undefined || summary === null) issues.push('no status.resourceSummary yet');

  const amount = (list: ResourceList | undefined, resource: string): number => {
    const raw = list?.[resource];
    if (raw === undefined || raw === null) return 0;
    try {
      const value = parseQuantity(raw);
      if (value >= 0) return value;
      issues.push(`negative quantity for ${resource}: ${JSON.stringify(raw)}`);
      return 0;
    } catch (error) {
      if (!(error instanceof QuantityParseError)) throw error;
      issues.push(`unparseable quantity for ${resource}: ${JSON.stringify(raw)}`);
      return 0;
    }
  };
  const capacity = (resources: readonly string[]) => {
    const total = (list: ResourceList | undefined) => resources.reduce((sum, r) => sum + amount(list, r), 0);
    const allocatable = total(summary?.allocatable);
    // Pending pods (allocating) will take their share too; clamp because they may never fit.
    const used = total(summary?.allocated) + total(summary?.allocating);
    return { allocatable, available: Math.min(allocatable, Math.max(0, allocatable - used)) };
  };

  const cpu = capacity(['cpu']);
  const memory = capacity(['memory']);
  const gpu = capacity(options.gpuResourceNames);
  const labels = object.metadata?.labels ?? {};
  const spec = object.spec ?? {};
  let evicting = false;
  for (const taint of spec.taints ?? []) {
    if (taint.effect === 'NoSchedule' || taint.effect === 'NoExecute') issues.push(`tainted ${taint.key ?? ''}${taint.value ? `=${taint.value}` : ''}:${taint.effect}`);
    if (taint.effect === 'NoExecute') evicting = true;
  }

  return {
    cluster: {
      name,
      available: ready.status && summary != null && issues.length === 0,
      workloadsRun: ready.status && !evicting,
      cpuAvailable: cpu.available,
      cpuAllocatable: cpu.allocatable,
      memoryAvailableBytes: memory.available,
      memoryAllocatableBytes: memory.allocatable,
      gpuAvailable: gpu.available,
      gpuAllocatable: gpu.allocatable,
      acceleration: gpu.allocatable > 0 || labels[options.accelerationLabel.key] === options.accelerationLabel.value,
      location: {
        region: nonEmpty(spec.region),
        zone: nonEmpty(spec.zone) ?? nonEmpty(spec.zones?.[0]),
        provider: nonEmpty(spec.provider),
      },
      podCidr: network?.podCidr ?? null,
      serviceCidr: network?.serviceCidr ?? null,
      ...(Object.keys(labels).length > 0 ? { labels: { ...labels } } : {}),
    },
    issues: ready.status ? issues : [`not ready: ${ready.why}`, ...issues],
  };
}

/**
 * The `Ready` condition decides. Upstream matched the condition whose reason is `ClusterReady`
 * instead of its type; that condition is also accepted when no `Ready`-typed one exists.
 */
function isReady(object: KarmadaClusterObject): { status: boolean; why: string } {
  const conditions = object.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready') ?? conditions.find((c) => c.reason === 'ClusterReady');
  if (ready === undefined) return { status: false, why: 'no Ready condition' };
  if (ready.status === 'True') return { status: true, why: '' };
  return { status: false, why: [ready.reason, ready.message].filter(Boolean).join(': ') || `status ${ready.status}` };
}

function nonEmpty(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
