import { describeCapacityGap } from './capacity-gap';
import { IntentReport, intentPlacement, intentsExplanation } from './intent-placement';
import { ClusterSets, IntentLabelKeys, PlacementIntents, activeIntents } from './intents';
import { describeRequirement, formatLatency } from './latency';
import { milpPlacement } from './milp-placement';
import {
  ClusterCapacity,
  ClusterLatencyMs,
  LatencyLimitsMs,
  Placement,
  PlacementInfeasible,
  PlacementObjectiveTerms,
  PlacementResult,
  ServiceDemand,
} from './model';
import { naivePlacement } from './naive-placement';
import { placementWeights } from './objective';
import { PlacementProblem, buildPlacementProblem, byName } from './problem';
import { Solver, SolverName } from './solver';

/** The what-if planner behind `POST /placement/plan`: pure apart from the solver call. */

export type PlanAlgorithm = 'naive' | 'milp';

export interface PlanRequest {
  readonly clusters: readonly ClusterCapacity[];
  readonly services: readonly ServiceDemand[];
  readonly currentPlacement?: Placement;
  /** Default: `milp` when currentPlacement is given, else `naive`. */
  readonly algorithm?: PlanAlgorithm;
  /** Round-trip times between clusters for the services' `latencies` (model.ts `ClusterLatencyMs`). */
  readonly clusterLatencyMs?: ClusterLatencyMs;
  /** The graph's intents (README "Intents"); with any active, the MILP places under them whatever `algorithm` says. */
  readonly intents?: PlacementIntents;
  /** Every cluster of each service that runs on several (highAvailability), next to currentPlacement. */
  readonly previousClusterSets?: ClusterSets;
}

export interface PlanOptions {
  readonly solver?: Solver;
  readonly timeLimitMs?: number;
  /** Budget of the balance tie-break (milp-placement.ts); the fewest moves are always proven first. */
  readonly tieBreakBudgetMs?: number;
  /** Capacity gap on an infeasible result: default within the verdict's time, `true` requested (milp-placement.ts). */
  readonly capacityGap?: boolean;
  /** Budget of the capacity-gap probes on an infeasible result (milp-placement.ts); setting it requests the gap. */
  readonly capacityGapBudgetMs?: number;
  /** Server configuration of the latency classes (default 10 ms / 20 ms). */
  readonly latencyLimitsMs?: Partial<LatencyLimitsMs>;
  /** Cluster label keys the intents read (server configuration). */
  readonly intentLabels?: Partial<IntentLabelKeys>;
}

/** Fractions 0..1 of what the cluster offers; null where the cluster does not report the resource. */
export interface ClusterUtilisation {
  readonly cpu: number;
  readonly memory: number | null;
  readonly gpu: number | null;
}

export interface PlanFeasible {
  readonly feasible: true;
  readonly algorithm: PlanAlgorithm;
  readonly placement: Placement;
  readonly moves: number;
  readonly objective: number;
  readonly terms: PlacementObjectiveTerms;
  readonly provenOptimal: boolean;
  readonly solver: SolverName | 'none';
  readonly solveMs: number;
  readonly utilisation: Readonly<Record<string, ClusterUtilisation>>;
  readonly explanation: readonly string[];
  /** With intents: every cluster of the services on several, and what the intents did. */
  readonly clusterSets?: ClusterSets;
  readonly intents?: IntentReport;
}

export interface PlanInfeasible extends PlacementInfeasible {
  readonly algorithm: PlanAlgorithm;
  readonly solver: SolverName | 'none';
  readonly solveMs: number;
  readonly explanation: readonly string[];
}

export type PlanResult = PlanFeasible | PlanInfeasible;

