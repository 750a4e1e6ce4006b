import { Placement } from './model';
import { evaluateAssignment, moveCosts } from './objective';
import { PlacementProblem, Usage, noUsage, shortfalls } from './problem';

/**
 * Exact lexicographic minimum (moves cost, then peak CPU %) by enumerating the assignments of the free services,
 * when they are few: a HiGHS call costs 1–10 ms in WebAssembly even on a handful of binaries (measured: the balance
 * of `10x3+gpu`, one free service), enumerating a few hundred assignments well under a millisecond. Used for both
 * phases by milp-placement.ts; the solver takes everything larger.
 */

/** Default bound on the assignments examined (the product of each free service's candidate clusters). */
export const DEFAULT_ENUMERATION_LIMIT = 512;

export type EnumerationOutcome =
  | { readonly kind: 'too-large' }
  /** `assignment` undefined: no assignment of the free services within the moves-cost bound. */
  | { readonly kind: 'exact'; readonly assignment: number[] | undefined; readonly movesCost: number; readonly peakCpuPercent: number };

export function enumeratePlacement(
  problem: PlacementProblem,
  current: Placement | undefined,
  fixed: ReadonlyMap<number, number>,
  movesCostAtMost: number,
  limit: number,
): EnumerationOutcome {
  const load: Usage[] = problem.clusters.map(noUsage);
  const assignment = problem.services.map((_, s) => fixed.get(s) ?? -1);
  for (const [s, c] of fixed) add(load[c], problem.services[s], 1);
  const free: number[] = [];
  const candidates: number[][] = [];
  let assignments = 1;
  for (let s = 0; s < problem.services.length; s++) {
    if (fixed.has(s)) continue;
    const service = problem.services[s];
    if (service === undefined) continue;
    const options: number[] = [];
    problem.clusters.forEach((cluster, c) => {
      if (shortfalls(service, cluster, load[c]).length === 0) options.push(c);
    });
    free.push(s);
    candidates.push(options);
    assignments *= options.length;
    if (assignments > limit) return { kind: 'too-large' };
  }

  const costs = moveCosts(problem, current);
  const movesCostOf = (candidate: readonly number[]): number =>
    costs.reduce((sum, cost, s) => (movedIn(problem, candidate, current, s) ? sum + cost : sum), 0);
  let best: { assignment: number[]; movesCost: number; peak: number } | undefined;
  const visit = (i: number): void => {
    if (i === free.length) {
      if (!meetsLatency(problem, assignment)) return;
      const movesCost = movesCostOf(assignment);
      if (movesCost > movesCostAtMost) return;
      const peak = evaluateAssignment(problem, assignment, current).terms.peakCpuPercent;
      if (best === undefined || movesCost < best.movesCost || (movesCost === best.movesCost && peak < best.peak)) {
        best = { assignment: [...assignment], movesCost, peak };
      }
      return;
    }
    const s = free[i] ?? -1;
    const service = problem.services[s];
    if (service === undefined) return;
    for (const c of candidates[i] ?? []) {
      const cluster = problem.clusters[c];
      if (cluster === undefined || shortfalls(service, cluster, load[c]).length > 0) continue;
      assignment[s] = c;
      add(load[c], service, 1);
      visit(i + 1);
      add(load[c], service, -1);
      assignment[s] = -1;
    }
  };
  visit(0);
  const found = best as { assignment: number[]; movesCost: number; peak: number } | undefined;
  return found === undefined
    ? { kind: 'exact', assignment: undefined, movesCost: Infinity, peakCpuPercent: Infinity }
    : { kind: 'exact', assignment: found.assignment, movesCost: found.movesCost, peakCpuPercent: found.peak };
}

/** As evaluateAssignment counts a move: a service with a current cluster placed anywhere else (a lost cluster included). */
function movedIn(problem: PlacementProblem, assignment: readonly number[], current: Placement | undefined, s: number): boolean {
  const service = problem.services[s];
  const before = service === undefined ? undefined : current?.[service.id];
  return before !== undefined && before !== problem.clusters[assignment[s] ?? -1]?.name;
}

function meetsLatency(problem: PlacementProblem, assignment: readonly number[]): boolean {
  return problem.latency.every((requirement) => {
    const a = assignment[requirement.a] ?? -1;
    const b = assignment[requirement.b] ?? -1;
    return a === b || requirement.allowed[a]?.[b] === true;
  });
}

function add(usage: Usage | undefined, service: { cpu: number; memoryBytes: number; gpus: number } | undefined, sign: 1 | -1): void {
  if (usage === undefined || service === undefined) return;
  usage.cpu += sign * service.cpu;
  usage.memoryBytes += sign * service.memoryBytes;
  usage.gpus += sign * service.gpus;
}
