import { yieldIfBusy } from '../shared/event-loop-yield';
import { CapacityCover, MAX_COVER_ROUNDS, coverRows, decodeAssignment, overcommitCovers, solveWithinCapacity } from './exact-capacity';
import { diagnoseWithoutSolver } from './infeasibility';
import { assignmentValues, coLocationGroups, greedyPlacement, peakBound, satisfiesRows, weightedFillBound } from './intent-fast-paths';
import {
  ClusterSets,
  IntentLabelKeys,
  IntentName,
  HIGH_AVAILABILITY_CLUSTERS,
  PlacementIntents,
  activeIntents,
  coLocationPairs,
  energyFigures,
  intentLabelKeys,
  isTrusted,
  wantsHighAvailability,
} from './intents';
import { DEFAULT_PLACEMENT_TIME_LIMIT_MS, MilpPlacementFound, MilpPlacementOptions, MilpPlacementResult, milpPlacement } from './milp-placement';
import { ClusterCapacity, Placement, PlacementInfeasible, ServiceDemand } from './model';
import { evaluateAssignment, placementWeights } from './objective';
import { buildPlacementMilp } from './placement-milp-model';
import { PlacementProblem, buildPlacementProblem } from './problem';
import { LinearConstraint, LinearModel, LinearTerm, ModelVariable, SolveResult, hasSolution } from './solver';
import { failedResult } from './solvers/solution';
import { getSolver } from './solver-selection';

/**
 * Placement under the HDAG intents (README "Intents"): the placement MILP's rows, plus
 *   highAvailability — each such service placed as HIGH_AVAILABILITY_CLUSTERS copies, each copy with the service's
 *     full demand, at most one copy per cluster;
 *   coLocation — for each pair (a, b) and cluster c: Σ copies x[a][c] = Σ copies x[b][c] (same cluster set);
 *   security — only clusters labelled trusted are available;
 * and the lexicographic objective moves → energy (energyEfficiency) → performance (highPerformance: accelerated,
 * round trips between connected services, share of free CPU) → peak CPU. Each phase minimises its term with the
 * earlier terms bounded by their optima. No presolve: the intents' rows are not known to it.
 */

const NOTHING_FIXED: ReadonlyMap<number, number> = new Map();

export interface IntentPlacementOptions extends MilpPlacementOptions {
  readonly intents?: PlacementIntents;
  readonly labelKeys?: Partial<IntentLabelKeys>;
  /** Energy figure per cluster name (e.g. a Prometheus query), before the carbon-intensity label. */
  readonly energyFigures?: Readonly<Record<string, number>>;
  /** Every cluster of each service that ran on several (highAvailability), next to `current`. */
  readonly currentSets?: ClusterSets;
  /** Report the energy figure of the placement without the energyEfficiency intent (one more solve); default true. */
  readonly compareEnergy?: boolean;
}

/** What the intents did to a decision. */
export interface IntentReport {
  readonly active: readonly IntentName[];
  /** The constraints and objective terms that ruled out a placement the phases before them allowed. */
  readonly decidedBy: readonly string[];
  /** CPU-weighted mean energy figure (gCO2/kWh) of the chosen placement, and of the one without energyEfficiency. */
  readonly energy?: { readonly withIntent: number; readonly withoutIntent: number | null };
  /** Clusters excluded by the security intent (not labelled trusted). */
  readonly untrusted?: readonly string[];
  /** What the placement could not take into account, one sentence each (an objective term left out at this size). */
  readonly notes?: readonly string[];
}

export type IntentPlacementFound = MilpPlacementFound & { readonly clusterSets: ClusterSets; readonly intents: IntentReport };
export type IntentPlacementResult = (IntentPlacementFound | PlacementInfeasible) & Pick<MilpPlacementResult, 'solver' | 'solveMs'>;

/** Separates a copy's id from its service's (a character HDAG ids cannot contain). */
const COPY_SEPARATOR = '#ha-';
const TERM_TOLERANCE = 1e-7;
/**
 * Terms of the round-trip rows (highPerformance) beyond which that term is left out: about the size of the whole
 * placement model at 1,000 services × 200 clusters, which the solver's worker receives and loads within its grace.
 */
const ROUND_TRIP_TERMS_MAX = 500_000;

interface Copy {
  readonly service: number; // index into the request's services
  readonly index: number; // 0 = the primary (carries the latency requirements)
}

