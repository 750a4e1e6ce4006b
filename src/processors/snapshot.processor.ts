import { loadAggregateAsOf, writeSnapshot, type FoldSpec } from '../application/aggregate-loader';
import { streamCategory, type RecordedEvent } from '../eventstore/event-store';
import type { EventStore } from '../eventstore/event-store';
import type { Processor } from '../processing/processor';

/** Folded states kept between events: one per aggregate, the least recently used dropped first. */
const CACHED_AGGREGATES = 500;

interface Folded {
  state: unknown;
  revision: number;
  snapshotRevision: number;
}

/**
 * Writes a snapshot of every growing aggregate each `every` events, whoever wrote the events (a
 * command, a processor, an import while SMO was down), so that loads and `?at=` reads stay bounded
 * all along a stream's history. It folds each stream as its events arrive (in order, so one evolve
 * per event) and reloads from the nearest snapshot when it has not seen the previous event.
 * Idempotent: a snapshot's id follows from its stream, revision and version.
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
    const folded = await this.foldedThrough(event, spec);
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
  }

  private async foldedThrough(event: RecordedEvent, spec: FoldSpec<never, unknown>): Promise<Folded> {
    const cached = this.folded.get(event.streamId);
    if (cached && cached.revision === event.revision - 1) {
      return { ...cached, state: spec.evolve(cached.state, event as never), revision: event.revision };
    }
    if (cached && cached.revision === event.revision) return cached;
    const loaded = await loadAggregateAsOf(this.deps.eventStore, event.streamId, spec, { kind: 'position', position: event.position });
    return loaded ? { state: loaded.state, revision: loaded.revision, snapshotRevision: loaded.snapshotRevision } : { state: spec.initialState, revision: -1, snapshotRevision: -1 };
  }

  private remember(streamId: string, folded: Folded): void {
    this.folded.delete(streamId);
    this.folded.set(streamId, folded);
    if (this.folded.size > CACHED_AGGREGATES) this.folded.delete(this.folded.keys().next().value!);
  }
}
