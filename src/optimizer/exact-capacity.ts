import { NANOCORES_PER_CORE, PlacementProblem, Resource } from './problem';
import { LinearConstraint, LinearModel, LinearTerm, SolveResult, Solver, hasSolution } from './solver';
import { failedResult } from './solvers/solution';

/**
 * Capacities held exactly. The solvers accept a row within their primal feasibility tolerance (~1e-7, after their
 * own scaling): on the memory rows, in GiB, tens of bytes over a GiB and hundreds of KB over a TiB. So every
 * placement a solver returns is checked here in integers on Kubernetes' finest grid (nanocores, bytes, GPUs), from the
 * per-replica requests, and each capacity it overcommits becomes a cover cut: those services are not all on that
 * cluster, nor on any cluster with less of that resource. The model is then solved again (milp-placement.ts,
 * infeasibility.ts, intent-placement.ts), at most MAX_COVER_ROUNDS times.
 *
 * Why cuts rather than tighter capacity rows: no margin subtracted from a row suits every magnitude (less than a byte
 * per GiB is below the tolerance; more refuses placements that fit to the byte), and rows in bytes leave the
 * tolerance to the solver's scaling. A cover has coefficients 1 and an integer right-hand side, which no tolerance
 * can stretch over a placement it excludes; and it excludes only placements over capacity, so no optimum is lost
 * and an optimum proven with covers is the exact optimum. Capacities rarely sit within the tolerance of a
 * placement's load: the check costs one pass over the services, and a round is the exception.
 */

/** Re-solves after a placement over capacity; past them the solve counts as failed (milp-placement.ts falls back). */
export const MAX_COVER_ROUNDS = 20;

export interface CapacityCover {
  readonly resource: Resource;
  /** Service indices, together over the capacity of `resource` of the cluster they were found on. */
  readonly services: readonly number[];
  /** Their total demand of `resource` on the grid: every cluster with less cannot host them all either. */
  readonly amount: bigint;
}

const RESOURCES: readonly Resource[] = ['cpu', 'memory', 'gpu'];

type Amounts = Readonly<Record<Resource, bigint>>;
interface Grid {
  /** Per service: its per-replica request on the grid, times its replicas. */
  readonly demands: readonly Amounts[];
  /** Per cluster; undefined where the capacity is not reported (not constrained). */
  readonly capacities: readonly Readonly<Record<Resource, bigint | undefined>>[];
}

/** Computed at the first check of a problem: placements settled without a solver never pay for it. */
const grids = new WeakMap<PlacementProblem, Grid>();

/**
 * An amount as a whole number of grid points: the nearest one when the amount is on the grid but for float noise
 * (0.1 core is 100000000.00000001 nanocores), else the next one up for a demand, the one below for a capacity.
 */
function onGrid(amount: number, perUnit: number, direction: 'demand' | 'capacity'): bigint {
  const scaled = amount * perUnit;
  const nearest = Math.round(scaled);
  if (Math.abs(scaled - nearest) <= Math.max(1e-6, Math.abs(scaled) * 1e-15)) return BigInt(nearest);
  return BigInt(direction === 'demand' ? Math.ceil(scaled) : Math.floor(scaled));
}

function gridOf(problem: PlacementProblem): Grid {
  let grid = grids.get(problem);
  if (grid === undefined) {
    grid = {
      demands: problem.services.map((service) => {
        // Per replica (the request as written), then times the replicas, in integers.
        const replicas = Math.max(1, service.replicas);
        const times = BigInt(service.replicas);
        return {
          cpu: onGrid(service.cpu / replicas, NANOCORES_PER_CORE, 'demand') * times,
          memory: onGrid(service.memoryBytes / replicas, 1, 'demand') * times,
          gpu: BigInt(service.gpus),
        };
      }),
      capacities: problem.clusters.map((cluster) => ({
        cpu: onGrid(cluster.cpu, NANOCORES_PER_CORE, 'capacity'),
        memory: cluster.memoryBytes === undefined ? undefined : onGrid(cluster.memoryBytes, 1, 'capacity'),
        gpu: cluster.gpus === undefined ? undefined : onGrid(cluster.gpus, 1, 'capacity'),
      })),
    };
    grids.set(problem, grid);
  }
  return grid;
}

/**
 * For each capacity the assignment (service index → cluster index) exceeds, in integers: a cover, the fewest of that
 * cluster's services (largest demands first) whose total already exceeds it. Empty when the placement fits exactly.
 * Resources in `relaxed` are not checked.
 */
export function overcommitCovers(problem: PlacementProblem, assignment: readonly number[], relaxed: readonly Resource[] = []): CapacityCover[] {
  const covers: CapacityCover[] = [];
  const { demands, capacities } = gridOf(problem);
  const byCluster = problem.clusters.map((): number[] => []);
  assignment.forEach((c, s) => byCluster[c]?.push(s));
  byCluster.forEach((services, c) => {
    for (const resource of RESOURCES) {
      const capacity = capacities[c]?.[resource];
      if (capacity === undefined || relaxed.includes(resource)) continue;
      const demand = (s: number): bigint => demands[s]?.[resource] ?? 0n;
      let total = 0n;
      for (const s of services) total += demand(s);
      if (total <= capacity) continue;
      const largestFirst = [...services].sort((a, b) => (demand(b) > demand(a) ? 1 : demand(b) < demand(a) ? -1 : a - b));
      const cover: number[] = [];
      let amount = 0n;
      for (const s of largestFirst) {
        if (amount > capacity) break;
        cover.push(s);
        amount += demand(s);
      }
      covers.push({ resource, services: cover.sort((a, b) => a - b), amount });
    }
  });
  return covers;
}