interface Phase {
  readonly name: string;
  readonly terms: LinearTerm[];
  readonly offset: number;
  readonly variables?: ModelVariable[];
  readonly constraints?: LinearConstraint[];
  /** A valid lower bound on the term (offset included), for the greedy shortcut. */
  readonly lowerBound?: number;
  /** Moves: the CPU each cluster keeps in every placement at `lowerBound` (copies that stay where they ran). */
  readonly staysAtBound?: readonly number[];
  /** The term is Σ cpu·weight[c]·x[copy][c]: bounded by weightedFillBound. */
  readonly weight?: (cluster: number) => number;
}

export async function intentPlacement(
  clusters: readonly ClusterCapacity[],
  services: readonly ServiceDemand[],
  current?: Placement,
  options: IntentPlacementOptions = {},
): Promise<IntentPlacementResult> {
  const intents = options.intents ?? {};
  const active = activeIntents(services, intents);
  const solver = options.solver ?? (await getSolver());
  const keys = intentLabelKeys(options.labelKeys);
  const started = performance.now();
  const deadline = started + (options.timeLimitMs ?? DEFAULT_PLACEMENT_TIME_LIMIT_MS);
  const remaining = (): number => Math.max(1, deadline - performance.now());

  const untrusted = intents.security ? clusters.filter((cluster) => !isTrusted(cluster, keys)).map((cluster) => cluster.name).sort() : [];
  const eligible = clusters.map((cluster) => (untrusted.includes(cluster.name) ? { ...cluster, available: false } : cluster));
  if (intents.security && !eligible.some((cluster) => cluster.available)) {
    return {
      feasible: false,
      kind: 'infeasible',
      reason: `Security intent: no available cluster is labelled ${keys.trusted}=true${untrusted.length > 0 ? ` (not trusted: ${untrusted.join(', ')})` : ''}.`,
      bindingResource: 'security',
      solver: solver.name,
      solveMs: 0,
    };
  }

  const copies: Copy[] = [];
  const expanded: ServiceDemand[] = [];
  services.forEach((service, s) => {
    const count = wantsHighAvailability(service, intents) ? HIGH_AVAILABILITY_CLUSTERS : 1;
    for (let index = 0; index < count; index++) {
      copies.push({ service: s, index });
      // Further copies are standbys of the same service: the latency requirements bind the primary.
      expanded.push(index === 0 ? service : { ...service, id: `${service.id}${COPY_SEPARATOR}${index + 1}`, latencies: [] });
    }
  });
  const problem = buildPlacementProblem(eligible, expanded, options);
  const copiesOf = services.map((_, s) => copies.flatMap((copy, k) => (copy.service === s ? [k] : [])));
  const available = problem.clusters.length;
  const haShort = services.find((service, s) => (copiesOf[s]?.length ?? 0) > available && wantsHighAvailability(service, intents));
  if (haShort !== undefined && available > 0) {
    return {
      feasible: false,
      kind: 'infeasible',
      reason: `High availability: service ${haShort.id} needs ${HIGH_AVAILABILITY_CLUSTERS} distinct available clusters; ${available} ${available === 1 ? 'is' : 'are'} available${intents.security ? ' and trusted' : ''}.`,
      bindingResource: 'highAvailability',
      serviceId: haShort.id,
      solver: solver.name,
      solveMs: 0,
    };
  }
  // A solver-free verdict on the copies may be the intents' doing: diagnose() names the intent, or the resource.
  const early = diagnoseWithoutSolver(problem);

  const base = buildPlacementMilp(problem, undefined, { probe: {} });
  const x = base.variable;
  const clusterIndex = new Map(problem.clusters.map((cluster, c) => [cluster.name, c]));
  // y[s][c]: service s runs on c (the sum of its copies' variables).
  const onCluster = (s: number, c: number, coefficient = 1): LinearTerm[] =>
    (copiesOf[s] ?? []).flatMap((k) => {
      const name = x(k, c);
      return name === undefined ? [] : [{ variable: name, coefficient }];
    });

  const haRows: LinearConstraint[] = [];
  services.forEach((_, s) => {
    if ((copiesOf[s]?.length ?? 0) < 2) return;
    for (let c = 0; c < available; c++) {
      const terms = onCluster(s, c);
      if (terms.length > 1) haRows.push({ name: `ha_${s}_${c}`, terms, sense: '<=', rhs: 1 });
    }
  });
  const serviceIndex = new Map(services.map((service, s) => [service.id, s]));
  const pairs = coLocationPairs(services).map(([a, b]) => [serviceIndex.get(a) ?? -1, serviceIndex.get(b) ?? -1] as const);
  const coLocationRows: LinearConstraint[] = [];
  pairs.forEach(([a, b], k) => {
    for (let c = 0; c < available; c++) {
      const terms = [...onCluster(a, c), ...onCluster(b, c, -1)];
      // No variable on either side: neither runs there; only one side: that side must not run there either.
      if (terms.length > 0) coLocationRows.push({ name: `colocation_${k}_${c}`, terms, sense: '=', rhs: 0 });
    }
  });

  const phases: Phase[] = [movesPhase(problem, services, copiesOf, onCluster, clusterIndex, current, options.currentSets)];
  const figures = energyFigures(problem.clusters.map((slot) => ({ name: slot.name, cpu: slot.cpu, available: true, labels: labelsOf(clusters, slot.name) })), keys, options.energyFigures);
  if (intents.energyEfficiency) {
    phases.push(loadWeightedPhase('energyEfficiency', problem, x, (c) => figures.get(problem.clusters[c]?.name ?? '') ?? 0));
  }
  const notes: string[] = [];
  if (intents.highPerformance) {
    const performanceTerms = performancePhases(problem, services, copiesOf, x);
    phases.push(...performanceTerms.phases);
    notes.push(...performanceTerms.notes);
  }
  phases.push(peakPhase(problem, x));

  const constraints: LinearConstraint[] = [...base.model.constraints, ...haRows, ...coLocationRows];
  // Placements a solver accepted within its tolerance but over a capacity (exact-capacity.ts), for the probes too.
  const covers: CapacityCover[] = [];
  const variables: ModelVariable[] = [...base.model.variables];
  let start: ReadonlyMap<string, number> | undefined;
  let assignment: number[] | undefined;
  let proven = true;
  let movesProven = true;
  const decidedBy = new Set<string>();
  if (haRows.length > 0) decidedBy.add('highAvailability');
  if (coLocationRows.length > 0) decidedBy.add('coLocation');
  if (untrusted.length > 0) decidedBy.add('security');
  let solveMs = 0;
  if (early !== undefined) return explainInfeasible(early.bindingResource === 'clusters' ? early : await diagnose());
  // Greedy placements honouring the intents' rows: each a MIP start, and a phase's optimum when it meets the bound.
  const greedy = {
    problem,
    x,
    copiesOf,
    groups: coLocationGroups(services.length, pairs),
    previous: services.map((service) => previousClusters(service.id, current, options.currentSets).flatMap((name) => clusterIndex.get(name) ?? [])),
  };
  const candidates: number[][] = [];
  // The balanced one first: ties go to it, so a term that changes the balanced placement is reported as deciding.
  // The candidates are a shortcut and the solver's start: past the deadline no more are made. Between them (and their
  // evaluations below) the event loop may turn: on a large model each is tens to hundreds of ms of synchronous work.
  candidateSearch: for (const preference of ['balance' as const, ...phases.flatMap((phase) => (phase.weight ? [clusterOrder(available, phase.weight)] : []))]) {
    for (const size of ['cpu', 'cpuDensity'] as const) {
      if (candidates.length > 0 && performance.now() >= deadline) break candidateSearch;
      const candidate = greedyPlacement(greedy, preference, size, deadline);
      if (candidate !== undefined) candidates.push(candidate);
      await yieldIfBusy();
    }
  }
  let opaque = false; // a phase's own variables (round trips) that candidates cannot value: no shortcut after it
  let profile: ReturnType<typeof weightedFillBound>['groups'] = [];
  let fixedLoad: readonly number[] | undefined; // CPU that stays put in every placement the phases so far allow
  for (const [p, phase] of phases.entries()) {
    // Loops, not push(...): a phase's rows may outnumber what a call's arguments can hold.
    for (const variable of phase.variables ?? []) variables.push(variable);
    for (const constraint of phase.constraints ?? []) constraints.push(constraint);
    const integer = integerVariables(variables);
    const model: LinearModel = { name: `intent-${phase.name}`, sense: 'minimize', objective: phase.terms, objectiveOffset: phase.offset, variables, constraints };
    const fill = phase.weight ? weightedFillBound(problem, phase.weight, fixedLoad) : undefined;
    const lower = phase.name === 'balance' ? peakBound(problem, profile) : (fill?.bound ?? phase.lowerBound);
    let best: { values: ReadonlyMap<string, number>; value: number } | undefined;
    if (!opaque) {
      for (const candidate of candidates) {
        // The first phase values every candidate (a feasible one is the fallback); later ones stop at the deadline.
        if (p > 0 && best !== undefined && performance.now() >= deadline) break;
        const values = assignmentValues(problem, x, candidate, phase.name === 'balance');
        await yieldIfBusy();
        if (values === undefined || !satisfiesRows(constraints, values) || overcommitCovers(problem, candidate).length > 0) continue;
        const value = termValue(phase, { values }, integer);
        if (best === undefined || value < best.value) best = { values, value };
      }
    }
    const meets = (bound: number | undefined): boolean => best !== undefined && bound !== undefined && best.value <= bound + TERM_TOLERANCE * Math.max(1, Math.abs(bound));
    const shortcut = meets(lower);
    const solverStart = start ?? best?.values;
    let result: SolveResult =
      shortcut && best !== undefined
        ? { solver: solver.name, status: 'optimal', provenOptimal: true, values: best.values, objective: best.value, solveMs: 0 }
        : await solver.solve(model, { timeLimitMs: remaining(), ...(solverStart ? { start: solverStart } : {}) });
    // A solution over a capacity (within the solver's tolerance): its covers join the rows, this phase's and every later
    // one's, and the phase is solved again (exact-capacity.ts). The candidates and the start fit exactly: they meet them.
    for (let round = 1; hasSolution(result) && result.status !== 'error'; round++) {
      const over = overcommitCovers(problem, decodeAssignment(problem, NOTHING_FIXED, x, result));
      if (over.length === 0) break;
      for (const row of coverRows(problem, over, x, NOTHING_FIXED, [], covers.length)) constraints.push(row);
      for (const cover of over) covers.push(cover);
      const again =
        round >= MAX_COVER_ROUNDS || remaining() <= 1
          ? failedResult(solver.name, 'error', 0, `every ${solver.name} placement found exceeded a capacity`)
          : await solver.solve(model, { timeLimitMs: remaining(), ...(solverStart ? { start: solverStart } : {}) });
      result = { ...again, solveMs: result.solveMs + again.solveMs };
    }
    if (best !== undefined && result.status !== 'infeasible' && (result.values.size === 0 || result.status === 'error')) {
      // Stopped without a solution, or failed (a worker out of its time or heap): the best candidate meets every row so
      // far, so it is this phase's answer, not proven.
      result = { solver: solver.name, status: 'time_limit', provenOptimal: false, values: best.values, objective: best.value, solveMs: result.solveMs };
    }
    solveMs += result.solveMs;
    if (phase.variables !== undefined && phase.name !== 'balance') opaque = true;
    if (result.values.size === 0 || result.status === 'error') {
      if (p > 0 && assignment !== undefined) {
        proven = false; // a later phase found nothing in time: keep the earlier optimum
        break;
      }
      if (result.status === 'infeasible') return explainInfeasible(await diagnose(), solveMs);
      return { ...unsolved(result), solver: solver.name, solveMs };
    }
    const value = termValue(phase, result, integer);
    const atLower = phase.lowerBound !== undefined && result.provenOptimal && value <= phase.lowerBound + TERM_TOLERANCE * Math.max(1, Math.abs(phase.lowerBound));
    if (atLower && phase.staysAtBound) fixedLoad = phase.staysAtBound;
    if (fill !== undefined && result.provenOptimal && value <= fill.bound + TERM_TOLERANCE * Math.max(1, Math.abs(fill.bound))) profile = fill.groups;
    // Terms over x alone can be evaluated at the previous phase's solution: lower now means this term chose.
    const previous = assignment === undefined || phase.variables !== undefined ? undefined : termValue(phase, { values: start ?? new Map() }, integer);
    if (previous !== undefined && value < previous - TERM_TOLERANCE * Math.max(1, Math.abs(previous))) decidedBy.add(phase.name);
    assignment = decodeAssignment(problem, NOTHING_FIXED, x, result);
    if (!shortcut) candidates.push(assignment); // meets every row so far: a later phase may stop at it
    if (!result.provenOptimal) proven = false;
    if (p === 0) movesProven = result.provenOptimal;
    start = result.values;
    if (phase.terms.length > 0) constraints.push({ name: `bound_${phase.name}`, terms: phase.terms, sense: '<=', rhs: value - phase.offset + TERM_TOLERANCE * Math.max(1, Math.abs(value)) });
    if (remaining() <= 1) {
      proven = proven && p === phases.length - 1;
      break;
    }
  }
  if (assignment === undefined) return { feasible: false, kind: 'time_limit', reason: `The ${solver.name} solver found no placement within its time limit.`, solver: solver.name, solveMs };

  const placement: Record<string, string> = {};
  const clusterSets: Record<string, string[]> = {};
  services.forEach((service, s) => {
    const names = (copiesOf[s] ?? []).map((k) => problem.clusters[assignment[k] ?? -1]?.name ?? '');
    placement[service.id] = names[0] ?? '';
    if (names.length > 1) clusterSets[service.id] = names;
  });
  const evaluated = evaluateAssignment(problem, assignment, undefined);
  const moves = countMoves(services, placement, clusterSets, current, options.currentSets);
  const terms = { moves: moves.moves, movedReplicas: moves.movedReplicas, peakCpuPercent: evaluated.terms.peakCpuPercent };
  const weights = placementWeights(problem);
  const objective = weights.move * terms.moves + weights.replica * terms.movedReplicas + weights.percent * terms.peakCpuPercent;

  let energy: IntentReport['energy'];
  if (intents.energyEfficiency) {
    const withIntent = meanFigureOf(services, placement, clusterSets, figures);
    let withoutIntent: number | null = null;
    if (options.compareEnergy !== false && deadline - performance.now() > 1) {
      // The comparison shares the caller's time limit (it had the same budget again: a what-if at its limit took twice
      // that); unknown (null) when it finds nothing in what is left, or nothing is left.
      const other = await intentPlacement(clusters, services, current, { ...options, intents: { ...intents, energyEfficiency: false }, compareEnergy: false, timeLimitMs: remaining() });
      if (other.feasible) withoutIntent = meanFigureOf(services, other.placement, other.clusterSets, figures);
    }
    energy = { withIntent, withoutIntent };
  }
  return {
    feasible: true,
    placement,
    clusterSets,
    terms,
    objective,
    provenOptimal: proven,
    provenMinimalMoves: movesProven,
    solverObjective: undefined,
    intents: { active, decidedBy: [...decidedBy], ...(energy ? { energy } : {}), ...(untrusted.length > 0 ? { untrusted } : {}), ...(notes.length > 0 ? { notes } : {}) },
    solver: solver.name,
    solveMs,
  };

  function explainInfeasible(diagnosis: PlacementInfeasible, ms = 0): IntentPlacementResult {
    return { ...diagnosis, solver: solver.name, solveMs: ms };
  }

  /** Drops one intent at a time (coLocation, highAvailability, security); the first whose removal helps is named. */
  async function diagnose(): Promise<PlacementInfeasible> {
    const feasible = async (rows: LinearConstraint[]): Promise<boolean> => {
      const probe = (known: readonly CapacityCover[]) => ({
        model: { name: 'intent-probe', sense: 'minimize', objective: [], variables: base.model.variables, constraints: [...rows, ...coverRows(problem, known, x, NOTHING_FIXED)] } satisfies LinearModel,
        variable: x,
      });
      const { assignment } = await solveWithinCapacity(problem, solver, covers, probe, { timeLimitMs: Math.min(1_000, remaining()) });
      return assignment !== undefined;
    };
    if (coLocationRows.length > 0 && (await feasible([...base.model.constraints, ...haRows]))) {
      const names = coLocationPairs(services).map(([a, b]) => `${a} + ${b}`).join(', ');
      return { feasible: false, kind: 'infeasible', reason: `Co-location (${names}) cannot be met together with the other constraints: no cluster can host the services together.`, bindingResource: 'coLocation' };
    }
    if (haRows.length > 0 && (active.includes('highAvailability'))) {
      const single = await intentPlacement(clusters, services.map((service) => ({ ...service, highAvailability: false })), current, { ...options, compareEnergy: false, capacityGap: false, timeLimitMs: remaining() });
      if (single.feasible) {
        return { feasible: false, kind: 'infeasible', reason: `High availability: the services fit once but not on ${HIGH_AVAILABILITY_CLUSTERS} distinct clusters each.`, bindingResource: 'highAvailability' };
      }
    }
    if (untrusted.length > 0) {
      const anywhere = await intentPlacement(clusters, services, current, { ...options, intents: { ...intents, security: false }, compareEnergy: false, capacityGap: false, timeLimitMs: remaining() });
      if (anywhere.feasible) {
        return { feasible: false, kind: 'infeasible', reason: `Security intent: the trusted clusters cannot host the graph (not trusted: ${untrusted.join(', ')}).`, bindingResource: 'security' };
      }
    }
    // Capacity alone: the plain engine names the resource and computes the gap.
    // Diagnosis shares the caller's time limit: a 422 never costs more than one solve's budget (plus the capacity gap).
    const plain = await milpPlacement(eligible, services, current, { ...options, timeLimitMs: remaining() });
    if (!plain.feasible) {
      const { solver: _solver, solveMs: _ms, ...diagnosis } = plain;
      return diagnosis;
    }
    return { feasible: false, kind: 'infeasible', reason: 'The intents cannot be met together with the clusters’ capacity.' };
  }
}

