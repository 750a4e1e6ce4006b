import type { EventFilter, RecordedEvent } from '../eventstore/event-store';
import type { DocumentWrite, StoredDocument } from '../readstore/read-store';

/** Loads the current documents with these ids (a read store's getMany, or a cache in front of it). */
export type DocumentLoader<TDoc> = (ids: readonly string[]) => Promise<Map<string, StoredDocument<TDoc>>>;

/**
 * A read model: a pure fold of events into documents of one collection. The runner loads the
 * documents an event touches, folds, and writes them back with the event's position, so
 * applying the same event twice changes nothing.
 */
export interface Projection<TDoc = unknown> {
  readonly name: string;
  /** Logical collection name (a-z, 0-9, -). */
  readonly collection: string;
  readonly filter: EventFilter;
  /** Ids of the documents the event changes (often one). */
  documentIds(event: RecordedEvent): readonly string[];
  /** The document after the event; null removes it. Pure: no I/O, no clock. */
  evolve(doc: TDoc | null, event: RecordedEvent, id: string): TDoc | null;
  /**
   * For a document that depends on others' previous state (a cluster's total, from each graph's
   * load before and after): what a document's change by an event does to other documents of the
   * collection. Each follow-up is folded after the change, committed with it, and skipped like any
   * fold when the document's position says the event was applied; its own change is followed up
   * in turn. A document changes at most once per event. Pure.
   */
  followUps?(change: DocumentChange<TDoc>, event: RecordedEvent): ReadonlyArray<FollowUp<TDoc>>;
}

export interface DocumentChange<TDoc> {
  id: string;
  before: TDoc | null;
  after: TDoc | null;
}

export interface FollowUp<TDoc> {
  id: string;
  evolve(doc: TDoc | null): TDoc | null;
}

/**
 * Folds a page of events into the documents they touch (and their follow-ups), in event order, and
 * returns the writes. Events at or below a document's stored position were applied before and are
 * skipped.
 */
export async function projectPage<TDoc>(
  load: DocumentLoader<TDoc>,
  projection: Projection<TDoc>,
  collection: string,
  events: readonly RecordedEvent[],
): Promise<DocumentWrite[]> {
  const working = new Map<string, { doc: TDoc | null; position: number; changed: boolean }>();
  const loadMissing = async (ids: readonly string[]) => {
    const missing = [...new Set(ids)].filter((id) => !working.has(id));
    if (missing.length === 0) return;
    const found = await load(missing);
    for (const id of missing) working.set(id, { doc: found.get(id)?.doc ?? null, position: found.get(id)?.position ?? 0, changed: false });
  };
  const fold = (id: string, position: number, evolve: (doc: TDoc | null) => TDoc | null) => {
    const entry = working.get(id)!;
    if (position <= entry.position) return null;
    const before = entry.doc;
    entry.doc = evolve(before);
    entry.position = position;
    entry.changed = true;
    return { id, before, after: entry.doc };
  };
  const idsOf = events.map((event) => projection.documentIds(event));
  await loadMissing(idsOf.flat());
  for (const [index, event] of events.entries()) {
    for (const id of idsOf[index]!) {
      const changes = [fold(id, event.position, (doc) => projection.evolve(doc, event, id))];
      // Each document folds at most once per event (its position is then the event's): this ends.
      while (changes.length > 0 && projection.followUps) {
        const change = changes.shift();
        if (!change) continue;
        const followUps = projection.followUps(change, event);
        await loadMissing(followUps.map((followUp) => followUp.id));
        for (const followUp of followUps) changes.push(fold(followUp.id, event.position, (doc) => followUp.evolve(doc)));
      }
    }
  }
  const writes: DocumentWrite[] = [];
  for (const [id, { doc, position, changed }] of working) {
    if (!changed) continue;
    writes.push(doc === null ? { kind: 'delete', collection, id, position } : { kind: 'upsert', collection, id, doc, position });
  }
  return writes;
}
