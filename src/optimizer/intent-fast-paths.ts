import { PlacementProblem, withinCapacity } from './problem';
import { LinearConstraint } from './solver';
import { peakCpuPercent, PERCENT_TOLERANCE } from './objective';

/**
 * Solver-free shortcuts for the intent placement's phases (README "Intents", "Scaling"): greedy placements that honour
 * the intents' rows, and valid lower bounds on the phases' terms. A phase whose best feasible greedy candidate meets its
 * lower bound is optimal without a solve; otherwise the candidate is the solver's MIP start. Soundness rests on two
 * facts only: a candidate is accepted after every row of the model holds at it (`satisfiesRows`), and each bound is a
 * relaxation's optimum.
 */

/** x[copy][cluster] name, undefined where the copy cannot run on the cluster. */
export type CopyVariable = (copy: number, cluster: number) => string | undefined;

const ROW_TOLERANCE = 1e-6;
/** Bounded local search: each pass is O(units² · clusters) at worst. */
const IMPROVING_PASSES = 3;

/** Variable values of a copy → cluster assignment (and of the integer peak, when the model has it). */
export function assignmentValues(problem: PlacementProblem, x: CopyVariable, assignment: readonly number[], withPeak: boolean): Map<string, number> | undefined {
  const values = new Map<string, number>();
  for (let k = 0; k < assignment.length; k++) {
    const name = x(k, assignment[k] ?? -1);
    if (name === undefined) return undefined;
    values.set(name, 1);
  }
  if (withPeak) values.set('peak', peakCpuPercent(problem, assignment));
  return values;
}

/** Whether every row holds at `values` (absent variables are 0). */
export function satisfiesRows(rows: readonly LinearConstraint[], values: ReadonlyMap<string, number>): boolean {
  for (const row of rows) {
    let lhs = 0;
    for (const term of row.terms) lhs += term.coefficient * (values.get(term.variable) ?? 0);
    const slack = ROW_TOLERANCE * Math.max(1, Math.abs(row.rhs));
    if (row.sense === '<=' ? lhs > row.rhs + slack : row.sense === '>=' ? lhs < row.rhs - slack : Math.abs(lhs - row.rhs) > slack) return false;
  }
  return true;
}

/**
 * The least Σ_c weight[c]·load[c] over fractional placements of the copies' total CPU within the clusters' CPU (every
 * other row dropped): fill the clusters by ascending weight. A lower bound on a load-weighted term (energy, utilisation).
 * `profile`: the load of each group of equal-weight clusters in that fill, which every placement meeting the bound has
 * (distinct group weights make the fractional optimum unique). `fixedLoad`: CPU per cluster every allowed placement
 * keeps there (the copies that stay at the moves optimum), counted as placed.
 */
export function weightedFillBound(
  problem: PlacementProblem,
  weight: (cluster: number) => number,
  fixedLoad: readonly number[] = [],
): { bound: number; groups: { clusters: number[]; load: number }[] } {
  let demand = problem.services.reduce((sum, service) => sum + service.cpu, 0);
  for (const load of fixedLoad) demand -= load;
  const order = problem.clusters.map((_, c) => c).sort((a, b) => weight(a) - weight(b) || a - b);
  const groups: { clusters: number[]; load: number }[] = [];
  let bound = 0;
  for (const c of order) {
    const w = weight(c);
    const last = groups[groups.length - 1];
    const group = last !== undefined && weight(last.clusters[0] ?? -1) === w ? last : { clusters: [], load: 0 };
    if (group !== last) groups.push(group);
    group.clusters.push(c);
    const fixed = fixedLoad[c] ?? 0;
    const take = Math.max(0, Math.min(demand, (problem.clusters[c]?.cpu ?? 0) - fixed));
    group.load += fixed + take;
    bound += w * (fixed + take);
    demand -= take;
  }
  return { bound, groups };
}

/** Lower bound on the integer peak: the capacity-weighted mean, and each known group load over the group's capacity. */
export function peakBound(problem: PlacementProblem, groups: readonly { clusters: readonly number[]; load: number }[]): number {
  const whole = [{ clusters: problem.clusters.map((_, c) => c), load: problem.services.reduce((sum, service) => sum + service.cpu, 0) }];
  let bound = 0;
  for (const group of [...whole, ...groups]) {
    const capacity = group.clusters.reduce((sum, c) => sum + Math.max(0, problem.clusters[c]?.cpu ?? 0), 0);
    if (capacity > 0) bound = Math.max(bound, Math.ceil((100 * group.load) / capacity - PERCENT_TOLERANCE));
  }
  return Math.min(bound, 100);
}