/** One sentence per thing the intents did, for a decision's explanation. */
export function intentsExplanation(report: IntentReport): string[] {
  const lines = [`Active intents: ${report.active.join(', ')}; decided by: ${report.decidedBy.length > 0 ? report.decidedBy.join(', ') : 'none (the same placement without them)'}.`];
  if (report.untrusted && report.untrusted.length > 0) lines.push(`Security: not trusted, not used: ${report.untrusted.join(', ')}.`);
  lines.push(...(report.notes ?? []));
  if (report.energy) {
    const without = report.energy.withoutIntent === null ? 'unknown' : `${round(report.energy.withoutIntent)} gCO2/kWh`;
    lines.push(`Energy: ${round(report.energy.withIntent)} gCO2/kWh (CPU-weighted) with the intent, ${without} without it.`);
  }
  return lines;
}

const round = (value: number): number => Math.round(value * 10) / 10;

function labelsOf(clusters: readonly ClusterCapacity[], name: string): Readonly<Record<string, string>> | null {
  return clusters.find((cluster) => cluster.name === name)?.labels ?? null;
}

/**
 * Moves: for each service, min(|previous clusters|, copies) − Σ_{p previous, available} y[s][p], weighted as the plain
 * engine (one move outweighs every moved replica): cost = (Σ replicas + 1) + replicas.
 */