/**
 * The covers as rows of a model: Σ x[s][c] ≤ |S| − 1 for each cover S and each cluster c with less of its resource
 * than S's total. Services fixed on c count as constants; a cover that a service fixed elsewhere, or without a
 * variable on c, already meets gives no row. Covers of `relaxed` resources are left out. Rows are named after the
 * covers' indices from `firstIndex` (covers added to a model already holding some).
 */
export function coverRows(
  problem: PlacementProblem,
  covers: readonly CapacityCover[],
  variable: (service: number, cluster: number) => string | undefined,
  fixed: ReadonlyMap<number, number>,
  relaxed: readonly Resource[] = [],
  firstIndex = 0,
): LinearConstraint[] {
  const rows: LinearConstraint[] = [];
  if (covers.length === 0) return rows;
  const { capacities } = gridOf(problem);
  covers.forEach((cover, k) => {
    if (relaxed.includes(cover.resource)) return;
    capacities.forEach((available, c) => {
      const capacity = available[cover.resource];
      if (capacity === undefined || cover.amount <= capacity) return;
      const terms: LinearTerm[] = [];
      let fixedHere = 0;
      for (const s of cover.services) {
        const at = fixed.get(s);
        if (at !== undefined) {
          if (at !== c) return;
          fixedHere++;
          continue;
        }
        const name = variable(s, c);
        if (name === undefined) return;
        terms.push({ variable: name, coefficient: 1 });
      }
      if (terms.length > 0) rows.push({ name: `cover_${firstIndex + k}_${c}`, terms, sense: '<=', rhs: cover.services.length - 1 - fixedHere });
    });
  });
  return rows;
}

/** Service index → cluster index from a solution; -1 where the solution places a free service nowhere. */
export function decodeAssignment(
  problem: PlacementProblem,
  fixed: ReadonlyMap<number, number>,
  variable: (service: number, cluster: number) => string | undefined,
  result: SolveResult,
): number[] {
  return problem.services.map((_, s) => {
    const kept = fixed.get(s);
    if (kept !== undefined) return kept;
    for (let c = 0; c < problem.clusters.length; c++) {
      const name = variable(s, c);
      if (name !== undefined && (result.values.get(name) ?? 0) > 0.5) return c;
    }
    return -1;
  });
}

export interface ExactSolution {
  /** The last round's result, with the time of every round; status `error` when the rounds or the time ran out. */
  readonly result: SolveResult;
  /** Service index → cluster index, within every capacity exactly; -1 for a service the solution left unplaced. */
  readonly assignment: number[] | undefined;
}

/**
 * Solves the model `build` makes with the covers known so far; while its placement exceeds a capacity, adds that
 * placement's covers to `covers` (shared: later models of the same problem start with them) and solves again.
 * `start` (a MIP start, by the model's variable names) must fit exactly: it then meets every cover.
 */
export async function solveWithinCapacity(
  problem: PlacementProblem,
  solver: Solver,
  covers: CapacityCover[],
  build: (covers: readonly CapacityCover[]) => { readonly model: LinearModel; readonly variable: (service: number, cluster: number) => string | undefined },
  options: {
    readonly timeLimitMs: number;
    readonly fixed?: ReadonlyMap<number, number>;
    readonly relaxed?: readonly Resource[];
    readonly start?: (variable: (service: number, cluster: number) => string | undefined) => ReadonlyMap<string, number> | undefined;
  },
): Promise<ExactSolution> {
  const fixed = options.fixed ?? new Map<number, number>();
  const deadline = performance.now() + options.timeLimitMs;
  let solveMs = 0;
  for (let round = 1; ; round++) {
    const { model, variable } = build(covers);
    const start = options.start?.(variable);
    const timeLimitMs = round === 1 ? options.timeLimitMs : Math.max(1, deadline - performance.now());
    const solved = await solver.solve(model, { timeLimitMs, ...(start === undefined ? {} : { start }) });
    solveMs += solved.solveMs;
    const result = { ...solved, solveMs };
    if (!hasSolution(result)) return { result, assignment: undefined };
    const assignment = decodeAssignment(problem, fixed, variable, result);
    if (assignment.includes(-1)) return { result, assignment };
    const over = overcommitCovers(problem, assignment, options.relaxed);
    if (over.length === 0) return { result, assignment };
    for (const cover of over) covers.push(cover);
    if (round >= MAX_COVER_ROUNDS || performance.now() >= deadline) {
      const why = round >= MAX_COVER_ROUNDS ? `${round} rounds` : 'its time limit';
      return { result: failedResult(solver.name, 'error', solveMs, `every ${solver.name} placement within ${why} exceeded a capacity`), assignment: undefined };
    }
  }
}
