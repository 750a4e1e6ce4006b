import type { EventFilter, RecordedEvent } from '../eventstore/event-store';
import type { DocumentWrite, StoredDocument } from '../readstore/read-store';

/** Loads the current documents of a collection with these ids (a read store's getMany, or a cache in front of it). */
export type DocumentLoader = (collection: string, ids: readonly string[]) => Promise<ReadonlyMap<string, StoredDocument<unknown>>>;

/** Where a page's documents are read and written: the projection's collection and, with summaries, theirs, in the projection's order (logical or physical names). */
export interface ProjectionTarget {
  documents: string;
  summaries?: readonly string[];
}

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
  /**
   * What the collection's documents add up to, kept beside them: totals read as one document however many
   * there are, or one small document per document for the lists that need only a few of its fields.
   */
  readonly summaries?: ReadonlyArray<ProjectionSummary<TDoc>>;
  /**
   * The shape of the documents (1 when absent). A projection whose stored version differs is
   * rebuilt once at start, blue/green: its documents stay readable meanwhile. Raise it when a
   * change to the fold (a new field, a summary) would not reach documents already written.
   */
  readonly version?: number;
}

/**
 * What a projection's documents add up to (counts by status over all of them, say, or each one's few
 * fields a list shows), kept in a collection of their own: each change of a document (a fold or a
 * follow-up) is folded into the summaries it names, and committed with it. A summary may change
 * several times for one event. Pure.
 */
export interface ProjectionSummary<TDoc, TSummary = unknown> {
  readonly collection: string;
  /** Ids of the summary documents a change moves (often one). */
  summaryIds(change: DocumentChange<TDoc>): readonly string[];
  /** The summary after the change; null removes it. */
  evolve(summary: TSummary | null, change: DocumentChange<TDoc>): TSummary | null;
}

/** The target of a projection's live writes: its logical collections. */
export function logicalTarget(projection: Projection<unknown>): ProjectionTarget {
  return { documents: projection.collection, ...(projection.summaries ? { summaries: projection.summaries.map((summary) => summary.collection) } : {}) };
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
 * Folds a page of events into the documents they touch (and their follow-ups, and the summaries
 * their changes move), in event order, and returns the writes. Events at or below a document's
 * stored position were applied before and are skipped.
 */
export async function projectPage<TDoc>(load: DocumentLoader, projection: Projection<TDoc>, target: ProjectionTarget, events: readonly RecordedEvent[]): Promise<DocumentWrite[]> {
  const documents = new WorkingSet<TDoc>(load, target.documents);
  const summaries = target.summaries === undefined ? [] : (projection.summaries ?? []).map((of, index) => ({ of, working: new WorkingSet<unknown>(load, target.summaries![index]!) }));
  const idsOf = events.map((event) => projection.documentIds(event));
  await documents.load(idsOf.flat());
  for (const [index, event] of events.entries()) {
    const changes: Array<DocumentChange<TDoc>> = [];
    for (const id of idsOf[index]!) {
      const pending = [documents.fold(id, event.position, (doc) => projection.evolve(doc, event, id))];
      // Each document folds at most once per event (its position is then the event's): this ends.
      while (pending.length > 0) {
        const change = pending.shift();
        if (!change) continue;
        changes.push(change);
        if (!projection.followUps) continue;
        const followUps = projection.followUps(change, event);
        await documents.load(followUps.map((followUp) => followUp.id));
        for (const followUp of followUps) pending.push(documents.fold(followUp.id, event.position, (doc) => followUp.evolve(doc)));
      }
    }
    for (const summary of summaries) {
      for (const change of changes) {
        const ids = summary.of.summaryIds(change);
        await summary.working.load(ids);
        for (const id of ids) summary.working.foldAgain(id, event.position, (doc) => summary.of.evolve(doc, change));
      }
    }
  }
  return [...documents.writes(), ...summaries.flatMap((summary) => summary.working.writes())];
}

/** The documents of one collection a page touches, loaded once and written once. */
class WorkingSet<TDoc> {
  private readonly entries = new Map<string, { doc: TDoc | null; stored: number; position: number; changed: boolean }>();

  constructor(
    private readonly loader: DocumentLoader,
    private readonly collection: string,
  ) {}

  async load(ids: readonly string[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.entries.has(id));
    if (missing.length === 0) return;
    const found = await this.loader(this.collection, missing);
    for (const id of missing) {
      const position = found.get(id)?.position ?? 0;
      this.entries.set(id, { doc: (found.get(id)?.doc as TDoc | undefined) ?? null, stored: position, position, changed: false });
    }
  }

  /** Folds the event into a loaded document unless it was applied already (at most once per event); the change, or null. */
  fold(id: string, position: number, evolve: (doc: TDoc | null) => TDoc | null): DocumentChange<TDoc> | null {
    return this.entries.get(id)!.position < position ? this.apply(id, position, evolve) : null;
  }

  /** Folds unless the stored document had the event already: a summary moves once per document change, so several times for one event. */
  foldAgain(id: string, position: number, evolve: (doc: TDoc | null) => TDoc | null): void {
    if (this.entries.get(id)!.stored < position) this.apply(id, position, evolve);
  }

  private apply(id: string, position: number, evolve: (doc: TDoc | null) => TDoc | null): DocumentChange<TDoc> {
    const entry = this.entries.get(id)!;
    const before = entry.doc;
    entry.doc = evolve(before);
    entry.position = position;
    entry.changed = true;
    return { id, before, after: entry.doc };
  }

  writes(): DocumentWrite[] {
    const writes: DocumentWrite[] = [];
    for (const [id, { doc, position, changed }] of this.entries) {
      if (!changed) continue;
      writes.push(doc === null ? { kind: 'delete', collection: this.collection, id, position } : { kind: 'upsert', collection: this.collection, id, doc, position });
    }
    return writes;
  }
}