function movesPhase(
  problem: PlacementProblem,
  services: readonly ServiceDemand[],
  copiesOf: readonly (readonly number[])[],
  onCluster: (s: number, c: number, coefficient?: number) => LinearTerm[],
  clusterIndex: ReadonlyMap<string, number>,
  current: Placement | undefined,
  currentSets: ClusterSets | undefined,
): Phase {
  const unit = problem.services.reduce((sum, service) => sum + service.replicas, 0) + 1;
  const terms: LinearTerm[] = [];
  let offset = 0;
  let lowerBound = 0;
  const staysAtBound = problem.clusters.map(() => 0);
  services.forEach((service, s) => {
    const previous = previousClusters(service.id, current, currentSets);
    if (previous.length === 0) return;
    const cost = unit + service.replicas;
    const kept = Math.min(previous.length, copiesOf[s]?.length ?? 1);
    offset += cost * kept;
    const reachable: number[] = []; // previous clusters some copy may still use: at most that many copies stay
    for (const name of previous) {
      const c = clusterIndex.get(name);
      const stay = c === undefined ? [] : onCluster(s, c, -cost);
      if (c !== undefined && stay.length > 0) reachable.push(c);
      terms.push(...stay);
    }
    lowerBound += cost * Math.max(0, kept - reachable.length);
    // At the bound every term is at its own bound: with no more reachable clusters than copies, a copy stays on each.
    const copyCpu = problem.services[copiesOf[s]?.[0] ?? -1]?.cpu ?? 0;
    if (reachable.length <= (copiesOf[s]?.length ?? 1)) for (const c of reachable) staysAtBound[c] = (staysAtBound[c] ?? 0) + copyCpu;
  });
  return { name: 'moves', terms, offset, lowerBound, staysAtBound };
}

