import { Placement } from './model';
import { moveCosts } from './objective';
import { ClusterSlot, PlacementProblem, Usage, currentAssignment, noUsage, shortfalls, withinCapacity } from './problem';

/**
 * Presolve of the moves phase (README "Lexicographic phases"), no solver involved:
 *  - forced movers: services whose current cluster is gone or can no longer host them alone;
 *  - overloaded clusters: the services that stay exceed a capacity; a lower bound on what their relief costs;
 *  - `lowerBound`: a valid lower bound on the moves cost (moveCosts) of every placement. When a placement reaches it,
 *    every overloaded cluster sheds exactly its bound and no other service moves, so fixing the services of the
 *    other clusters (`fixed`) loses no optimum, of the moves phase or of the tie-breaks after it;
 *  - a greedy repair (`start`): the cheapest services leave each overloaded cluster, then every unplaced service
 *    goes where it leaves the lowest CPU utilisation. It is the MIP start, and the answer when it meets the bound.
 */

export interface PlacementPresolve {
  /** Service index → current cluster index, for services that may stay fixed (their cluster needs no relief). */
  readonly fixed: ReadonlyMap<number, number>;
  readonly lowerBound: number;
  /** A full feasible assignment (service index → cluster index), when the repair finds one. */
  readonly start: readonly number[] | undefined;
}

const RESOURCES = ['cpu', 'memoryBytes', 'gpus'] as const;
type LoadKey = (typeof RESOURCES)[number];

export function presolvePlacement(problem: PlacementProblem, current: Placement | undefined): PlacementPresolve {
  const costs = moveCosts(problem, current);
  const assigned = currentAssignment(problem, current);
  const staying = new Map<number, number>();
  const load: Usage[] = problem.clusters.map(noUsage);
  let lowerBound = 0;
  problem.services.forEach((service, s) => {
    const c = assigned.get(s);
    const cluster = c === undefined ? undefined : problem.clusters[c];
    if (c !== undefined && cluster !== undefined && shortfalls(service, cluster).length === 0) {
      staying.set(s, c);
      addLoad(load, c, service, 1);
    } else {
      lowerBound += costs[s] ?? 0; // forced: it moves in every placement (0 for a new service)
    }
  });

  const residents: number[][] = problem.clusters.map(() => []);
  for (const [s, c] of staying) residents[c]?.push(s);
  const overloaded = new Set<number>();
  const shed = new Map<number, readonly number[]>();
  problem.clusters.forEach((cluster, c) => {
    const usage = load[c] ?? noUsage();
    if (fitsCluster(usage, cluster)) return;
    overloaded.add(c);
    const relief = cheapestRelief(problem, cluster, usage, residents[c] ?? [], costs);
    lowerBound += relief.bound;
    if (relief.services !== undefined) shed.set(c, relief.services);
  });

  // Services on both ends of a requirement their current clusters break must be free to move (no bound gain).
  const latencyFree = new Set<number>();
  for (const requirement of problem.latency) {
    const a = staying.get(requirement.a);
    const b = staying.get(requirement.b);
    if (a !== undefined && b !== undefined && a !== b && requirement.allowed[a]?.[b] !== true) {
      latencyFree.add(requirement.a);
      latencyFree.add(requirement.b);
    }
  }
  const fixed = new Map<number, number>();
  for (const [s, c] of staying) if (!overloaded.has(c) && !latencyFree.has(s)) fixed.set(s, c);

  return {
    fixed,
    lowerBound,
    start: greedyRepair(problem, staying, load, residents, overloaded, shed, costs),
  };
}