export interface GreedyInput {
  readonly problem: PlacementProblem;
  readonly x: CopyVariable;
  /** Copy indices of each service (its first is the primary). */
  readonly copiesOf: readonly (readonly number[])[];
  /** Services that must share their clusters (coLocation), as groups of service indices. */
  readonly groups: readonly (readonly number[])[];
  /** Cluster indices each service ran on, kept first when they still fit. */
  readonly previous: readonly (readonly number[])[];
}

/**
 * A placement of the copies, largest co-location block first: each block's i-th copies go together on the first cluster,
 * in `preference` order (or the least utilised after it, `balance`), where every one of them may run, no other copy of
 * its service runs, and CPU, memory and GPUs fit. Undefined when a block finds no cluster (the solver decides then).
 * The improving passes stop at `deadline` (performance.now()): they are O(units² · clusters) on a large model.
 */
export function greedyPlacement(input: GreedyInput, preference: readonly number[] | 'balance', size: 'cpu' | 'cpuDensity' = 'cpu', deadline = Infinity): number[] | undefined {
  const { problem, x, copiesOf } = input;
  const C = problem.clusters.length;
  const used = problem.clusters.map(() => ({ cpu: 0, memoryBytes: 0, gpus: 0 }));
  const assignment = new Array<number>(problem.services.length).fill(-1);
  // Largest first: by CPU, or by CPU per memory (relative to the clusters' totals), for when memory binds.
  const totalCpu = problem.clusters.reduce((sum, cluster) => sum + cluster.cpu, 0) || 1;
  const totalMemory = problem.clusters.reduce((sum, cluster) => sum + (cluster.memoryBytes ?? 0), 0) || Infinity;
  const sizeOf = (members: readonly number[]): number => {
    let cpu = 0;
    let memory = 0;
    for (const s of members) {
      const load = problem.services[copiesOf[s]?.[0] ?? -1];
      cpu += load?.cpu ?? 0;
      memory += load?.memoryBytes ?? 0;
    }
    if (size === 'cpu') return cpu;
    // CPU-dense first (ties: larger first): the low-weight clusters fill with CPU before their memory runs out.
    return (memory > 0 ? cpu / totalCpu / (memory / totalMemory) : Number.MAX_VALUE) * totalCpu + cpu / totalCpu;
  };
  const blocks = input.groups
    .map((members) => ({ members, size: sizeOf(members) }))
    .sort((a, b) => b.size - a.size || (a.members[0] ?? 0) - (b.members[0] ?? 0));
  const counts = blocks.map(({ members }) => copiesOf[members[0] ?? -1]?.length ?? 0);
  if (blocks.some(({ members }, b) => members.some((s) => copiesOf[s]?.length !== counts[b]))) return undefined;
  const takenBy = blocks.map(() => new Set<number>());
  /** A block's i-th copies, placed together. */
  interface Unit {
    readonly block: number;
    readonly copies: readonly number[];
    /** The copies' CPU. */
    readonly cpu: number;
    cluster: number;
  }
  const units: Unit[] = [];
  const move = (unit: Unit, to: number, sign: 1 | -1): void => {
    const load = used[to];
    for (const k of unit.copies) {
      const service = problem.services[k];
      if (load === undefined || service === undefined) continue;
      load.cpu += sign * service.cpu;
      load.memoryBytes += sign * service.memoryBytes;
      load.gpus += sign * service.gpus;
    }
    if (sign > 0) takenBy[unit.block]?.add(to);
    else takenBy[unit.block]?.delete(to);
  };
  const fits = (unit: Unit, c: number): boolean => {
    const cluster = problem.clusters[c];
    const load = used[c];
    if (cluster === undefined || load === undefined || takenBy[unit.block]?.has(c) === true) return false;
    let cpu = load.cpu;
    let memory = load.memoryBytes;
    let gpus = load.gpus;
    for (const k of unit.copies) {
      const service = problem.services[k];
      if (service === undefined || x(k, c) === undefined) return false;
      cpu += service.cpu;
      memory += service.memoryBytes;
      gpus += service.gpus;
    }
    return (
      withinCapacity(cpu, cluster.cpu) &&
      (cluster.memoryBytes === undefined || withinCapacity(memory, cluster.memoryBytes)) &&
      (cluster.gpus === undefined || withinCapacity(gpus, cluster.gpus))
    );
  };
  const leastUtilised = (unit: Unit): number | undefined => {
    const unitCpu = unit.cpu;
    let best = Infinity;
    let chosen: number | undefined;
    for (let c = 0; c < C; c++) {
      const capacity = problem.clusters[c]?.cpu ?? 0;
      const after = capacity > 0 ? ((used[c]?.cpu ?? 0) + unitCpu) / capacity : unitCpu > 0 ? Infinity : 0;
      if (after < best && fits(unit, c)) {
        best = after;
        chosen = c;
      }
    }
    return chosen;
  };
  // Units that can stay where they ran go first (the moves come before every other term), then every block's first
  // copies, then every block's second ones: the standbys fill what the primaries left.
  const pending: Unit[] = [];
  for (let i = 0; i < Math.max(0, ...counts); i++) {
    for (const [b, { members }] of blocks.entries()) {
      if (i >= (counts[b] ?? 0)) continue;
      const copies = members.map((s) => copiesOf[s]?.[i] ?? -1);
      const unit: Unit = { block: b, copies, cpu: copies.reduce((sum, k) => sum + (problem.services[k]?.cpu ?? 0), 0), cluster: -1 };
      const kept = members.flatMap((s) => input.previous[s] ?? []).find((c) => fits(unit, c));
      if (kept === undefined) {
        pending.push(unit);
        continue;
      }
      unit.cluster = kept;
      move(unit, kept, 1);
      units.push(unit);
    }
  }
  for (const unit of pending) {
    const chosen = preference === 'balance' ? leastUtilised(unit) : preference.find((c) => fits(unit, c));
    if (chosen === undefined) return undefined;
    unit.cluster = chosen;
    move(unit, chosen, 1);
    units.push(unit);
  }
  if (preference !== 'balance') {
    // One improving pass: from the least preferred cluster on, each unit moves to a more preferred one with room.
    const rank = new Map(preference.map((c, r) => [c, r]));
    const kept = new Set(units.filter((unit) => blocks[unit.block]?.members.some((s) => input.previous[s]?.includes(unit.cluster))));
    for (let pass = 0; pass < IMPROVING_PASSES; pass++) {
    const byRank = [...units].sort((a, b) => (rank.get(b.cluster) ?? 0) - (rank.get(a.cluster) ?? 0));
    for (const unit of byRank) {
      if (performance.now() >= deadline) break;
      if (kept.has(unit)) continue;
      const better = preference.slice(0, rank.get(unit.cluster) ?? 0).find((c) => fits(unit, c));
      if (better !== undefined) {
        move(unit, unit.cluster, -1);
        unit.cluster = better;
        move(unit, better, 1);
        continue;
      }
      // Or a swap with a smaller unit of a more preferred cluster (more CPU where the weight is lower).
      const from = unit.cluster;
      for (const other of units) {
        if (kept.has(other) || other.block === unit.block || (rank.get(other.cluster) ?? 0) >= (rank.get(from) ?? 0) || other.cpu >= unit.cpu) continue;
        const to = other.cluster;
        move(unit, from, -1);
        move(other, to, -1);
        if (fits(unit, to) && fits(other, from)) {
          unit.cluster = to;
          other.cluster = from;
          move(unit, to, 1);
          move(other, from, 1);
          break;
        }
        move(unit, from, 1);
        move(other, to, 1);
      }
    }
    }
  }
  for (const unit of units) for (const k of unit.copies) assignment[k] = unit.cluster;
  return assignment.includes(-1) ? undefined : assignment;
}

/** Connected components of the coLocation pairs (every service in one group, alone when it has no partner). */
export function coLocationGroups(serviceCount: number, pairs: readonly (readonly [number, number])[]): number[][] {
  const parent = Array.from({ length: serviceCount }, (_, s) => s);
  const root = (s: number): number => {
    let r = s;
    while (parent[r] !== r) r = parent[r] ?? r;
    return r;
  };
  for (const [a, b] of pairs) {
    if (a < 0 || b < 0) continue;
    parent[root(a)] = root(b);
  }
  const groups = new Map<number, number[]>();
  for (let s = 0; s < serviceCount; s++) {
    const r = root(s);
    const group = groups.get(r) ?? [];
    group.push(s);
    groups.set(r, group);
  }
  return [...groups.values()];
}