/** Cluster indices by ascending weight (index order among equals). */
function clusterOrder(count: number, weight: (cluster: number) => number): number[] {
  return Array.from({ length: count }, (_, c) => c).sort((a, b) => weight(a) - weight(b) || a - b);
}

function previousClusters(id: string, current: Placement | undefined, currentSets: ClusterSets | undefined): string[] {
  const set = currentSets?.[id];
  if (set !== undefined && set.length > 0) return [...new Set(set)];
  const one = current?.[id];
  return one === undefined ? [] : [one];
}

/** Σ cpu[copy]·weight[c]·x[copy][c]: the energy term (weight = energy figure). */
function loadWeightedPhase(
  name: string,
  problem: PlacementProblem,
  x: (s: number, c: number) => string | undefined,
  weight: (c: number) => number,
): Phase {
  const terms: LinearTerm[] = [];
  problem.services.forEach((service, k) => {
    for (let c = 0; c < problem.clusters.length; c++) {
      const variable = x(k, c);
      const coefficient = service.cpu * weight(c);
      if (variable !== undefined && coefficient !== 0) terms.push({ variable, coefficient });
    }
  });
  return { name, terms, offset: 0, weight };
}

/**
 * highPerformance, lexicographically: copies on clusters without acceleration; the sum of round trips (ms) between
 * connected services' primaries (unknown = the highest known); the CPU share of each cluster's free CPU taken (%).
 */
