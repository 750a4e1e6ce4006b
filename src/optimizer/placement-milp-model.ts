import { CapacityCover, coverRows } from './exact-capacity';
import { Placement } from './model';
import { PEAK_PERCENT_MAX, moveCosts } from './objective';
import { PlacementProblem, Resource, currentAssignment, shortfalls } from './problem';
import { LinearConstraint, LinearModel, LinearTerm, ModelVariable, binaryVariable } from './solver';

/**
 * The placement MILP (generalises upstream §5.2), solved in lexicographic phases (milp-placement.ts):
 *   x[s][c] ∈ {0,1} only for pairs where c can host s (acceleration for every service, B9; the capacity left by
 *   the fixed services; latency towards fixed partners);
 *   Σ_c x[s][c] = 1; per cluster Σ cpu·x ≤ cpu, Σ memory·x ≤ memory (if reported), Σ gpus·x ≤ gpus (if reported);
 *   latency: for each requirement (a, b) and cluster c1, x[a][c1] + Σ_{c2 : (c1, c2) forbidden} x[b][c2] ≤ 1
 *   (equivalent to x[a][c1] + x[b][c2] ≤ 1 per forbidden pair, since b is on exactly one cluster, but tighter).
 * Objectives: `moves` minimises Σ cost[s]·(1 − x[s][current s]) with cost = (Σ replicas + 1) + replicas[s] (fewest
 * moves, then fewest moved replicas); `peak` keeps that cost at most a bound and minimises an integer peak ∈ [lower, 100]
 * with 100·Σ cpu·x / cpu_c ≤ peak (these rows replace the CPU rows).
 * Services in `fixed` stay where they are: they get no variable, their loads are constants. `covers` exclude
 * placements the solvers accepted within their tolerance but that exceed a capacity (exact-capacity.ts).
 * Built with loops over plain arrays (no spread or recursion over per-variable lists): 1,000 × 200 builds in tens
 * of milliseconds. Extra constraint families or objective terms go in as more rows/terms over `variable`.
 */

export interface PlacementMilp {
  readonly model: LinearModel;
  /** Name of x[s][c], or undefined when s is fixed or c cannot host s. */
  readonly variable: (service: number, cluster: number) => string | undefined;
}

export type PlacementObjective =
  | { readonly kind: 'moves' }
  | { readonly kind: 'peak'; readonly movesCostAtMost: number; readonly peakAtLeast: number };

export interface PlacementMilpOptions {
  /**
   * A feasibility probe for diagnosis: no objective, without the constraints of the `relax` resources and with
   * only the `latency` requirements listed.
   */
  readonly probe?: {
    readonly relax?: readonly Resource[];
    /** Indices into problem.latency to enforce; default all. */
    readonly latency?: readonly number[];
  };
  /** Service index → cluster index of services kept in place (no variables). */
  readonly fixed?: ReadonlyMap<number, number>;
  /** Default `moves`; ignored by probes. */
  readonly objective?: PlacementObjective;
  /** Placements over capacity found so far, excluded exactly (exact-capacity.ts); those of relaxed resources are left out. */
  readonly covers?: readonly CapacityCover[];
}

const GIB = 2 ** 30; // memory rows in GiB keep coefficients near 1
export const PEAK_VARIABLE = 'peak';
export const variableName = (service: number, cluster: number): string => `x_${service}_${cluster}`;