/** Throws InvalidOptimizerInput for malformed requests (duplicate ids, negative amounts). */
export async function planPlacement(request: PlanRequest, options: PlanOptions = {}): Promise<PlanResult> {
  const underIntents = activeIntents(request.services, request.intents).length > 0;
  const algorithm = underIntents ? 'milp' : (request.algorithm ?? (request.currentPlacement === undefined ? 'naive' : 'milp'));
  const network = { clusterLatencyMs: request.clusterLatencyMs, latencyLimitsMs: options.latencyLimitsMs };
  const problem = buildPlacementProblem(request.clusters, request.services, network); // validates before any work
  const started = performance.now();
  const outcome: PlacementResult & { solver: SolverName | 'none'; solveMs?: number; clusterSets?: ClusterSets; intents?: IntentReport } = underIntents
    ? await intentPlacement(request.clusters, request.services, request.currentPlacement, {
        ...options,
        ...network,
        intents: request.intents ?? {},
        ...(request.previousClusterSets ? { currentSets: request.previousClusterSets } : {}),
        ...(options.intentLabels ? { labelKeys: options.intentLabels } : {}),
      })
    : algorithm === 'milp'
      ? await milpPlacement(request.clusters, request.services, request.currentPlacement, { ...options, ...network })
      : { ...naivePlacement(request.clusters, request.services, request.currentPlacement, network), solver: 'none' };
  const solveMs = outcome.solveMs ?? performance.now() - started;
  const context = [
    describeAlgorithm(algorithm, outcome.solver, solveMs, outcome.feasible && outcome.provenOptimal, outcome.feasible && 'provenMinimalMoves' in outcome && outcome.provenMinimalMoves === true),
    `Clusters considered, in name order: ${problem.clusters.map((c) => c.name).join(', ') || 'none'}` +
      (problem.unavailable.length > 0 ? `; unavailable, ignored: ${problem.unavailable.join(', ')}.` : '.'),
  ];
  if (!outcome.feasible) {
    const binding = outcome.bindingResource === undefined ? [] : [`Binding resource: ${outcome.bindingResource}.`];
    return {
      feasible: false,
      algorithm,
      kind: outcome.kind,
      reason: outcome.reason,
      ...(outcome.bindingResource === undefined ? {} : { bindingResource: outcome.bindingResource }),
      ...(outcome.serviceId === undefined ? {} : { serviceId: outcome.serviceId }),
      ...(outcome.requirement === undefined ? {} : { requirement: outcome.requirement }),
      ...(outcome.capacityGap === undefined ? {} : { capacityGap: outcome.capacityGap }),
      solver: outcome.solver,
      solveMs,
      explanation: [
        ...context,
        outcome.reason,
        ...binding,
        ...(outcome.capacityGap === undefined ? [] : describeCapacityGap(outcome.capacityGap, problem.latency.length > 0)),
      ],
    };
  }
  const weights = placementWeights(problem);
  return {
    feasible: true,
    algorithm,
    placement: outcome.placement,
    moves: outcome.terms.moves,
    objective: outcome.objective,
    terms: outcome.terms,
    provenOptimal: outcome.provenOptimal,
    solver: outcome.solver,
    solveMs,
    utilisation: utilisationOf(request.clusters, request.services, outcome.placement, outcome.clusterSets ?? {}),
    ...(outcome.clusterSets && Object.keys(outcome.clusterSets).length > 0 ? { clusterSets: outcome.clusterSets } : {}),
    ...(outcome.intents ? { intents: outcome.intents } : {}),
    explanation: [
      ...context,
      ...describeMoves(request, outcome.placement),
      ...describeLatency(problem, outcome.placement),
      `Peak CPU utilisation: ${outcome.terms.peakCpuPercent} %.`,
      `Objective = ${weights.move}·moves + ${weights.replica}·moved replicas + peak CPU % = ` +
        `${weights.move}·${outcome.terms.moves} + ${weights.replica}·${outcome.terms.movedReplicas} + ${outcome.terms.peakCpuPercent} = ${outcome.objective}.`,
      ...(outcome.intents ? intentsExplanation(outcome.intents) : []),
    ],
  };
}

function describeAlgorithm(algorithm: PlanAlgorithm, solver: SolverName | 'none', solveMs: number, proven: boolean, movesProven: boolean): string {
  if (algorithm === 'naive') return 'Naive first-fit: services in request order, each on the first cluster (by name) with room.';
  const quality = proven ? 'proven optimal' : movesProven ? 'fewest moves proven, balance the best found within its time budget' : 'not proven optimal';
  return `MILP re-placement (fewest moves, then fewest moved replicas, then lowest peak CPU) solved by ${solver} in ${solveMs.toFixed(1)} ms, ${quality}.`;
}

function describeMoves(request: PlanRequest, placement: Placement): string[] {
  const current = request.currentPlacement;
  if (current === undefined) return ['No current placement given: no moves counted.'];
  const moved = request.services.filter((s) => current[s.id] !== undefined && current[s.id] !== placement[s.id]);
  const fresh = request.services.filter((s) => current[s.id] === undefined);
  const lines =
    moved.length === 0
      ? ['No service moves.']
      : [`${moved.length} service(s) move: ${moved.map((s) => `${s.id} ${current[s.id]} → ${placement[s.id]}`).join('; ')}.`];
  if (fresh.length > 0) lines.push(`Newly placed (no current cluster): ${fresh.map((s) => s.id).join(', ')}.`);
  return lines;
}

function describeLatency(problem: PlacementProblem, placement: Placement): string[] {
  if (problem.latency.length === 0) return [];
  const index = new Map(problem.clusters.map((cluster, c) => [cluster.name, c]));
  const met = problem.latency.map(({ ref }) => {
    const from = placement[ref.serviceId] ?? '?';
    const to = placement[ref.connectionPoint] ?? '?';
    const where = from === to ? `both on ${from}` : `${from}–${to} ${formatLatency(problem.latencyMs[index.get(from) ?? -1]?.[index.get(to) ?? -1])}`;
    return `${describeRequirement(ref, problem.latencyLimitsMs)}: ${where}`;
  });
  return [`Latency requirements met: ${met.join('; ')}.`];
}

function utilisationOf(
  clusters: readonly ClusterCapacity[],
  services: readonly ServiceDemand[],
  placement: Placement,
  clusterSets: ClusterSets = {},
): Record<string, ClusterUtilisation> {
  const fraction = (used: number, capacity: number): number => (capacity > 0 ? used / capacity : 0);
  const utilisation: Record<string, ClusterUtilisation> = {};
  for (const cluster of [...clusters].filter((c) => c.available).sort(byName)) {
    const hosted = services.filter((service) => (clusterSets[service.id] ?? [placement[service.id]]).includes(cluster.name));
    const sum = (pick: (service: ServiceDemand) => number): number =>
      hosted.reduce((total, service) => total + pick(service) * service.replicas, 0);
    utilisation[cluster.name] = {
      cpu: fraction(sum((s) => s.cpu), cluster.cpu),
      memory: cluster.memoryBytes == null ? null : fraction(sum((s) => s.memoryBytes ?? 0), cluster.memoryBytes),
      gpu: cluster.gpu == null ? null : fraction(sum((s) => (s.gpu ? 1 : 0)), cluster.gpu),
    };
  }
  return utilisation;
}