function performancePhases(
  problem: PlacementProblem,
  services: readonly ServiceDemand[],
  copiesOf: readonly (readonly number[])[],
  x: (s: number, c: number) => string | undefined,
): { phases: Phase[]; notes: string[] } {
  const phases: Phase[] = [];
  const notes: string[] = [];
  const C = problem.clusters.length;
  const plain: LinearTerm[] = [];
  problem.services.forEach((_, k) => {
    for (let c = 0; c < C; c++) {
      const variable = x(k, c);
      if (variable !== undefined && !problem.clusters[c]?.accelerated) plain.push({ variable, coefficient: 1 });
    }
  });
  if (plain.length > 0 && problem.clusters.some((cluster) => cluster.accelerated)) phases.push({ name: 'highPerformance:acceleration', terms: plain, offset: 0 });

  let highest = 0; // a loop, not Math.max(...): clusters² values overflow the call stack from about 300 clusters
  for (const row of problem.latencyMs) for (const ms of row) if (ms !== undefined && ms > highest) highest = ms;
  // The connected pairs, and the size of their rows (each pair: a row per cluster of one side, over the other side's).
  const index = new Map(services.map((service, s) => [service.id, s]));
  const seen = new Set<string>();
  const pairs: { key: string; primaryA: number; primaryB: number }[] = [];
  let rowTerms = 0;
  const usable = (copy: number): number => {
    let count = 0;
    for (let c = 0; c < C; c++) if (x(copy, c) !== undefined) count += 1;
    return count;
  };
  if (highest > 0) {
    services.forEach((service, a) => {
      for (const other of [...(service.connectionPoints ?? []), ...(service.latencies ?? []).map((l) => l.connectionPoint)]) {
        const b = index.get(other);
        if (b === undefined || b === a) continue;
        const key = [a, b].sort((p, q) => p - q).join('-');
        if (seen.has(key)) continue;
        seen.add(key);
        const pair = { key, primaryA: copiesOf[a]?.[0] ?? -1, primaryB: copiesOf[b]?.[0] ?? -1 };
        pairs.push(pair);
        rowTerms += usable(pair.primaryA) * (2 + usable(pair.primaryB));
      }
    });
  }
  if (rowTerms > ROUND_TRIP_TERMS_MAX) {
    // Quadratic in the clusters: at 1,000 × 200 tens of millions of terms, seconds of the event loop and gigabytes to
    // build, for a model no solver loads within the time limit. The term is left out, and the decision says so.
    notes.push(
      `highPerformance: round trips between connected services left out: ${pairs.length} pairs over ${C} clusters would take ` +
        `${rowTerms.toLocaleString('en-US')} terms (more than ${ROUND_TRIP_TERMS_MAX.toLocaleString('en-US')}).`,
    );
  } else if (pairs.length > 0) {
    const rtt = (c1: number, c2: number): number => (c1 === c2 ? 0 : (problem.latencyMs[c1]?.[c2] ?? highest));
    const variables: ModelVariable[] = [];
    const constraints: LinearConstraint[] = [];
    const terms: LinearTerm[] = [];
    for (const { key, primaryA, primaryB } of pairs) {
      const r = `rtt_${key}`;
      variables.push({ name: r, lower: 0, upper: highest, integer: false });
      terms.push({ variable: r, coefficient: 1 });
      // r ≥ Σ_c2 rtt(c1, c2)·x[b][c2] − M·(1 − x[a][c1]) for each c1 a can use.
      for (let c1 = 0; c1 < C; c1++) {
        const own = x(primaryA, c1);
        if (own === undefined) continue;
        const row: LinearTerm[] = [{ variable: own, coefficient: highest }, { variable: r, coefficient: -1 }];
        for (let c2 = 0; c2 < C; c2++) {
          const partner = x(primaryB, c2);
          const ms = rtt(c1, c2);
          if (partner !== undefined && ms > 0) row.push({ variable: partner, coefficient: ms });
        }
        constraints.push({ name: `rtt_${key}_${c1}`, terms: row, sense: '<=', rhs: highest });
      }
    }
    if (terms.length > 0) phases.push({ name: 'highPerformance:roundTrips', terms, offset: 0, variables, constraints });
  }
  phases.push(loadWeightedPhase('highPerformance:utilisation', problem, x, (c) => {
    const cpu = problem.clusters[c]?.cpu ?? 0;
    return cpu > 0 ? 100 / cpu : 0;
  }));
  return { phases, notes };
}

