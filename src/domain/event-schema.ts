/**
 * What the stored events are, as types, and how events recorded in older shapes are brought to
 * today's. Every adapter runs `upcast` on each event it hands out (src/eventstore/recorded.ts),
 * and readers narrow a stored event to their aggregate's union with that aggregate's guard
 * instead of casting.
 */

/** The part of a stored event the domain looks at. */
export interface EventEnvelope {
  type: string;
  data: unknown;
}

/** Narrows a stored event (keeping its envelope: position, metadata…) to one aggregate's union. */
export type EventGuard<E extends EventEnvelope> = <T extends EventEnvelope>(event: T) => event is T & E;

/**
 * A guard from the complete list of an aggregate's event types; the Record type makes the list
 * exhaustive, so a new event type that is not listed does not compile.
 */
export function eventGuard<E extends EventEnvelope>(types: Record<E['type'], true>): EventGuard<E> {
  const known = new Set<string>(Object.keys(types));
  return <T extends EventEnvelope>(event: T): event is T & E => known.has(event.type);
}

/** A guard for one type of an aggregate's union (projections that follow a single event type). */
export function eventOfType<E extends EventEnvelope, K extends E['type']>(guard: EventGuard<E>, type: K): EventGuard<Extract<E, { type: K }>> {
  return <T extends EventEnvelope>(event: T): event is T & Extract<E, { type: K }> => guard(event) && event.type === type;
}

/** An aggregate's stream holds an event its code does not know: a corrupt stream or a newer writer. */
export class UnknownEventError extends Error {
  override readonly name = 'UnknownEventError';
  constructor(
    readonly streamId: string,
    readonly eventType: string,
  ) {
    super(`stream ${streamId} holds an event of unknown type ${eventType}`);
  }
}

/**
 * The shape version written into every event's metadata (`schemaVersion`). Raise it when an event's
 * data changes shape, and register an upcaster from the previous version in UPCASTERS.
 */
export const SCHEMA_VERSION = 2;

/** Turns one event type's data of version n into version n + 1. */
export type Upcaster = (data: unknown) => unknown;

/** Upcasters keyed by event type, then by the version they upgrade from. */
export type Upcasters = Readonly<Record<string, Readonly<Record<number, Upcaster>>>>;

/** Version 2: a `condition: ALL` service's alert facts say when the alert started (which firing of it they are). */
const withStartsAt: Upcaster = (data) => ({ startsAt: null, ...(data as object) });
/** Version 2: a start says what of the graph's placement no longer fit (none was checked before). */
const withNothingOverbooked: Upcaster = (data) => ({ overbooked: [], ...(data as object) });
/** Version 2: a cluster unavailable for placement says whether its workloads are lost; before, every one was handled as lost. */
const lostAsBefore: Upcaster = (data) => ({ lost: true, ...(data as object) });
/** Version 2: an observed cluster says whether its workloads run; before, an unavailable one was taken as lost. */
const withWorkloadsRun: Upcaster = (data) => {
  const { observed, ...rest } = data as { observed: { available: boolean } };
  return { ...rest, observed: { workloadsRun: observed.available, ...observed } };
};

/**
 * Today's registry. test/fixtures/events/v<n> holds events as version n recorded them; each must fold
 * with today's code once upcast.
 */
export const UPCASTERS: Upcasters = {
  ServiceEventFiring: { 1: withStartsAt },
  ServiceEventResolved: { 1: withStartsAt },
  GraphStarted: { 1: withNothingOverbooked },
  ClusterUnavailable: { 1: lostAsBefore },
  ClusterRegistered: { 1: withWorkloadsRun },
  ClusterCapacityObserved: { 1: withWorkloadsRun },
};

interface VersionedEvent extends EventEnvelope {
  metadata: { schemaVersion?: number };
}

/**
 * Brings an event to SCHEMA_VERSION by running its type's upcasters in order. Events without a
 * schemaVersion were written before the field existed, in version 1's shape.
 */
export function upcast<T extends VersionedEvent>(event: T, upcasters: Upcasters = UPCASTERS, current = SCHEMA_VERSION): T {
  let version = event.metadata.schemaVersion ?? 1;
  if (version >= current) return event;
  const steps = upcasters[event.type] ?? {};
  let data = event.data;
  for (; version < current; version++) data = steps[version]?.(data) ?? data;
  return { ...event, data, metadata: { ...event.metadata, schemaVersion: current } };
}