function greedyRepair(
  problem: PlacementProblem,
  staying: ReadonlyMap<number, number>,
  stayingLoad: readonly Usage[],
  residents: readonly (readonly number[])[],
  overloaded: ReadonlySet<number>,
  shed: ReadonlyMap<number, readonly number[]>,
  costs: readonly number[],
): number[] | undefined {
  const assignment = problem.services.map((_, s) => staying.get(s) ?? -1);
  const load = stayingLoad.map((usage) => ({ ...usage }));
  for (const c of overloaded) {
    const cluster = problem.clusters[c];
    if (cluster === undefined) continue;
    const cheapest = shed.get(c);
    if (cheapest !== undefined) {
      for (const s of cheapest) {
        const service = problem.services[s];
        if (service !== undefined) addLoad(load, c, service, -1);
        assignment[s] = -1;
      }
      continue;
    }
    // Shed the largest contributors to the worst excess first; among equals, fewer replicas first.
    const order = [...(residents[c] ?? [])].sort((a, b) => {
      const sa = problem.services[a];
      const sb = problem.services[b];
      if (sa === undefined || sb === undefined) return 0;
      return relativeSize(sb, cluster) - relativeSize(sa, cluster) || sa.replicas - sb.replicas;
    });
    for (const s of order) {
      if (excessOf(load[c] ?? noUsage(), cluster).every((amount) => amount <= 0)) break;
      const service = problem.services[s];
      if (service === undefined) continue;
      addLoad(load, c, service, -1);
      assignment[s] = -1;
    }
  }
  // Place the rest, largest first, where the CPU utilisation after placing is lowest (balance); latency towards
  // placed partners must hold.
  const partners = problem.services.map((): { other: number; allowed: (own: number, other: number) => boolean }[] => []);
  for (const requirement of problem.latency) {
    const allowed = (c1: number, c2: number): boolean => c1 === c2 || (requirement.allowed[c1]?.[c2] ?? false);
    partners[requirement.a]?.push({ other: requirement.b, allowed });
    partners[requirement.b]?.push({ other: requirement.a, allowed: (own, other) => allowed(other, own) });
  }
  const unplaced = assignment.flatMap((c, s) => (c === -1 ? [s] : []));
  unplaced.sort((a, b) => (problem.services[b]?.gpus ?? 0) - (problem.services[a]?.gpus ?? 0) || (problem.services[b]?.cpu ?? 0) - (problem.services[a]?.cpu ?? 0));
  // Spread first (good for the balance tie-break); when that leaves a service without room, pack (best fit); when
  // that fails too, pack and make room by moving one other service (an ejection), the cheapest first.
  const eject = (s: number, placing: number[], usage: Usage[]): boolean => ejectOne(problem, s, placing, usage, partners, staying, costs);
  const placed =
    placeAll(problem, unplaced, [...assignment], load.map((usage) => ({ ...usage })), partners, 'spread') ??
    placeAll(problem, unplaced, [...assignment], load.map((usage) => ({ ...usage })), partners, 'pack') ??
    placeAll(problem, unplaced, [...assignment], load.map((usage) => ({ ...usage })), partners, 'pack', eject);
  if (placed === undefined) return undefined;
  // Requirements between services that stayed may still be broken.
  const broken = problem.latency.some((requirement) => {
    const a = placed[requirement.a] ?? -1;
    const b = placed[requirement.b] ?? -1;
    return a !== b && requirement.allowed[a]?.[b] !== true;
  });
  return broken ? undefined : placed;
}

type Partners = readonly (readonly { other: number; allowed: (own: number, other: number) => boolean }[])[];

/** Places `unplaced` in order: `spread` on the cluster left least utilised (CPU), `pack` on the one left most utilised. */
function placeAll(
  problem: PlacementProblem,
  unplaced: readonly number[],
  assignment: number[],
  load: Usage[],
  partners: Partners,
  fit: 'spread' | 'pack',
  /** Places s by moving another service when no cluster has room; false when that fails too. */
  makeRoom?: (s: number, assignment: number[], load: Usage[]) => boolean,
): number[] | undefined {
  const sign = fit === 'spread' ? 1 : -1;
  for (const s of unplaced) {
    const service = problem.services[s];
    if (service === undefined) return undefined;
    let best = -1;
    let bestScore = Infinity;
    problem.clusters.forEach((cluster, c) => {
      if (shortfalls(service, cluster, load[c]).length > 0) return;
      const close = (partners[s] ?? []).every(({ other, allowed }) => (assignment[other] ?? -1) < 0 || allowed(c, assignment[other] ?? -1));
      if (!close) return;
      const utilisation = cluster.cpu > 0 ? ((load[c]?.cpu ?? 0) + service.cpu) / cluster.cpu : 0;
      if (sign * utilisation < bestScore) {
        best = c;
        bestScore = sign * utilisation;
      }
    });
    if (best < 0) {
      if (makeRoom?.(s, assignment, load) === true) continue;
      return undefined;
    }
    assignment[s] = best;
    addLoad(load, best, service, 1);
  }
  return assignment;
}

/**
 * Places s on a cluster by moving one service r placed there to another cluster with room: the pair that adds the
 * least moves cost (nothing when r already left its current cluster, or is new). Services with latency
 * requirements are not ejected (their partners would need checking again). Mutates assignment and load.
 */
function ejectOne(
  problem: PlacementProblem,
  s: number,
  assignment: number[],
  load: Usage[],
  partners: Partners,
  staying: ReadonlyMap<number, number>,
  costs: readonly number[],
): boolean {
  const service = problem.services[s];
  if (service === undefined) return false;
  const residents: number[][] = problem.clusters.map(() => []);
  assignment.forEach((c, r) => {
    if (c >= 0 && r !== s && (partners[r] ?? []).length === 0) residents[c]?.push(r);
  });
  let best: { cost: number; c: number; r: number; to: number } | undefined;
  problem.clusters.forEach((cluster, c) => {
    if (shortfalls(service, cluster).length > 0) return; // cannot host s even empty
    const close = (partners[s] ?? []).every(({ other, allowed }) => (assignment[other] ?? -1) < 0 || allowed(c, assignment[other] ?? -1));
    if (!close) return;
    const usage = load[c] ?? noUsage();
    for (const r of residents[c] ?? []) {
      const ejected = problem.services[r];
      if (ejected === undefined) continue;
      const cost = staying.get(r) === c ? (costs[r] ?? 0) : 0;
      if (best !== undefined && cost >= best.cost) continue;
      const without = { cpu: usage.cpu - ejected.cpu, memoryBytes: usage.memoryBytes - ejected.memoryBytes, gpus: usage.gpus - ejected.gpus };
      if (shortfalls(service, cluster, without).length > 0) continue;
      const to = problem.clusters.findIndex((other, o) => o !== c && shortfalls(ejected, other, load[o]).length === 0);
      if (to >= 0) best = { cost, c, r, to };
    }
  });
  if (best === undefined) return false;
  const ejected = problem.services[best.r];
  if (ejected === undefined) return false;
  addLoad(load, best.c, ejected, -1);
  addLoad(load, best.to, ejected, 1);
  assignment[best.r] = best.to;
  addLoad(load, best.c, service, 1);
  assignment[s] = best.c;
  return true;
}

