import { loadAggregateAsOf, writeSnapshot, type FoldSpec } from '../application/aggregate-loader';
import { StreamNotFoundError } from '../eventstore/errors';
import { streamCategory, type RecordedEvent } from '../eventstore/event-store';
import type { EventStore } from '../eventstore/event-store';
import type { Processor } from '../processing/processor';

/** Folded states kept between events: one per aggregate, the least recently used dropped first. */
const CACHED_AGGREGATES = 500;

interface Folded {
  state: unknown;
  revision: number;
  snapshotRevision: number;
  /**
   * An event this fold went through, read from the stream (the last when it was loaded, the last
   * snapshotted since): while the stream holds it at this position, the stream was not deleted
   * since, so the events that followed it are of the same history. Null: nothing folded.
   */
  anchor: { revision: number; position: number } | null;
}

/**
 * Writes a snapshot of every growing aggregate each `every` events, whoever wrote the events (a
 * command, a processor, an import while SMO was down), so that loads and `?at=` reads stay bounded
 * all along a stream's history. It folds each stream as its events arrive (in order, so one evolve
 * per event) and reloads from the nearest snapshot when it has not seen the previous event.
 * A soft-deleted stream that is recreated numbers on after its deleted events, so before a snapshot
 * is written the fold's anchor is checked to be still in the stream (one read per snapshot), and
 * the stream reloaded when it is not. Idempotent: a snapshot's id follows from its stream, revision and version.
 */
export class SnapshotProcessor implements Processor {
  readonly name = 'snapshots';
  readonly filter;
  /** Re-handling a few events after a crash only rewrites snapshots that exist: no need to checkpoint each one. */
  readonly checkpointEvery = 500;
  private readonly folded = new Map<string, Folded>();

  constructor(
    private readonly deps: {
      eventStore: EventStore;
      every: number;
      /** Per stream category, how its aggregate is folded. */
      aggregates: Record<string, FoldSpec<never, unknown>>;
    },
  ) {
    this.filter = { streamCategories: Object.keys(deps.aggregates) };
  }

  async handle(event: RecordedEvent): Promise<void> {
    const spec = this.deps.aggregates[streamCategory(event.streamId)];
    if (!spec) return;
    let folded = await this.foldedThrough(event, spec);
    if (folded.revision - folded.snapshotRevision >= this.deps.every && !(await this.sameHistory(event, folded))) {
      folded = await this.load(event, spec);
    }
    this.remember(event.streamId, folded);
    if (folded.revision - folded.snapshotRevision < this.deps.every) return;
    await writeSnapshot(this.deps.eventStore, event.streamId, {
      version: spec.snapshotVersion,
      revision: event.revision,
      position: event.position,
      created: event.created,
      state: folded.state,
    });
    folded.snapshotRevision = event.revision;
    folded.anchor = { revision: event.revision, position: event.position };
  }

  /** Whether the stream still holds the fold's anchor where it was (a deletion since hides it). */
  private async sameHistory(event: RecordedEvent, folded: Folded): Promise<boolean> {
    const anchor = folded.anchor;
    if (!anchor) return false;
    if (anchor.revision === event.revision && anchor.position === event.position) return true;
    const [held] = await this.deps.eventStore.readStream(event.streamId, { fromRevision: anchor.revision, maxCount: 1 }).catch((error: unknown) => {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    });
    return held?.revision === anchor.revision && held.position === anchor.position;
  }

  private async foldedThrough(event: RecordedEvent, spec: FoldSpec<never, unknown>): Promise<Folded> {
    const known = this.folded.get(event.streamId);
    if (known && known.revision === event.revision) return known;
    // A stream's first event (a recreated stream numbers on) goes on from nothing folded: there is nothing to read.
    const cached = event.revision === 0 ? nothingFolded(spec) : known;
    if (cached && cached.revision === event.revision - 1) {
      // (A fold of nothing yet that goes on with revision 0: the stream's first event anchors it.)
      return { ...cached, state: spec.evolve(cached.state, event as never), revision: event.revision, anchor: cached.anchor ?? { revision: event.revision, position: event.position } };
    }
    return this.load(event, spec);
  }

  /** The fold through `event` as the stream holds it now (the initial state when it no longer holds the event). */
  private async load(event: RecordedEvent, spec: FoldSpec<never, unknown>): Promise<Folded> {
    const loaded = await loadAggregateAsOf(this.deps.eventStore, event.streamId, spec, { kind: 'position', position: event.position });
    if (!loaded || loaded.revision !== event.revision) return nothingFolded(spec);
    return { state: loaded.state, revision: loaded.revision, snapshotRevision: loaded.snapshotRevision, anchor: { revision: event.revision, position: event.position } };
  }

  private remember(streamId: string, folded: Folded): void {
    this.folded.delete(streamId);
    this.folded.set(streamId, folded);
    if (this.folded.size > CACHED_AGGREGATES) this.folded.delete(this.folded.keys().next().value!);
  }
}

function nothingFolded(spec: FoldSpec<never, unknown>): Folded {
  return { state: spec.initialState, revision: -1, snapshotRevision: -1, anchor: null };
}
