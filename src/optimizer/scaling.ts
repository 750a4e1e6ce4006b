import { FailureKind, InvalidOptimizerInput } from './model';
import { withinCapacity } from './problem';
import { LinearConstraint, LinearModel, ModelVariable, Solver, SolverName, hasSolution } from './solver';
import { getSolver } from './solver-selection';

/**
 * Replica scaling on one cluster (upstream `decide_replicas`, §7). Integer r[s] with
 * 1 ≤ r[s] ≤ maxReplicas[s] (upstream lost the upper bound: documented deviation), a[s] ≥ |p[s] − r[s]|,
 * Σ cpu·r ≤ cluster cpu, α·r + β ≥ rate, GPU services only on an accelerated cluster;
 * minimise 0.4·Σ r·cpu / U + 0.4·Σ a / T[s] with U = max(maxReplicas·cpu), T[s] = maxReplicas[s].
 * A service whose rate needs more than its maxReplicas is saturated, as a Kubernetes HPA is at its maximum: it gets
 * exactly maxReplicas (r[s] = maxReplicas[s] in place of its rate constraint), and the result names it (`saturated`),
 * rather than the whole round being infeasible and every service left where it was.
 */

export interface ScalingService {
  readonly id: string;
  /** Requests per second now. */
  readonly requestRate: number;
  readonly previousReplicas: number;
  /** CPU cores per replica (the container limit). */
  readonly cpu: number;
  readonly gpu: boolean;
  /** Capacity model: r replicas handle alpha·r + beta requests per second. */
  readonly alpha: number;
  readonly beta: number;
  readonly maxReplicas: number;
}

export interface ScalingCluster {
  /** CPU cores available to these services. */
  readonly cpu: number;
  readonly accelerated: boolean;
}

export type ScalingBindingResource = 'cpu' | 'gpu' | 'maxReplicas';

export type ScalingResult =
  | {
      readonly feasible: true;
      /** New replica counts, in input order. */
      readonly replicas: readonly number[];
      /** The services whose rate needs more than their maxReplicas: they get exactly maxReplicas (in input order). */
      readonly saturated: readonly string[];
      readonly objective: number;
      readonly provenOptimal: boolean;
      readonly solver: SolverName;
      readonly solveMs: number;
    }
  | {
      readonly feasible: false;
      readonly kind: FailureKind;
      readonly reason: string;
      readonly bindingResource?: ScalingBindingResource;
      readonly serviceId?: string;
      readonly solver: SolverName;
      readonly solveMs: number;
    };

export const SCALING_WEIGHTS = { utilisation: 0.4, transition: 0.4 } as const;
export const DEFAULT_SCALING_TIME_LIMIT_MS = 1_000;

export interface ScalingOptions {
  readonly solver?: Solver;
  readonly timeLimitMs?: number;
}

export async function decideReplicas(
  services: readonly ScalingService[],
  cluster: ScalingCluster,
  options: ScalingOptions = {},
): Promise<ScalingResult> {
  services.forEach(validate);
  const solver = options.solver ?? (await getSolver());
  const early = precheck(services, cluster);
  if (early !== undefined) return { feasible: false, kind: 'infeasible', ...early, solver: solver.name, solveMs: 0 };

  const result = await solver.solve(buildScalingModel(services, cluster), {
    timeLimitMs: options.timeLimitMs ?? DEFAULT_SCALING_TIME_LIMIT_MS,
  });
  const meta = { solver: solver.name, solveMs: result.solveMs };
  if (hasSolution(result) && result.objective !== undefined) {
    const replicas = services.map((_, s) => Math.round(result.values.get(`r_${s}`) ?? 0));
    const saturated = services.filter(isSaturated).map((service) => service.id);
    return { feasible: true, replicas, saturated, objective: result.objective, provenOptimal: result.provenOptimal, ...meta };
  }
  const kind: FailureKind = result.status === 'infeasible' ? 'infeasible' : result.status === 'time_limit' ? 'time_limit' : 'solver_error';
  return { feasible: false, kind, reason: `Scaling model not solved: ${result.status}.`, ...meta };
}