/** Subsets examined per overloaded cluster before settling for the counting bound. */
const RELIEF_ENUMERATION_LIMIT = 20_000;

/**
 * The cheapest set of residents whose departure brings the cluster within every capacity (exact, by enumerating
 * subsets in order of size, up to RELIEF_ENUMERATION_LIMIT), or, past that limit, a bound without a set: at least k
 * leave (per resource, the fewest whose largest demands cover the excess), with at least the k smallest replicas.
 */
function cheapestRelief(
  problem: PlacementProblem,
  cluster: ClusterSlot,
  usage: Usage,
  residents: readonly number[],
  costs: readonly number[],
): { bound: number; services?: readonly number[] } {
  let fewest = 0;
  for (const key of RESOURCES) {
    if (withinCapacity(usage[key], capacityOf(cluster, key))) continue;
    const demands = residents.map((s) => problem.services[s]?.[key] ?? 0).sort((a, b) => b - a);
    let freed = 0;
    let count = 0;
    while (count < demands.length && !withinCapacity(usage[key] - freed, capacityOf(cluster, key))) {
      freed += demands[count] ?? 0;
      count += 1;
    }
    fewest = Math.max(fewest, count);
  }
  const cost = (s: number): number => costs[s] ?? 0;
  const byCost = [...residents].sort((a, b) => cost(a) - cost(b));
  let examined = 0;
  for (let k = fewest; k <= residents.length; k++) {
    let best: { cost: number; services: number[] } | undefined;
    const chosen: number[] = [];
    // Depth-first over index-increasing subsets of size k, in order of cost; stops at the enumeration limit.
    const visit = (from: number): boolean => {
      if (examined > RELIEF_ENUMERATION_LIMIT) return false;
      if (chosen.length === k) {
        examined += 1;
        const left = { ...usage };
        let total = 0;
        for (const s of chosen) {
          const service = problem.services[s];
          if (service === undefined) continue;
          left.cpu -= service.cpu;
          left.memoryBytes -= service.memoryBytes;
          left.gpus -= service.gpus;
          total += cost(s);
        }
        if ((best === undefined || total < best.cost) && fitsCluster(left, cluster)) best = { cost: total, services: [...chosen] };
        return true;
      }
      for (let i = from; i <= byCost.length - (k - chosen.length); i++) {
        chosen.push(byCost[i] ?? -1);
        const going = visit(i + 1);
        chosen.pop();
        if (!going) return false;
      }
      return true;
    };
    const complete = visit(0);
    if (!complete) break;
    if (best !== undefined) return { bound: best.cost, services: best.services };
    fewest = k + 1; // no k of them suffice
  }
  let smallest = 0;
  for (let i = 0; i < fewest; i++) smallest += cost(byCost[i] ?? -1);
  return { bound: smallest };
}

function fitsCluster(usage: Usage, cluster: ClusterSlot): boolean {
  return RESOURCES.every((key) => withinCapacity(usage[key], capacityOf(cluster, key)));
}

function addLoad(load: Usage[], c: number, service: { cpu: number; memoryBytes: number; gpus: number }, sign: 1 | -1): void {
  const usage = load[c];
  if (usage === undefined) return;
  usage.cpu += sign * service.cpu;
  usage.memoryBytes += sign * service.memoryBytes;
  usage.gpus += sign * service.gpus;
}

function capacityOf(cluster: PlacementProblem['clusters'][number], key: LoadKey): number {
  if (key === 'cpu') return cluster.cpu;
  if (key === 'memoryBytes') return cluster.memoryBytes ?? Infinity;
  return cluster.gpus ?? Infinity;
}

/** Amount over capacity per resource (≤ 0 when within, slack included). */
function excessOf(usage: Usage, cluster: PlacementProblem['clusters'][number]): number[] {
  return RESOURCES.map((key) => (withinCapacity(usage[key], capacityOf(cluster, key)) ? 0 : usage[key] - capacityOf(cluster, key)));
}

/** The service's largest share of any capacity of the cluster. */
function relativeSize(service: { cpu: number; memoryBytes: number; gpus: number }, cluster: PlacementProblem['clusters'][number]): number {
  return Math.max(...RESOURCES.map((key) => {
    const capacity = capacityOf(cluster, key);
    return capacity === Infinity ? 0 : service[key] / Math.max(capacity, 1e-9);
  }));
}