export function buildPlacementMilp(
  problem: PlacementProblem,
  current: Placement | undefined,
  options: PlacementMilpOptions = {},
): PlacementMilp {
  const probe = options.probe;
  const fixed = options.fixed ?? new Map<number, number>();
  const relaxed = (resource: Resource): boolean => probe?.relax?.includes(resource) ?? false;
  const clusterCount = problem.clusters.length;

  // Loads of the fixed services: constants on every row.
  const fixedCpu = new Array<number>(clusterCount).fill(0);
  const fixedMemory = new Array<number>(clusterCount).fill(0);
  const fixedGpus = new Array<number>(clusterCount).fill(0);
  for (const [s, c] of fixed) {
    const service = problem.services[s];
    if (service === undefined) continue;
    fixedCpu[c] = (fixedCpu[c] ?? 0) + service.cpu;
    fixedMemory[c] = (fixedMemory[c] ?? 0) + service.memoryBytes;
    fixedGpus[c] = (fixedGpus[c] ?? 0) + service.gpus;
  }
  const partnersFixed = fixedLatencyPartners(problem, fixed, probe?.latency);

  const names: (string | undefined)[][] = [];
  const variables: ModelVariable[] = [];
  problem.services.forEach((service, s) => {
    const row: (string | undefined)[] = new Array<string | undefined>(clusterCount).fill(undefined);
    names.push(row);
    if (fixed.has(s)) return;
    problem.clusters.forEach((cluster, c) => {
      const usage = { cpu: fixedCpu[c] ?? 0, memoryBytes: fixedMemory[c] ?? 0, gpus: fixedGpus[c] ?? 0 };
      if (!shortfalls(service, cluster, usage).every(relaxed)) return;
      if (!(partnersFixed.get(s) ?? []).every((allowed) => allowed(c))) return;
      const name = variableName(s, c);
      row[c] = name;
      variables.push(binaryVariable(name));
    });
  });
  const variable = (s: number, c: number): string | undefined => names[s]?.[c];
  const constraints: LinearConstraint[] = [];

  problem.services.forEach((_, s) => {
    if (fixed.has(s)) return;
    const terms: LinearTerm[] = [];
    for (let c = 0; c < clusterCount; c++) addTerm(terms, variable(s, c), 1);
    constraints.push({ name: `assign_${s}`, terms, sense: '=', rhs: 1 });
  });
  const column = (c: number, coefficient: (s: number) => number): LinearTerm[] => {
    const terms: LinearTerm[] = [];
    for (let s = 0; s < problem.services.length; s++) addTerm(terms, variable(s, c), coefficient(s));
    return terms;
  };

  const objective = probe === undefined ? (options.objective ?? { kind: 'moves' as const }) : undefined;
  problem.clusters.forEach((cluster, c) => {
    // The peak phase caps CPU through its balance rows (peak ≤ 100); a second copy only slows the solvers.
    const cpu = column(c, (s) => problem.services[s]?.cpu ?? 0);
    if (objective?.kind !== 'peak' && !relaxed('cpu') && cpu.length > 0) {
      constraints.push({ name: `cpu_${c}`, terms: cpu, sense: '<=', rhs: cluster.cpu - (fixedCpu[c] ?? 0) });
    }
    const memory = column(c, (s) => (problem.services[s]?.memoryBytes ?? 0) / GIB);
    if (!relaxed('memory') && cluster.memoryBytes !== undefined && memory.length > 0) {
      constraints.push({ name: `memory_${c}`, terms: memory, sense: '<=', rhs: (cluster.memoryBytes - (fixedMemory[c] ?? 0)) / GIB });
    }
    const gpus = column(c, (s) => problem.services[s]?.gpus ?? 0);
    if (!relaxed('gpu') && cluster.gpus !== undefined && gpus.length > 0) {
      constraints.push({ name: `gpu_${c}`, terms: gpus, sense: '<=', rhs: cluster.gpus - (fixedGpus[c] ?? 0) });
    }
  });
  for (const row of latencyRows(problem, variable, probe?.latency)) constraints.push(row);
  for (const row of coverRows(problem, options.covers ?? [], variable, fixed, probe?.relax)) constraints.push(row);

  if (objective === undefined) {
    const name = `placement-probe${(probe?.relax ?? []).map((resource) => `-without-${resource}`).join('')}`;
    return { model: { name, sense: 'minimize', objective: [], variables, constraints }, variable };
  }

  // Each move costs a constant, paid unless x[s][current] = 1: offset cost[s], coefficient −cost[s].
  const costs = moveCosts(problem, current);
  const assigned = currentAssignment(problem, current);
  const stayTerms: LinearTerm[] = [];
  let offset = 0;
  problem.services.forEach((_, s) => {
    const cost = costs[s] ?? 0;
    if (fixed.has(s) || cost === 0) return;
    offset += cost;
    addTerm(stayTerms, variable(s, assigned.get(s) ?? -1), cost);
  });
  if (objective.kind === 'moves') {
    const terms = stayTerms.map(({ variable: name, coefficient }) => ({ variable: name, coefficient: -coefficient }));
    return { model: { name: 'placement-moves', sense: 'minimize', objective: terms, objectiveOffset: offset, variables, constraints }, variable };
  }

  // offset − Σ cost·stay ≤ bound  ⇔  Σ cost·stay ≥ offset − bound.
  if (stayTerms.length > 0 || offset > 0) {
    constraints.push({ name: 'moves_cost', terms: stayTerms, sense: '>=', rhs: offset - objective.movesCostAtMost });
  }
  variables.push({ name: PEAK_VARIABLE, lower: Math.min(objective.peakAtLeast, PEAK_PERCENT_MAX), upper: PEAK_PERCENT_MAX, integer: true });
  problem.clusters.forEach((cluster, c) => {
    if (cluster.cpu <= 0) return; // only services without CPU demand are eligible here
    const terms = column(c, (s) => (100 * (problem.services[s]?.cpu ?? 0)) / cluster.cpu);
    const fixedPercent = (100 * (fixedCpu[c] ?? 0)) / cluster.cpu;
    if (terms.length === 0) return; // a constant load: part of peakAtLeast
    terms.push({ variable: PEAK_VARIABLE, coefficient: -1 });
    constraints.push({ name: `balance_${c}`, terms, sense: '<=', rhs: -fixedPercent });
  });
  return {
    model: { name: 'placement-peak', sense: 'minimize', objective: [{ variable: PEAK_VARIABLE, coefficient: 1 }], variables, constraints },
    variable,
  };
}

