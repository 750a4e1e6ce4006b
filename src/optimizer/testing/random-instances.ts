import { ClusterCapacity, Placement, ServiceDemand } from '../model';
import { ScalingCluster, ScalingService } from '../scaling';

/** Seeded random instances for the property test and the benchmark (same seed → same instance). */

/** mulberry32: tiny, fast, good enough for test data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface PlacementInstanceShape {
  readonly services: number;
  readonly clusters: number;
  readonly gpus: boolean;
  /** Total demand / total capacity; defaults to a random value in [0.5, 0.9]. */
  readonly tightness?: number;
}

export interface PlacementInstance {
  readonly seed: number;
  readonly clusters: ClusterCapacity[];
  readonly services: ServiceDemand[];
  /** A placement that was feasible before clusters lost up to 15 % capacity and some went away. */
  readonly current: Placement;
}

const GIB = 2 ** 30;
const CPU_CLASSES = [0.25, 0.5, 1, 2, 4] as const; // cores per replica
const MEMORY_CLASSES = [0.5, 1, 2, 4, 8] as const; // GiB per replica
const CLUSTER_SIZES = [8, 16, 32, 64] as const; // relative sizes, as MCBench's 8/16/32 vCPU clusters

export function randomPlacementInstance(seed: number, shape: PlacementInstanceShape): PlacementInstance {
  const random = seededRandom(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const services: ServiceDemand[] = Array.from({ length: shape.services }, (_, s) => ({
    id: `svc-${s}`,
    cpu: pick(CPU_CLASSES),
    memoryBytes: pick(MEMORY_CLASSES) * GIB,
    gpu: shape.gpus && random() < 0.15,
    replicas: 1 + Math.floor(random() * 3),
  }));
  const tightness = shape.tightness ?? 0.5 + 0.4 * random();
  const demand = (of: (service: ServiceDemand) => number): number =>
    services.reduce((sum, service) => sum + of(service) * service.replicas, 0);
  const largest = (of: (service: ServiceDemand) => number): number =>
    Math.max(...services.map((service) => of(service) * service.replicas));
  const sizes = Array.from({ length: shape.clusters }, () => pick(CLUSTER_SIZES));
  const sizeSum = sizes.reduce((sum, size) => sum + size, 0);
  const gpuDemand = services.reduce((sum, service) => sum + (service.gpu ? service.replicas : 0), 0);
  // Scale sizes so total demand / total capacity ≈ tightness, but every cluster can host the largest service.
  const share = (size: number, of: (service: ServiceDemand) => number): number =>
    Math.max(largest(of), (demand(of) * size) / sizeSum / tightness);
  // GPUs: 1.5 / tightness times the GPU demand, spread over the accelerated clusters by size, at least 3 (the most
  // replicas a service has). Cluster 0 is accelerated and stays available, so GPU services always have a home.
  const accelerated = sizes.map((_, c) => shape.gpus && (c === 0 || random() < 0.4));
  const acceleratedSize = sizes.reduce((sum, size, c) => sum + (accelerated[c] ? size : 0), 0);
  const gpusOf = (size: number): number => Math.max(3, Math.ceil((gpuDemand * 1.5 * size) / acceleratedSize / tightness));
  const clusters: ClusterCapacity[] = sizes.map((size, c) => ({
    name: `cluster-${String(c).padStart(2, '0')}`,
    cpu: Math.ceil(share(size, (s) => s.cpu) * 4) / 4,
    memoryBytes: random() < 0.7 ? Math.ceil(share(size, (s) => s.memoryBytes ?? 0) / GIB) * GIB : null,
    gpu: accelerated[c] ? gpusOf(size) : shape.gpus ? 0 : null,
    available: c === 0 || shape.clusters < 3 || random() > 0.1,
  }));
  return { seed, clusters, services, current: previousPlacement(random, clusters, services) };
}

/** Random-fit on the capacities clusters had before (100–115 % of today's), over all clusters, lost ones included. */
function previousPlacement(random: () => number, clusters: readonly ClusterCapacity[], services: readonly ServiceDemand[]): Placement {
  const free = clusters.map((cluster) => {
    const factor = 1 + 0.15 * random();
    return { cpu: cluster.cpu * factor, memory: (cluster.memoryBytes ?? Infinity) * factor, gpus: cluster.gpu ?? 0 };
  });
  const placement: Record<string, string> = {};
  for (const service of services) {
    if (random() < 0.1) continue; // a new service
    const start = Math.floor(random() * clusters.length);
    for (let step = 0; step < clusters.length; step++) {
      const c = (start + step) % clusters.length;
      const cluster = clusters[c];
      const room = free[c];
      const cpu = service.cpu * service.replicas;
      const memory = (service.memoryBytes ?? 0) * service.replicas;
      const gpus = service.gpu ? service.replicas : 0;
      if (cluster !== undefined && room !== undefined && room.cpu >= cpu && room.memory >= memory && room.gpus >= gpus) {
        room.cpu -= cpu;
        room.memory -= memory;
        room.gpus -= gpus;
        placement[service.id] = cluster.name;
        break;
      }
    }
  }
  return placement;
}

export interface ScalingInstance {
  readonly services: ScalingService[];
  readonly cluster: ScalingCluster;
}

/** Services whose current rate needs 1–60 % of their maximum replicas, on a cluster with room for all. */
export function randomScalingInstance(seed: number, count: number): ScalingInstance {
  const random = seededRandom(seed);
  const services = Array.from({ length: count }, (_, s) => {
    const maxReplicas = 2 + Math.floor(random() * 9);
    const alpha = 5 + random() * 45;
    const beta = random() * 10 - 5;
    return {
      id: `svc-${s}`,
      requestRate: Math.max(0, alpha * maxReplicas * 0.6 * random() + beta),
      previousReplicas: 1 + Math.floor(random() * maxReplicas),
      cpu: CPU_CLASSES[Math.floor(random() * CPU_CLASSES.length)] ?? 1,
      gpu: false,
      alpha,
      beta,
      maxReplicas,
    };
  });
  const cpu = services.reduce((sum, service) => sum + service.cpu * service.maxReplicas, 0) * 0.7;
  return { services, cluster: { cpu, accelerated: false } };
}
