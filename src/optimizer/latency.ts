import {
  ClusterLatencyMs,
  DEFAULT_LATENCY_LIMITS_MS,
  InvalidOptimizerInput,
  LATENCY_QOS_VALUES,
  LatencyLimitsMs,
  LatencyRequirementRef,
  NetworkInputs,
  ServiceDemand,
} from './model';

/**
 * Latency requirements between services as constraints between their clusters (README "Latency").
 * A requirement between services a and b with qos q allows the cluster pair (c1, c2) when c1 = c2 (0 ms) or
 * the pair's round-trip time is known and meets q; every other pair is forbidden. `best-effort` allows every pair,
 * so it constrains nothing and is dropped here.
 */

export type ConstrainingQos = 'ultralow' | 'low';

export interface LatencyConstraint {
  /** Service indices (a declares the requirement, b is its connection point). */
  readonly a: number;
  readonly b: number;
  readonly qos: ConstrainingQos;
  /** As declared, for messages and results. */
  readonly ref: LatencyRequirementRef;
  /** allowed[c1][c2] over the problem's cluster indices; symmetric, true on the diagonal. */
  readonly allowed: readonly (readonly boolean[])[];
}

export function latencyLimits(network: NetworkInputs): LatencyLimitsMs {
  const limits = { ...DEFAULT_LATENCY_LIMITS_MS, ...definedOnly(network.latencyLimitsMs ?? {}) };
  for (const qos of ['ultralow', 'low'] as const) {
    if (!Number.isFinite(limits[qos]) || limits[qos] < 0) {
      throw new InvalidOptimizerInput(`latency limit ${qos} must be a finite number of milliseconds ≥ 0`);
    }
  }
  return limits;
}

/** RTT between the named clusters, by index: the larger of the two directions given, undefined when neither. */
export function latencyMatrix(names: readonly string[], given: ClusterLatencyMs | undefined): (number | undefined)[][] {
  validateLatencies(given);
  const lookup = (from: string, to: string): number | undefined => {
    const value = given?.[from]?.[to];
    return typeof value === 'number' ? value : undefined;
  };
  return names.map((from) =>
    names.map((to) => {
      if (from === to) return 0;
      const there = lookup(from, to);
      const back = lookup(to, from);
      if (there === undefined) return back;
      return back === undefined ? there : Math.max(there, back);
    }),
  );
}

export function meetsQos(latencyMs: number | undefined, qos: ConstrainingQos, limits: LatencyLimitsMs): boolean {
  if (latencyMs === undefined) return false;
  return qos === 'ultralow' ? latencyMs < limits.ultralow : latencyMs <= limits.low;
}

/**
 * The constraining requirements, in declaration order (services in order, then their latencies). A pair of
 * services declared more than once (either direction) keeps one constraint: the strictest, at the position
 * of its first declaration. Requirements naming no other service of the problem are ignored.
 */
export function latencyConstraints(
  services: readonly ServiceDemand[],
  latencyMs: readonly (readonly (number | undefined)[])[],
  limits: LatencyLimitsMs,
): LatencyConstraint[] {
  const index = new Map(services.map((service, s) => [service.id, s]));
  const constraints: LatencyConstraint[] = [];
  const byPair = new Map<string, number>();
  services.forEach((service, a) => {
    for (const requirement of service.latencies ?? []) {
      const b = index.get(requirement.connectionPoint);
      if (b === undefined || b === a || requirement.qos === 'best-effort') continue;
      const qos = requirement.qos;
      const key = a < b ? `${a},${b}` : `${b},${a}`;
      const constraint: LatencyConstraint = {
        a,
        b,
        qos,
        ref: { serviceId: service.id, connectionPoint: requirement.connectionPoint, qos },
        allowed: latencyMs.map((row, c1) => row.map((ms, c2) => c1 === c2 || meetsQos(ms, qos, limits))),
      };
      const existing = byPair.get(key);
      if (existing === undefined) {
        byPair.set(key, constraints.length);
        constraints.push(constraint);
      } else if (qos === 'ultralow' && constraints[existing]?.qos === 'low') {
        constraints[existing] = constraint;
      }
    }
  });
  return constraints;
}

export function validateServiceLatencies(service: ServiceDemand): void {
  if (service.latencies == null) return;
  if (!Array.isArray(service.latencies)) throw new InvalidOptimizerInput(`service ${service.id} latencies must be a list`);
  for (const requirement of service.latencies) {
    if (typeof requirement !== 'object' || requirement === null || typeof requirement.connectionPoint !== 'string') {
      throw new InvalidOptimizerInput(`service ${service.id} latencies need a connectionPoint`);
    }
    if (!LATENCY_QOS_VALUES.includes(requirement.qos)) {
      throw new InvalidOptimizerInput(`service ${service.id} latency qos must be one of ${LATENCY_QOS_VALUES.join(', ')}`);
    }
  }
}

function validateLatencies(given: ClusterLatencyMs | undefined): void {
  if (given === undefined) return;
  for (const [from, row] of Object.entries(given)) {
    if (typeof row !== 'object' || row === null) throw new InvalidOptimizerInput(`clusterLatencyMs.${from} must map cluster names to milliseconds`);
    for (const [to, ms] of Object.entries(row)) {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
        throw new InvalidOptimizerInput(`latency ${from} → ${to} must be a finite number of milliseconds ≥ 0`);
      }
    }
  }
}

/** "a → b (ultralow, < 10 ms)" */
export function describeRequirement(ref: LatencyRequirementRef, limits: LatencyLimitsMs): string {
  return `${ref.serviceId} → ${ref.connectionPoint} (${ref.qos}${boundText(ref.qos, limits)})`;
}

function boundText(qos: LatencyRequirementRef['qos'], limits: LatencyLimitsMs): string {
  if (qos === 'ultralow') return `, < ${limits.ultralow} ms`;
  if (qos === 'low') return `, ≤ ${limits.low} ms`;
  return '';
}

/** "12 ms" or "unknown". */
export function formatLatency(ms: number | undefined): string {
  return ms === undefined ? 'unknown' : `${Number(ms.toFixed(3))} ms`;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
