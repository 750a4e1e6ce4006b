import type { RecordedEvent } from '../../eventstore/event-store';
import type { PlacementDecided, PlacementFailed } from '../../domain/graph/events';
import { isPlacementOutcome } from './graph-history';
import { checkPlacement, getSolver, milpPlacement, naivePlacement, type ClusterCapacity, type ServiceDemand, type SolverName } from '../../optimizer';

/** What to re-solve recorded decisions with. */
export interface ReplayOptions {
  solver: SolverName;
  algorithm: 'milp' | 'naive';
  /** `min-moves`: SMO's objective (stay where you are); `fresh`: ignore the previous placement, as if deploying anew. */
  objective: 'min-moves' | 'fresh';
}

type Decision = PlacementDecided['data'] | PlacementFailed['data'];

/**
 * Re-solves each recorded placement decision of a graph from its recorded inputs, under another
 * solver, algorithm or objective, and says decision by decision what would have differed.
 * Pure with respect to the store: it reads events and appends nothing.
 */
export async function replayDecisions(events: readonly RecordedEvent[], options: ReplayOptions) {
  const solver = await getSolver(options.solver);
  const decisions = events.filter(isPlacementOutcome);
  const results = [];
  for (const event of decisions) {
    const recorded: Decision = event.data;
    const { clusters, services, previousPlacement } = recorded.inputs;
    const recordedPlacement = event.type === 'PlacementDecided' ? event.data.placement : null;
    if (recorded.algorithm === 'static') {
      results.push({ decisionId: recorded.decisionId, at: event.created, reason: recorded.reason, skipped: 'static placement: nothing was computed' });
      continue;
    }
    const current = options.objective === 'min-moves' && previousPlacement ? previousPlacement : undefined;
    const replayed =
      options.algorithm === 'naive'
        ? { ...naivePlacement(clusters, services, current), solver: 'none' as const }
        : await milpPlacement(clusters, services, current, { solver });
    const replayedPlacement = replayed.feasible ? { ...replayed.placement } : null;
    results.push({
      decisionId: recorded.decisionId,
      at: event.created,
      reason: recorded.reason,
      recorded: summary(recordedPlacement, previousPlacement, clusters, services, recorded.algorithm),
      replayed: {
        ...summary(replayedPlacement, previousPlacement, clusters, services, options.algorithm),
        solver: replayed.solver,
        ...(replayed.feasible ? {} : { failure: replayed.reason }),
      },
      differences: differences(recordedPlacement, replayedPlacement),
    });
  }
  return { options, decisions: results };
}

function summary(placement: Record<string, string> | null, previous: Record<string, string> | null, clusters: ClusterCapacity[], services: ServiceDemand[], algorithm: string) {
  if (!placement) return { feasible: false, algorithm, placement: null, moves: null, utilisation: null, violations: [] };
  return {
    feasible: true,
    algorithm,
    placement,
    moves: previous ? Object.keys(placement).filter((id) => previous[id] !== undefined && previous[id] !== placement[id]).length : 0,
    utilisation: utilisation(placement, clusters, services),
    // An independent check of every constraint against the recorded inputs.
    violations: checkPlacement(clusters, services, placement).map((v) => ({ ...v })),
  };
}

function utilisation(placement: Record<string, string>, clusters: ClusterCapacity[], services: ServiceDemand[]): Record<string, number> {
  return Object.fromEntries(
    clusters.map((cluster) => {
      const used = services.filter((s) => placement[s.id] === cluster.name).reduce((sum, s) => sum + s.cpu * s.replicas, 0);
      return [cluster.name, cluster.cpu > 0 ? Math.round((used / cluster.cpu) * 1000) / 1000 : 0];
    }),
  );
}

function differences(recorded: Record<string, string> | null, replayed: Record<string, string> | null) {
  const ids = new Set([...Object.keys(recorded ?? {}), ...Object.keys(replayed ?? {})]);
  return [...ids].filter((id) => recorded?.[id] !== replayed?.[id]).map((id) => ({ serviceId: id, recorded: recorded?.[id] ?? null, replayed: replayed?.[id] ?? null }));
}