/** Fewest replicas each service needs for its rate; Infinity when no count suffices. */
export function minimumReplicas(service: ScalingService): number {
  if (service.alpha * 1 + service.beta >= service.requestRate) return 1;
  if (service.alpha <= 0) return Infinity;
  // Tolerance keeps an exact fit (e.g. 80 = 25·3 + 5) from rounding up through float error.
  return Math.max(1, Math.ceil((service.requestRate - service.beta) / service.alpha - 1e-9));
}

/** The rate needs more replicas than the service may have: it gets its maximum. */
function isSaturated(service: ScalingService): boolean {
  return minimumReplicas(service) > service.maxReplicas;
}

/** The replicas the service's rate asks of the model: the fewest that serve it, at most its maximum (saturated). */
function replicasWanted(service: ScalingService): number {
  return Math.min(minimumReplicas(service), service.maxReplicas);
}

/** Infeasibility that needs no solver, naming the binding resource. */
function precheck(
  services: readonly ScalingService[],
  cluster: ScalingCluster,
): { reason: string; bindingResource: ScalingBindingResource; serviceId?: string } | undefined {
  const gpuService = services.find((service) => service.gpu && !cluster.accelerated);
  if (gpuService !== undefined) {
    return { reason: `Service ${gpuService.id} needs a GPU but the cluster has no acceleration.`, bindingResource: 'gpu', serviceId: gpuService.id };
  }
  // A service no replica count serves (alpha ≤ 0) is saturated like any other: it gets its maximum.
  const cpu = services.reduce((sum, service) => sum + service.cpu * replicasWanted(service), 0);
  if (!withinCapacity(cpu, cluster.cpu)) {
    return { reason: `Serving the current rates needs ${cpu} cores but the cluster has ${cluster.cpu}.`, bindingResource: 'cpu' };
  }
  return undefined;
}

export function buildScalingModel(services: readonly ScalingService[], cluster: ScalingCluster): LinearModel {
  const utilisationScale = Math.max(...services.map((service) => service.maxReplicas * service.cpu), 0) || 1;
  const variables: ModelVariable[] = [];
  const constraints: LinearConstraint[] = [];
  const objective = services.flatMap((service, s) => {
    const r = `r_${s}`;
    const a = `a_${s}`;
    // Saturated: exactly its maximum, with no rate constraint (none it could meet).
    variables.push({ name: r, lower: isSaturated(service) ? service.maxReplicas : 1, upper: service.maxReplicas, integer: true });
    variables.push({ name: a, lower: 0, upper: Infinity, integer: false });
    constraints.push(
      { name: `up_${s}`, terms: [{ variable: a, coefficient: 1 }, { variable: r, coefficient: 1 }], sense: '>=', rhs: service.previousReplicas },
      { name: `down_${s}`, terms: [{ variable: a, coefficient: 1 }, { variable: r, coefficient: -1 }], sense: '>=', rhs: -service.previousReplicas },
    );
    if (!isSaturated(service)) constraints.push({ name: `rate_${s}`, terms: [{ variable: r, coefficient: service.alpha }], sense: '>=', rhs: service.requestRate - service.beta });
    return [
      { variable: r, coefficient: (SCALING_WEIGHTS.utilisation * service.cpu) / utilisationScale },
      { variable: a, coefficient: SCALING_WEIGHTS.transition / service.maxReplicas },
    ];
  });
  constraints.push({
    name: 'cpu',
    terms: services.map((service, s) => ({ variable: `r_${s}`, coefficient: service.cpu })),
    sense: '<=',
    rhs: cluster.cpu,
  });
  return { name: 'scaling', sense: 'minimize', objective, variables, constraints };
}

function validate(service: ScalingService): void {
  const finite = [service.requestRate, service.previousReplicas, service.cpu, service.alpha, service.beta];
  if (!finite.every(Number.isFinite) || service.cpu < 0 || service.requestRate < 0) {
    throw new InvalidOptimizerInput(`service ${service.id}: rate, replicas, cpu, alpha and beta must be finite (rate, cpu ≥ 0)`);
  }
  if (!Number.isInteger(service.maxReplicas) || service.maxReplicas < 1) {
    throw new InvalidOptimizerInput(`service ${service.id}: maxReplicas must be an integer ≥ 1`);
  }
}