/** Minimise the integer peak ≥ 100·Σ cpu·x / cpu[c] for every cluster (balance, as the plain engine's last term). */
function peakPhase(problem: PlacementProblem, x: (s: number, c: number) => string | undefined): Phase {
  const constraints: LinearConstraint[] = [];
  problem.clusters.forEach((cluster, c) => {
    if (cluster.cpu <= 0) return;
    const terms: LinearTerm[] = [];
    problem.services.forEach((service, k) => {
      const variable = x(k, c);
      if (variable !== undefined && service.cpu > 0) terms.push({ variable, coefficient: (100 * service.cpu) / cluster.cpu });
    });
    if (terms.length === 0) return;
    terms.push({ variable: 'peak', coefficient: -1 });
    constraints.push({ name: `balance_${c}`, terms, sense: '<=', rhs: 0 });
  });
  return {
    name: 'balance',
    terms: [{ variable: 'peak', coefficient: 1 }],
    offset: 0,
    variables: [{ name: 'peak', lower: 0, upper: 100, integer: true }],
    constraints,
  };
}

/** A phase's term at a solution (binaries rounded), offset included. */
/** The integer variables' names, once per phase (a large model has hundreds of thousands of variables). */
function integerVariables(variables: readonly ModelVariable[]): ReadonlySet<string> {
  return new Set(variables.filter((variable) => variable.integer).map((variable) => variable.name));
}

