import type { RecordedEvent } from '../../eventstore/event-store';
import type { PlacementDecided, PlacementFailed } from '../../domain/graph/events';
import { isPlacementOutcome } from './graph-history';
import {
  activeIntents,
  checkIntentPlacement,
  countMoves,
  getIsolatedSolver,
  intentPlacement,
  milpPlacement,
  naivePlacement,
  type ClusterCapacity,
  type CheckIntentOptions,
  type ClusterSets,
  type PlacementIntents,
  type ServiceDemand,
  type IntentLabelKeys,
  type IntentName,
  type LatencyLimitsMs,
  type SolverName,
} from '../../optimizer';

/** What to re-solve recorded decisions with. */
export interface ReplayOptions {
  solver: SolverName;
  algorithm: 'milp' | 'naive';
  /** `min-moves`: SMO's objective (stay where you are); `fresh`: ignore the previous placement, as if deploying anew. */
  objective: 'min-moves' | 'fresh';
  /** Switch intents on or off against what each decision recorded (absent: as recorded). */
  intents?: IntentSwitches;
}

export type IntentSwitches = Partial<Record<IntentName, boolean>>;

/** The recorded inputs with the switches applied: graph intents replaced, coLocation or per-service HA dropped when off. */
function switched(recorded: PlacementIntents | undefined, services: ServiceDemand[], switches: IntentSwitches = {}): { intents: PlacementIntents; services: ServiceDemand[] } {
  const { coLocation, ...graph } = switches;
  const intents = { ...recorded, ...graph };
  const adjusted = services.map((service) => ({
    ...service,
    ...(coLocation === false ? { coLocation: [] } : {}),
    ...(switches.highAvailability === false ? { highAvailability: false } : {}),
  }));
  return { intents, services: adjusted };
}

type Decision = PlacementDecided['data'] | PlacementFailed['data'];

/**
 * Re-solves each recorded placement decision of a graph from its recorded inputs, under another
 * solver, algorithm or objective, and says decision by decision what would have differed.
 * Pure with respect to the store: it reads events and appends nothing. Once `signal` aborts (its
 * client left) no further decision is re-solved: each solve takes the one solver worker, which
 * the running graphs' placements wait for.
 */
export async function replayDecisions(
  events: readonly RecordedEvent[],
  options: ReplayOptions,
  settings: { intentLabels?: Partial<IntentLabelKeys>; latencyLimitsMs?: Partial<LatencyLimitsMs>; signal?: AbortSignal } = {},
) {
  const solver = getIsolatedSolver(options.solver);
  const decisions = events.filter(isPlacementOutcome);
  const results = [];
  for (const event of decisions) {
    if (settings.signal?.aborted) break;
    const recorded: Decision = event.data;
    const { clusters, previousPlacement } = recorded.inputs;
    const recordedPlacement = event.type === 'PlacementDecided' ? event.data.placement : null;
    const recordedSets = event.type === 'PlacementDecided' ? (event.data.clusterSets ?? {}) : {};
    if (recorded.algorithm === 'static') {
      results.push({ decisionId: recorded.decisionId, at: event.created, reason: recorded.reason, skipped: 'static placement: nothing was computed' });
      continue;
    }
    const current = options.objective === 'min-moves' && previousPlacement ? previousPlacement : undefined;
    const previousSets = options.objective === 'min-moves' ? recorded.inputs.previousClusterSets : undefined;
    const recordedIntents = recorded.inputs.intents ?? {};
    const { intents, services } = switched(recorded.inputs.intents, recorded.inputs.services, options.intents);
    // The round trips the decision saw, and the server's latency classes, as the decision itself used.
    const network = { clusterLatencyMs: recorded.inputs.clusterLatencyMs, latencyLimitsMs: settings.latencyLimitsMs };
    const check: CheckIntentOptions = { ...network, ...(settings.intentLabels?.trusted ? { trustedLabel: settings.intentLabels.trusted } : {}) };
    const underIntents = options.algorithm === 'milp' && activeIntents(services, intents).length > 0;
    const replayed = underIntents
      ? await intentPlacement(clusters, services, current, {
          solver,
          ...network,
          intents,
          // The server's label keys, as the decision itself used: a replay with custom keys reads the same cluster facts.
          ...(settings.intentLabels ? { labelKeys: settings.intentLabels } : {}),
          ...(previousSets ? { currentSets: previousSets } : {}),
          ...(recorded.inputs.energyFigures ? { energyFigures: recorded.inputs.energyFigures } : {}),
          // The replay shows verdicts, not capacity gaps: none is computed.
          capacityGap: false,
        })
      : options.algorithm === 'naive'
        ? { ...naivePlacement(clusters, services, current, network), solver: 'none' as const }
        : // The replay shows verdicts, not capacity gaps: none is computed.
          await milpPlacement(clusters, services, current, { solver, ...network, capacityGap: false });
    const replayedPlacement = replayed.feasible ? { ...replayed.placement } : null;
    const replayedSets: ClusterSets = replayed.feasible && 'clusterSets' in replayed ? (replayed.clusterSets as ClusterSets) : {};
    const previous = { placement: previousPlacement, sets: recorded.inputs.previousClusterSets };
    results.push({
      decisionId: recorded.decisionId,
      at: event.created,
      reason: recorded.reason,
      recorded: summary(recordedPlacement, recordedSets, previous, clusters, recorded.inputs.services, recorded.algorithm, recordedIntents, check),
      replayed: {
        ...summary(replayedPlacement, replayedSets, previous, clusters, services, options.algorithm, intents, check),
        solver: replayed.solver,
        ...(replayed.feasible ? {} : { failure: replayed.reason }),
        ...(replayed.feasible && 'intents' in replayed ? { intents: replayed.intents } : {}),
      },
      differences: differences(recordedPlacement, replayedPlacement, recordedSets, replayedSets),
    });
  }
  return { options, decisions: results };
}

