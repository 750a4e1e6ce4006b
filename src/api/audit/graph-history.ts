import type { EventStore, RecordedEvent } from '../../eventstore/event-store';
import { graphStream, isGraphEvent, type PlacementDecided, type PlacementFailed } from '../../domain/graph/events';
import { GRAPH_EVOLVE_VERSION, evolveGraph } from '../../domain/graph/evolve';
import { loadAggregateAsOf, type FoldBound } from '../../application/aggregate-loader';
import { initialGraphState } from '../../domain/graph/state';
import { graphDocumentOf, type GraphDocument } from '../../../projections/graphs.projection';
import { PLACEMENT_OUTCOME_TYPES } from '../../../projections/placement-decisions.projection';

/** An event as the audit routes show it. */
export function eventView(event: RecordedEvent) {
  return {
    id: event.id,
    type: event.type,
    streamId: event.streamId,
    revision: event.revision,
    position: event.position,
    at: event.created,
    correlationId: event.metadata.correlationId ?? null,
    causationId: event.metadata.causationId ?? null,
    actor: event.metadata.actor ?? null,
    data: event.data,
  };
}

export function isPlacementOutcome<T extends RecordedEvent>(event: T): event is T & (PlacementDecided | PlacementFailed) {
  return isGraphEvent(event) && (PLACEMENT_OUTCOME_TYPES as readonly string[]).includes(event.type);
}

/** One placement decision, for "why is this service on that cluster?". */
export function placementRecord(event: RecordedEvent & (PlacementDecided | PlacementFailed)) {
  const decision = event;
  const common = {
    decisionId: decision.data.decisionId,
    at: event.created,
    position: event.position,
    revision: event.revision,
    reason: decision.data.reason,
    algorithm: decision.data.algorithm,
    inputs: decision.data.inputs,
    correlationId: event.metadata.correlationId ?? null,
  };
  if (decision.type === 'PlacementFailed') {
    const { detail, bindingResource, serviceId, requirement, capacityGap } = decision.data;
    return {
      ...common,
      feasible: false,
      solver: null,
      objective: null,
      moves: null,
      placement: null,
      detail,
      bindingResource,
      serviceId: serviceId ?? null,
      ...(requirement ? { requirement } : {}),
      ...(capacityGap ? { capacityGap } : {}),
    };
  }
  const { solver, objective, moves, durationMs, placement, imports, explanation, clusterSets, intents } = decision.data;
  return { ...common, feasible: true, solver, objective, moves, durationMs, placement, imports, explanation, ...(clusterSets ? { clusterSets } : {}), ...(intents ? { intents } : {}) };
}

/** Where to stop folding: an ISO time (events recorded at or before it) or a global position. */
export type AsOf = { kind: 'time'; at: Date } | { kind: 'position'; position: number };

/**
 * `at` as a position (at most 15 digits: exact as a number, as the document's pattern says) or an ISO
 * 8601 time whose calendar date exists (Date would roll 2026-02-30 over to March 2): a date (its UTC
 * start), or a date-time with its offset (`Z`, `+01:00`). Without one, Date reads a time of day in the
 * server's own zone, so the same `at` named another instant on another server.
 */
export function parseAsOf(value: string): AsOf | null {
  if (/^\d{1,15}$/.test(value)) return { kind: 'position', position: Number(value) };
  if (!/^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/i.test(value)) return null;
  const date = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  const at = new Date(value);
  if (!date || Number.isNaN(at.getTime())) return null;
  const [year, month, day] = date.slice(1).map(Number) as [number, number, number];
  const calendar = new Date(0);
  calendar.setUTCFullYear(year, month - 1, day);
  return calendar.getUTCFullYear() === year && calendar.getUTCMonth() === month - 1 && calendar.getUTCDate() === day ? { kind: 'time', at } : null;
}

/**
 * The graph as it was at `asOf`, folded with the same evolve as the live read model, from the
 * nearest snapshot at or before that moment: the events read are bounded whatever the history.
 */
export async function graphAsOf(store: EventStore, graphId: string, asOf: AsOf): Promise<GraphDocument | null> {
  const bound: FoldBound = asOf.kind === 'position' ? asOf : { kind: 'time', at: asOf.at };
  const found = await loadAggregateAsOf(store, graphStream(graphId), { evolve: evolveGraph, initialState: initialGraphState, snapshotVersion: GRAPH_EVOLVE_VERSION, isEvent: isGraphEvent }, bound);
  if (!found) return null;
  const { state, revision, created } = found;
  if (state.kind === 'none' || state.removed) return null;
  return graphDocumentOf(state, revision, created);
}