function termValue(phase: Phase, result: Pick<SolveResult, 'values'>, integer: ReadonlySet<string>): number {
  let value = phase.offset;
  for (const { variable, coefficient } of phase.terms) {
    const raw = result.values.get(variable) ?? 0;
    value += coefficient * (integer.has(variable) ? Math.round(raw) : raw);
  }
  return value;
}

/** Moves of a placement against the previous one, every cluster of a service counted (as the moves phase does). */
export function countMoves(
  services: readonly ServiceDemand[],
  placement: Placement,
  clusterSets: ClusterSets,
  current: Placement | undefined,
  currentSets: ClusterSets | undefined,
): { moves: number; movedReplicas: number } {
  let moves = 0;
  let movedReplicas = 0;
  for (const service of services) {
    const previous = previousClusters(service.id, current, currentSets);
    if (previous.length === 0) continue;
    const now = clusterSets[service.id] ?? [placement[service.id] ?? ''];
    const kept = previous.filter((name) => now.includes(name)).length;
    const moved = Math.min(previous.length, now.length) - kept;
    moves += moved;
    movedReplicas += moved * service.replicas;
  }
  return { moves, movedReplicas };
}

/** The CPU-weighted mean energy figure of a placement (every copy counts with its service's CPU). */
export function meanFigureOf(services: readonly ServiceDemand[], placement: Placement, clusterSets: ClusterSets, figures: ReadonlyMap<string, number>): number {
  let weighted = 0;
  let cpu = 0;
  for (const service of services) {
    const load = service.cpu * service.replicas;
    for (const name of clusterSets[service.id] ?? [placement[service.id] ?? '']) {
      weighted += load * (figures.get(name) ?? 0);
      cpu += load;
    }
  }
  return cpu > 0 ? weighted / cpu : 0;
}

function unsolved(result: SolveResult): PlacementInfeasible {
  if (result.status === 'time_limit') {
    return { feasible: false, kind: 'time_limit', reason: `The ${result.solver} solver found no placement within its time limit.` };
  }
  return { feasible: false, kind: 'solver_error', reason: `The ${result.solver} solver failed: ${result.message ?? result.status}.` };
}