/** For each free service, the cluster tests its latency requirements towards fixed services impose. */
function fixedLatencyPartners(
  problem: PlacementProblem,
  fixed: ReadonlyMap<number, number>,
  only: readonly number[] | undefined,
): Map<number, ((cluster: number) => boolean)[]> {
  const tests = new Map<number, ((cluster: number) => boolean)[]>();
  if (fixed.size === 0) return tests;
  const add = (service: number, test: (cluster: number) => boolean): void => {
    const list = tests.get(service) ?? [];
    list.push(test);
    tests.set(service, list);
  };
  for (const k of only ?? problem.latency.map((_, index) => index)) {
    const requirement = problem.latency[k];
    if (requirement === undefined) continue;
    const allowed = (c1: number, c2: number): boolean => c1 === c2 || (requirement.allowed[c1]?.[c2] ?? false);
    const at = { a: fixed.get(requirement.a), b: fixed.get(requirement.b) };
    if (at.a !== undefined && at.b === undefined) add(requirement.b, (c2) => allowed(at.a ?? -1, c2));
    if (at.b !== undefined && at.a === undefined) add(requirement.a, (c1) => allowed(c1, at.b ?? -1));
  }
  return tests;
}

/**
 * For each requirement (a, b) and each cluster c1 that can host a: x[a][c1] + Σ x[b][c2] ≤ 1 over the clusters
 * c2 that can host b and are too far from c1 (forbidden pairs). Shared with the capacity-gap models, where
 * `variable` may also cover a virtual cluster beyond problem.clusters (allowed only with itself).
 */
export function latencyRows(
  problem: PlacementProblem,
  variable: (service: number, cluster: number) => string | undefined,
  only?: readonly number[],
  clusterCount = problem.clusters.length,
): LinearConstraint[] {
  const rows: LinearConstraint[] = [];
  const allowedPair = (allowed: readonly (readonly boolean[])[], c1: number, c2: number): boolean =>
    c1 === c2 || (allowed[c1]?.[c2] ?? false);
  const indices = only ?? problem.latency.map((_, k) => k);
  for (const k of indices) {
    const requirement = problem.latency[k];
    if (requirement === undefined) continue;
    for (let c1 = 0; c1 < clusterCount; c1++) {
      const own = variable(requirement.a, c1);
      if (own === undefined) continue;
      const terms: LinearTerm[] = [{ variable: own, coefficient: 1 }];
      for (let c2 = 0; c2 < clusterCount; c2++) {
        if (!allowedPair(requirement.allowed, c1, c2)) addTerm(terms, variable(requirement.b, c2), 1);
      }
      if (terms.length > 1) rows.push({ name: `latency_${k}_${c1}`, terms, sense: '<=', rhs: 1 });
    }
  }
  return rows;
}

function addTerm(terms: LinearTerm[], variable: string | undefined, coefficient: number): void {
  if (variable !== undefined && coefficient !== 0) terms.push({ variable, coefficient });
}