function summary(
  placement: Record<string, string> | null,
  clusterSets: ClusterSets,
  previous: { placement: Record<string, string> | null; sets: ClusterSets | undefined },
  clusters: ClusterCapacity[],
  services: ServiceDemand[],
  algorithm: string,
  intents: PlacementIntents,
  check: CheckIntentOptions,
) {
  if (!placement) return { feasible: false, algorithm, placement: null, moves: null, utilisation: null, violations: [] };
  return {
    feasible: true,
    algorithm,
    placement,
    ...(Object.keys(clusterSets).length > 0 ? { clusterSets } : {}),
    // Every cluster a service runs on counts, for moves (as the decision counted them) and for load.
    moves: previous.placement ? countMoves(services, placement, clusterSets, previous.placement, previous.sets).moves : 0,
    utilisation: utilisation(placement, clusterSets, clusters, services),
    // An independent check of every constraint (the intents' included) against the recorded inputs.
    violations: checkIntentPlacement(clusters, services, placement, clusterSets, intents, check).map((v) => ({ ...v })),
  };
}

function utilisation(placement: Record<string, string>, clusterSets: ClusterSets, clusters: ClusterCapacity[], services: ServiceDemand[]): Record<string, number> {
  return Object.fromEntries(
    clusters.map((cluster) => {
      const used = services.filter((s) => (clusterSets[s.id] ?? [placement[s.id]]).includes(cluster.name)).reduce((sum, s) => sum + s.cpu * s.replicas, 0);
      return [cluster.name, cluster.cpu > 0 ? Math.round((used / cluster.cpu) * 1000) / 1000 : 0];
    }),
  );
}

function differences(recorded: Record<string, string> | null, replayed: Record<string, string> | null, recordedSets: ClusterSets, replayedSets: ClusterSets) {
  const ids = new Set([...Object.keys(recorded ?? {}), ...Object.keys(replayed ?? {})]);
  const setOf = (sets: ClusterSets, id: string): string => [...(sets[id] ?? [])].sort().join(',');
  return [...ids]
    .filter((id) => recorded?.[id] !== replayed?.[id] || setOf(recordedSets, id) !== setOf(replayedSets, id))
    .map((id) => ({
      serviceId: id,
      recorded: recorded?.[id] ?? null,
      replayed: replayed?.[id] ?? null,
      ...(recordedSets[id] || replayedSets[id] ? { recordedClusters: recordedSets[id] ?? null, replayedClusters: replayedSets[id] ?? null } : {}),
    }));
}
