import { ClusterCapacity, DEFAULT_LATENCY_LIMITS_MS, NetworkInputs, Placement, ServiceDemand } from './model';
import { minimumReplicas, type ScalingCluster, type ScalingService } from './scaling';

/**
 * Independent constraint checker: recomputes every constraint from the raw inputs, sharing no code
 * with the optimisers, so tests can trust it to catch a wrong model or a wrong decoding.
 */

export interface Violation {
  readonly constraint:
    | 'assignment'
    | 'unknown-service'
    | 'unknown-cluster'
    | 'unavailable-cluster'
    | 'acceleration'
    | 'cpu'
    | 'memory'
    | 'gpu'
    | 'latency'
    | 'replica-bounds'
    | 'throughput';
  readonly subject: string;
  readonly detail: string;
}

const DEFAULT_TOLERANCE = 1e-6;

const exceeds = (used: number, capacity: number, tolerance: number): boolean =>
  used > capacity + tolerance * Math.max(1, Math.abs(capacity));

export interface CheckPlacementOptions extends NetworkInputs {
  /** Relative slack on capacities (default 1e-6). */
  readonly tolerance?: number;
}

export function checkPlacement(
  clusters: readonly ClusterCapacity[],
  services: readonly ServiceDemand[],
  placement: Placement,
  options: CheckPlacementOptions = {},
): Violation[] {
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  const violations: Violation[] = [];
  const clusterByName = new Map(clusters.map((cluster) => [cluster.name, cluster]));
  const serviceIds = new Set(services.map((service) => service.id));
  for (const id of Object.keys(placement)) {
    if (!serviceIds.has(id)) violations.push({ constraint: 'unknown-service', subject: id, detail: 'placed but not requested' });
  }
  const load = new Map<string, { cpu: number; memory: number; gpus: number }>();
  for (const service of services) {
    const name = placement[service.id];
    const cluster = name === undefined ? undefined : clusterByName.get(name);
    if (name === undefined) {
      violations.push({ constraint: 'assignment', subject: service.id, detail: 'not placed' });
      continue;
    }
    if (cluster === undefined) {
      violations.push({ constraint: 'unknown-cluster', subject: service.id, detail: `placed on unknown cluster ${name}` });
      continue;
    }
    if (!cluster.available) violations.push({ constraint: 'unavailable-cluster', subject: service.id, detail: `on ${name}` });
    if (service.gpu && !((cluster.gpu ?? 0) > 0)) {
      violations.push({ constraint: 'acceleration', subject: service.id, detail: `needs a GPU, ${name} has none` });
    }
    const total = load.get(name) ?? { cpu: 0, memory: 0, gpus: 0 };
    total.cpu += service.cpu * service.replicas;
    total.memory += (service.memoryBytes ?? 0) * service.replicas;
    total.gpus += service.gpu ? service.replicas : 0;
    load.set(name, total);
  }
  for (const [name, used] of load) {
    const cluster = clusterByName.get(name);
    if (cluster === undefined) continue;
    if (exceeds(used.cpu, cluster.cpu, tolerance)) {
      violations.push({ constraint: 'cpu', subject: name, detail: `${used.cpu} > ${cluster.cpu} cores` });
    }
    if (cluster.memoryBytes != null && exceeds(used.memory, cluster.memoryBytes, tolerance)) {
      violations.push({ constraint: 'memory', subject: name, detail: `${used.memory} > ${cluster.memoryBytes} bytes` });
    }
    if (cluster.gpu != null && exceeds(used.gpus, cluster.gpu, tolerance)) {
      violations.push({ constraint: 'gpu', subject: name, detail: `${used.gpus} > ${cluster.gpu} GPUs` });
    }
  }
  violations.push(...checkLatencies(services, placement, options));
  return violations;
}

/**
 * Every latency requirement between two placed services of the request, either direction: different clusters
 * need a known round trip (the larger of the two directions given) below `ultralow` / at most `low`.
 */
function checkLatencies(services: readonly ServiceDemand[], placement: Placement, network: NetworkInputs): Violation[] {
  const limits = { ...DEFAULT_LATENCY_LIMITS_MS };
  if (network.latencyLimitsMs?.ultralow !== undefined) limits.ultralow = network.latencyLimitsMs.ultralow;
  if (network.latencyLimitsMs?.low !== undefined) limits.low = network.latencyLimitsMs.low;
  const known = new Set(services.map((service) => service.id));
  const rtt = (x: string, y: string): number | undefined => {
    const values = [network.clusterLatencyMs?.[x]?.[y], network.clusterLatencyMs?.[y]?.[x]].filter((v): v is number => typeof v === 'number');
    return values.length === 0 ? undefined : Math.max(...values);
  };
  const violations: Violation[] = [];
  for (const service of services) {
    for (const { connectionPoint, qos } of service.latencies ?? []) {
      if (qos === 'best-effort' || !known.has(connectionPoint)) continue;
      const here = placement[service.id];
      const there = placement[connectionPoint];
      if (here === undefined || there === undefined || here === there) continue;
      const ms = rtt(here, there);
      const ok = ms !== undefined && (qos === 'ultralow' ? ms < limits.ultralow : ms <= limits.low);
      if (!ok) {
        violations.push({
          constraint: 'latency',
          subject: `${service.id} → ${connectionPoint}`,
          detail: `${qos} needs ${qos === 'ultralow' ? `< ${limits.ultralow}` : `≤ ${limits.low}`} ms; ${here}–${there} is ${ms === undefined ? 'unknown' : `${ms} ms`}`,
        });
      }
    }
  }
  return violations;
}

export function checkScaling(
  services: readonly ScalingService[],
  cluster: ScalingCluster,
  replicas: readonly number[],
  tolerance = DEFAULT_TOLERANCE,
): Violation[] {
  const violations: Violation[] = [];
  let cpu = 0;
  services.forEach((service, s) => {
    const r = replicas[s];
    if (r === undefined || !Number.isInteger(r) || r < 1 || r > service.maxReplicas) {
      violations.push({ constraint: 'replica-bounds', subject: service.id, detail: `${r} not in 1..${service.maxReplicas}` });
      return;
    }
    if (service.gpu && !cluster.accelerated) {
      violations.push({ constraint: 'acceleration', subject: service.id, detail: 'needs a GPU' });
    }
    // A rate its maximum cannot serve asks for the maximum (saturated), no more.
    const saturated = minimumReplicas(service) > service.maxReplicas;
    if (saturated ? r < service.maxReplicas : exceeds(service.requestRate, service.alpha * r + service.beta, tolerance)) {
      violations.push({ constraint: 'throughput', subject: service.id, detail: `${r} replicas serve less than ${service.requestRate}/s${saturated ? `, and fewer than its ${service.maxReplicas} maximum` : ''}` });
    }
    cpu += service.cpu * r;
  });
  if (replicas.length !== services.length) {
    violations.push({ constraint: 'assignment', subject: 'replicas', detail: `${replicas.length} values for ${services.length} services` });
  }
  if (exceeds(cpu, cluster.cpu, tolerance)) violations.push({ constraint: 'cpu', subject: 'cluster', detail: `${cpu} > ${cluster.cpu}` });
  return violations;
}
