import type { RecordedEvent, Subscription } from '../eventstore/event-store';
import { Mutex } from '../shared/mutex';
import { withRetry } from '../shared/retry';
import type { DocumentWrite, StoredDocument } from '../readstore/read-store';
import { projectPage, type DocumentLoader, type Projection } from './projection';
import { yieldIfBusy } from './event-loop-yield';
import { Runner, describe, type RunnerDependencies } from './runner';

export interface RebuildProgress {
  projection: string;
  collection: string;
  events: number;
  position: number;
  head: number;
  elapsedMs: number;
  eventsPerSecond: number;
}

export interface RebuildReport extends RebuildProgress {
  previousCollection: string;
}

const PAGE_SIZE = 1000;
/** Rebuilt documents kept in memory before they are written. */
const FLUSH_DOCUMENTS = 20_000;

/**
 * Runs a projection: events are folded a page at a time, and the documents and the checkpoint
 * are committed together. Rebuilds replay `$all` into a new collection version beside the live
 * one and switch over atomically once caught up (blue/green).
 */
export class ProjectionRunner<TDoc = unknown> extends Runner {
  private readonly writes = new Mutex();
  private rebuilding: RebuildProgress | null = null;
  /** The projection, with what its own (pure) code throws marked as the event's fault. */
  private readonly folding: Projection<TDoc>;

  constructor(
    readonly projection: Projection<TDoc>,
    deps: RunnerDependencies,
    private readonly pageSize = PAGE_SIZE,
  ) {
    super('projection', projection.name, projection.filter, deps);
    this.folding = {
      ...projection,
      documentIds: (event) => poisonOnThrow(() => projection.documentIds(event)),
      evolve: (doc, event, id) => poisonOnThrow(() => projection.evolve(doc, event, id)),
      ...(projection.followUps && {
        followUps: (change, event) =>
          poisonOnThrow(() => projection.followUps!(change, event)).map((followUp) => ({ id: followUp.id, evolve: (doc: TDoc | null) => poisonOnThrow(() => followUp.evolve(doc)) })),
      }),
    };
  }

  rebuildProgress(): RebuildProgress | null {
    return this.rebuilding;
  }


  protected async consume(subscription: Subscription, signal: AbortSignal): Promise<void> {
    let page: RecordedEvent[] = [];
    for await (const message of subscription) {
      if (signal.aborted) return;
      await yieldIfBusy();
      if (message.kind === 'event') {
        page.push(message.event);
        if (page.length < this.pageSize) continue;
      }
      if (page.length > 0) await this.apply(page, signal);
      page = [];
      if (message.kind === 'caughtUp') await this.writes.run(() => this.saveCheckpoint(message.position));
    }
  }

  /**
   * Applies a page with retries; if it keeps failing, applies event by event and parks the events
   * the projection itself cannot fold. A read store that cannot be read or written (disk full,
   * database down) is no fault of the event: the runner fails and resubscribes from its checkpoint
   * instead, so no event is skipped and the read model never silently diverges.
   */
  private async apply(page: RecordedEvent[], signal: AbortSignal): Promise<void> {
    try {
      await withRetry(() => this.writes.run(() => this.commitPage(page, this.projection.collection)), this.retry, { signal, onFailure: (error) => this.noteFailure(error) });
      this.noteRecovered();
      return;
    } catch (error) {
      if (signal.aborted) throw error;
      this.deps.logger.warn({ runner: this.checkpointName, err: describe(error) }, 'page failed; applying event by event');
    }
    for (const event of page) {
      try {
        await withRetry(() => this.writes.run(() => this.commitPage([event], this.projection.collection)), this.retry, { signal });
      } catch (error) {
        if (signal.aborted || !(error instanceof PoisonEventError)) throw error;
        await this.park(event, error.cause, this.retry.attempts);
        await this.writes.run(() => this.saveCheckpoint(event.position));
      }
    }
  }

