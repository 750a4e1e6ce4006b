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
}

/**
 * Folds a page of events into the documents they touch and returns the writes. Events at or
 * below a document's stored position were applied before and are skipped.
 */
export async function projectPage<TDoc>(
  load: DocumentLoader<TDoc>,
  projection: Projection<TDoc>,
  collection: string,
  events: readonly RecordedEvent[],
): Promise<DocumentWrite[]> {
  const touched = new Map<string, RecordedEvent[]>();
  for (const event of events) {
    for (const id of projection.documentIds(event)) {
      const list = touched.get(id) ?? [];
      list.push(event);
      touched.set(id, list);
    }
  }
  if (touched.size === 0) return [];
  const current = await load([...touched.keys()]);
  const writes: DocumentWrite[] = [];
  for (const [id, list] of touched) {
    const stored = current.get(id);
    let doc: TDoc | null = stored?.doc ?? null;
    let position = stored?.position ?? 0;
    let changed = false;
    for (const event of list) {
      if (event.position <= position) continue;
      doc = projection.evolve(doc, event, id);
      position = event.position;
      changed = true;
    }
    if (!changed) continue;
    writes.push(doc === null ? { kind: 'delete', collection, id, position } : { kind: 'upsert', collection, id, doc, position });
  }
  return writes;
}