  /** Folds a live page and commits its documents together with the fenced checkpoint. */
  private async commitPage(page: readonly RecordedEvent[], collection: string): Promise<void> {
    const last = page[page.length - 1];
    if (!last) return;
    const writes = await projectPage((ids) => this.deps.readStore.getMany<TDoc>(collection, ids), this.folding, collection, page);
    await this.deps.readStore.commit(writes, { name: this.checkpointName, position: last.position, owner: this.lease.owner });
    this.persisted = Math.max(this.persisted, last.position);
    this.markProcessed(last.position);
  }

  /**
   * Replays every matching event into a fresh collection version, then switches to it while the
   * live loop is held, so no live write lands in between. The old version is dropped afterwards.
   */
  async rebuild(onProgress: (progress: RebuildProgress) => void = () => undefined): Promise<RebuildReport> {
    if (this.rebuilding) throw new RebuildInProgressError(this.name);
    const { readStore, eventStore } = this.deps;
    const logical = this.projection.collection;
    const target = await readStore.createCollectionVersion(logical);
    const started = performance.now();
    let position = 0;
    let events = 0;
    // The new version is written by this rebuild alone: keep its documents in memory and write each
    // one once per flush, not once per page (a document touched by many events is written rarely).
    const pending = new Map<string, DocumentWrite>();
    const flush = async () => {
      await readStore.commit([...pending.values()]);
      pending.clear();
    };
    const load: DocumentLoader<TDoc> = async (ids) => {
      const found = new Map<string, StoredDocument<TDoc>>();
      const missing: string[] = [];
      for (const id of ids) {
        const write = pending.get(id);
        if (!write) missing.push(id);
        else if (write.kind === 'upsert') found.set(id, { id, doc: write.doc as TDoc, position: write.position });
      }
      if (missing.length > 0) for (const [id, doc] of await readStore.getMany<TDoc>(target, missing)) found.set(id, doc);
      return found;
    };
    const report = (head: number): RebuildProgress => {
      const elapsedMs = performance.now() - started;
      return { projection: this.name, collection: target, events, position, head, elapsedMs, eventsPerSecond: elapsedMs > 0 ? (events * 1000) / elapsedMs : 0 };
    };
    this.rebuilding = report((await eventStore.headPosition()) ?? 0);
    try {
      const catchUp = async () => {
        const head = (await eventStore.headPosition()) ?? 0;
        for (;;) {
          // Positions are opaque (EventStoreDB's are log offsets): read from the last one seen, inclusive, and drop it.
          const read = await eventStore.readAll({ fromPosition: position === 0 ? 'start' : position, maxCount: this.pageSize + 1, filter: this.projection.filter });
          const page = read.filter((event) => event.position > position);
          if (page.length > 0) {
            for (const write of await projectPage(load, this.projection, target, page)) pending.set(write.id, write);
            if (pending.size >= FLUSH_DOCUMENTS) await flush();
            position = page[page.length - 1]!.position;
            events += page.length;
          }
          this.rebuilding = report(head);
          onProgress(this.rebuilding);
          await yieldIfBusy();
          if (read.length < this.pageSize + 1) return flush();
        }
      };
      await catchUp();
      const previous = await readStore.activeCollection(logical);
      await this.writes.run(async () => {
        await catchUp();
        await readStore.switchCollection(logical, target);
        await readStore.dropCollection(previous);
      });
      return { ...report(Math.max(position, (await eventStore.headPosition()) ?? 0)), previousCollection: previous };
    } catch (error) {
      await readStore.dropCollection(target).catch(() => undefined);
      throw error;
    } finally {
      this.rebuilding = null;
    }
  }
}

/** The projection's own code threw on an event: retrying will not help, the event is parked. */
class PoisonEventError extends Error {
  override readonly name = 'PoisonEventError';
  constructor(override readonly cause: unknown) {
    super(describe(cause));
  }
}

function poisonOnThrow<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw new PoisonEventError(error);
  }
}

export class RebuildInProgressError extends Error {
  override readonly name = 'RebuildInProgressError';
  constructor(readonly projection: string) {
    super(`A rebuild of ${projection} is already running`);
  }
}
