import type { RecordedEvent, Subscription } from '../eventstore/event-store';
import { Mutex } from '../shared/mutex';
import { withRetry } from '../shared/retry';
import type { DocumentWrite, ReadStore, StoredDocument } from '../readstore/read-store';
import { logicalTarget, projectPage, type DocumentChange, type DocumentLoader, type Projection, type ProjectionTarget } from './projection';
import { yieldIfBusy } from '../shared/event-loop-yield';
import { NotLeaseHolderError, Runner, describe, type RunnerDependencies } from './runner';

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

/**
 * Events folded per commit. Every projection holds its page while catching up: at 1,000 the peak RSS of a restart over
 * 100,000 events (`npm run bench:history`) was 296–311 MB in three runs, at 250 it was 276–295 MB in six (mean 286),
 * catch-up taking as long (14–17 s). Where 10,000 graphs catch up at once (`npm run bench:projection-upgrade`) it takes
 * about 10% longer, with half the event loop's delay at p99.
 */
const PAGE_SIZE = 250;
/**
 * Rebuilt documents kept in memory before they are written (a document touched again after a
 * flush is written again). 20,000 graph documents took 760 MB of RSS at 50,000 graphs.
 */
const FLUSH_DOCUMENTS = 2_500;
/**
 * Rebuilt documents written per commit, the event loop turning between commits: one commit of
 * every rebuilt document (10,000 graphs) held it for 0.8 s. The version is not live until the
 * switch, so its writes need not be one transaction.
 */
const FLUSH_SLICE = 250;
/** Documents of its live collections a runner keeps as it last committed them (see WrittenDocuments). */
const WRITTEN_DOCUMENTS = 16;

/**
 * The documents a runner last committed to its live collections, as the objects it folded (the least recently
 * written dropped first): the next event on one of them folds onto it instead of reading back and parsing what
 * was just written. A graph of 300 services has a document of 400 KB, read back after each of its events (4 to
 * 6 ms to parse). Only the lease holder's runner writes the live collections, so what it wrote is what is
 * stored; it empties this whenever that may not hold (see the runner's `written`).
 */
class WrittenDocuments {
  private readonly documents = new Map<string, StoredDocument<unknown>>();

  /** `load`, for the ids this holds answered from here. */
  loader(load: DocumentLoader): DocumentLoader {
    return async (collection, ids) => {
      const found = new Map<string, StoredDocument<unknown>>();
      const missing: string[] = [];
      for (const id of ids) {
        const written = this.documents.get(writtenKey(collection, id));
        if (written) found.set(id, written);
        else missing.push(id);
      }
      if (missing.length > 0) for (const [id, document] of await load(collection, missing)) found.set(id, document);
      return found;
    };
  }

  /** After a commit: its documents, deleted ones forgotten. */
  remember(writes: readonly DocumentWrite[]): void {
    for (const write of writes) {
      const key = writtenKey(write.collection, write.id);
      this.documents.delete(key);
      if (write.kind === 'upsert') this.documents.set(key, { id: write.id, doc: write.doc, position: write.position });
    }
    for (const key of this.documents.keys()) {
      if (this.documents.size <= WRITTEN_DOCUMENTS) break;
      this.documents.delete(key);
    }
  }

  clear(): void {
    this.documents.clear();
  }
}

function writtenKey(collection: string, id: string): string {
  return `${collection}\u0000${id}`;
}

/**
 * Runs a projection: events are folded a page at a time, and the documents and the checkpoint
 * are committed together. Rebuilds replay `$all` into a new collection version beside the live
 * one and switch over atomically once caught up (blue/green).
 */
export class ProjectionRunner<TDoc = unknown> extends Runner {
  private readonly writes = new Mutex();
  private rebuilding: RebuildProgress | null = null;
  /** A rebuild started because the stored documents are of another version; null otherwise. */
  private upgrading: Promise<void> | null = null;
  /** false from the start of such a rebuild until a rebuild has switched to summaries built with the documents. */
  private summariesCurrent = true;
  /** The projection, with what its own (pure) code throws marked as the event's fault. */
  private readonly folding: Projection<TDoc>;
  /**
   * What this runner last committed to its live collections. Emptied at each subscription (the lease may have
   * been another instance's meanwhile), after a page that failed (its fold may have changed them without being
   * committed) and when a rebuild switches a collection (its documents may come from another version of the fold).
   */
  private readonly written = new WrittenDocuments();

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
      ...(projection.summaries && {
        summaries: projection.summaries.map((summary) => ({
          collection: summary.collection,
          summaryIds: (change: DocumentChange<TDoc>) => poisonOnThrow(() => summary.summaryIds(change)),
          evolve: (doc: unknown, change: DocumentChange<TDoc>) => poisonOnThrow(() => summary.evolve(doc, change)),
        })),
      }),
    };
  }

  /** Also waits for a rebuild for a new version, which stops between pages (it runs again at the next start). */
  override async stop(): Promise<void> {
    await super.stop();
    await this.upgrading;
  }

  rebuildProgress(): RebuildProgress | null {
    return this.rebuilding;
  }

  protected async consume(subscription: Subscription, signal: AbortSignal): Promise<void> {
    this.written.clear();
    await this.rebuildIfOtherVersion(signal);
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
   * Documents built by another version of the fold (older, or newer after a rollback) are rebuilt,
   * blue/green, beside the live loop (which keeps them current and readable meanwhile); the version
   * is recorded once the rebuild has switched over. A projection that never ran has nothing to
   * rebuild: it starts from the first event.
   */
  private async rebuildIfOtherVersion(signal: AbortSignal): Promise<void> {
    const version = this.projection.version ?? 1;
    if (this.persisted === 0) return recordProjectionVersion(this.deps.readStore, this.name, version);
    const built = (await builtProjectionVersion(this.deps.readStore, this.name)) ?? 1;
    if (built === version || this.upgrading) return;
    this.summariesCurrent = false;
    this.upgrading = (async () => {
      this.deps.logger.info({ projection: this.name, from: built, to: version }, 'rebuilding a read model built by another version');
      await withRetry(() => this.rebuild(undefined, signal), this.retry, { signal, onFailure: (error) => this.noteFailure(error) });
      this.noteRecovered();
    })()
      .catch((error: unknown) => {
        if (!signal.aborted) this.deps.logger.error({ projection: this.name, err: describe(error) }, 'rebuild for another version failed; it runs again at the next start');
      })
      .finally(() => (this.upgrading = null));
  }

  /**
   * Where live pages are written: the logical collections, without the summaries while a rebuild
   * for a new version builds them (live changes would move totals the old documents never counted;
   * the rebuild's summaries replace them, up to the head, and are moved from its switch on).
   */
  private get liveTarget(): ProjectionTarget {
    const target = logicalTarget(this.projection);
    return this.summariesCurrent ? target : { documents: target.documents };
  }

  /**
   * Applies a page with retries; if it keeps failing, applies event by event and parks the events
   * the projection itself cannot fold. A read store that cannot be read or written (disk full,
   * database down) is no fault of the event: the runner fails and resubscribes from its checkpoint
   * instead, so no event is skipped and the read model never silently diverges.
   */
  private async apply(page: RecordedEvent[], signal: AbortSignal): Promise<void> {
    try {
      await this.commitPage(page, signal, (error) => this.noteFailure(error));
      this.noteRecovered();
      return;
    } catch (error) {
      this.written.clear();
      if (signal.aborted) throw error;
      this.deps.logger.warn({ runner: this.checkpointName, err: describe(error) }, 'page failed; applying event by event');
    }
    // Part of the page may have been written: finished first, or folding its events again would skip their changes.
    await this.writes.run(() => this.recoverCommit());
    for (const event of page) {
      try {
        await this.commitPage([event], signal);
      } catch (error) {
        this.written.clear();
        if (signal.aborted || !(error instanceof PoisonEventError)) throw error;
        await this.park(event, error.cause, this.retry.attempts);
        await this.writes.run(() => this.saveCheckpoint(event.position));
      }
    }
  }

  /**
   * Folds a live page and commits its documents together with the fenced checkpoint, with retries.
   * The page is folded once: a failed commit is sent again as folded, since part of it may have been
   * written (a store without transactions), and folding again would skip the changes of the documents
   * written and never write the summaries and follow-ups those changes move.
   */
  private async commitPage(page: readonly RecordedEvent[], signal: AbortSignal, onFailure?: (error: unknown) => void): Promise<void> {
    const last = page[page.length - 1];
    if (!last) return;
    let writes: DocumentWrite[] | null = null;
    await withRetry(
      () =>
        this.writes.run(async () => {
          writes ??= await projectPage(this.written.loader((collection, ids) => this.deps.readStore.getMany(collection, ids)), this.folding, this.liveTarget, page);
          await this.deps.readStore.commit(writes, { name: this.checkpointName, position: last.position, owner: this.lease.owner });
          this.written.remember(writes);
          this.persisted = Math.max(this.persisted, last.position);
          this.markProcessed(last.position);
        }),
      this.retry,
      { signal, ...(onFailure && { onFailure }) },
    );
  }

  /**
   * Replays every matching event into a fresh collection version (and one for the summaries), then
   * switches to it while the live loop is held, so no live write lands in between. The old versions
   * are dropped afterwards.
   */
  rebuild(onProgress: (progress: RebuildProgress) => void = () => undefined, signal?: AbortSignal): Promise<RebuildReport> {
    // Thrown at once, so that a caller that does not wait for the rebuild hears it.
    if (this.rebuilding) throw new RebuildInProgressError(this.name);
    // Only the live loop of this instance is held at the switch: on one standing by, the holder's would write on.
    if (this.state === 'standby') throw new NotLeaseHolderError('Projection', this.name);
    return this.rebuildNow(onProgress, signal);
  }

  private async rebuildNow(onProgress: (progress: RebuildProgress) => void, signal?: AbortSignal): Promise<RebuildReport> {
    const { readStore, eventStore } = this.deps;
    const logical = logicalTarget(this.projection);
    const target: ProjectionTarget = { documents: await readStore.createCollectionVersion(logical.documents) };
    if (logical.summaries !== undefined) {
      const summaries: string[] = [];
      for (const summary of logical.summaries) summaries.push(await readStore.createCollectionVersion(summary));
      target.summaries = summaries;
    }
    const started = performance.now();
    let position = 0;
    let events = 0;
    // The new versions are written by this rebuild alone: keep their documents in memory and write
    // each one once per flush, not once per page (a document touched by many events is written rarely).
    const pending = new Map<string, DocumentWrite>();
    const key = (collection: string, id: string) => `${collection}/${id}`;
    const flush = async () => {
      const writes = [...pending.values()];
      pending.clear();
      for (let from = 0; from < writes.length; from += FLUSH_SLICE) {
        await readStore.commit(writes.slice(from, from + FLUSH_SLICE));
        await yieldIfBusy();
      }
    };
    const load: DocumentLoader = async (collection, ids) => {
      const found = new Map<string, StoredDocument<unknown>>();
      const missing: string[] = [];
      for (const id of ids) {
        const write = pending.get(key(collection, id));
        if (!write) missing.push(id);
        else if (write.kind === 'upsert') found.set(id, { id, doc: write.doc, position: write.position });
      }
      if (missing.length > 0) for (const [id, doc] of await readStore.getMany(collection, missing)) found.set(id, doc);
      return found;
    };
    const report = (head: number): RebuildProgress => {
      const elapsedMs = performance.now() - started;
      return { projection: this.name, collection: target.documents, events, position, head, elapsedMs, eventsPerSecond: elapsedMs > 0 ? (events * 1000) / elapsedMs : 0 };
    };
    const versions = (names: ProjectionTarget) => [names.documents, ...(names.summaries ?? [])];
    this.rebuilding = report((await eventStore.headPosition()) ?? 0);
    let switched = false;
    try {
      const catchUp = async () => {
        const head = (await eventStore.headPosition()) ?? 0;
        for (;;) {
          signal?.throwIfAborted();
          // Positions are opaque (EventStoreDB's are log offsets): read from the last one seen, inclusive, and drop it.
          const read = await eventStore.readAll({ fromPosition: position === 0 ? 'start' : position, maxCount: this.pageSize + 1, filter: this.projection.filter });
          const page = read.filter((event) => event.position > position);
          if (page.length > 0) {
            for (const write of await projectPage(load, this.projection, target, page)) pending.set(key(write.collection, write.id), write);
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
      const previous: ProjectionTarget = { documents: await readStore.activeCollection(logical.documents) };
      if (logical.summaries !== undefined) {
        const summaries: string[] = [];
        for (const summary of logical.summaries) summaries.push(await readStore.activeCollection(summary));
        previous.summaries = summaries;
      }
      await this.writes.run(async () => {
        // Lost meanwhile: another instance's live loop writes the old versions, and would not see the switch.
        if (this.state === 'standby' || !(await this.lease.confirm())) throw new NotLeaseHolderError('Projection', this.name);
        await catchUp();
        // Both versions hold the same events (the live loop is held), so a crash between the switches leaves a consistent pair.
        this.written.clear();
        for (const [index, name] of versions(logical).entries()) await readStore.switchCollection(name, versions(target)[index]!);
        switched = true;
        // Live pages after this one move the new summaries (the old versions are dropped below, outside the lock).
        this.summariesCurrent = true;
        await recordProjectionVersion(readStore, this.name, this.projection.version ?? 1);
      });
      // Unread once switched: dropped without holding the live loop.
      for (const name of versions(previous)) await readStore.dropCollection(name);
      return { ...report(Math.max(position, (await eventStore.headPosition()) ?? 0)), previousCollection: previous.documents };
    } catch (error) {
      // Once switched, the new versions are the live ones: only an unfinished rebuild's are dropped.
      if (!switched) for (const name of versions(target)) await readStore.dropCollection(name).catch(() => undefined);
      throw error;
    } finally {
      this.rebuilding = null;
    }
  }
}

/**
 * Where the version each projection's documents were built with is kept: one document per
 * projection, id its name. Not a checkpoint: those only move up, and a rollback to an older SMO
 * must be able to record its older version (and the next roll forward then sees it differ).
 */
export const PROJECTION_VERSIONS = 'projection-versions';

/** What SMO releases before PROJECTION_VERSIONS recorded: a checkpoint, the highest version ever run. */
const legacyVersionRecord = (name: string) => `projection-version:${name}`;

/** The version the projection's documents were built with (null: not recorded). */
export async function builtProjectionVersion(readStore: ReadStore, name: string): Promise<number | null> {
  const stored = await readStore.get<{ version: number }>(PROJECTION_VERSIONS, name);
  return stored ? stored.doc.version : readStore.getCheckpoint(legacyVersionRecord(name));
}

/**
 * Records the version, up or down: writes are position-guarded, so each record carries the
 * position after the previous one's (one projection's runner holds its lease while it writes).
 */
async function recordProjectionVersion(readStore: ReadStore, name: string, version: number): Promise<void> {
  const stored = await readStore.get<{ version: number }>(PROJECTION_VERSIONS, name);
  if (stored?.doc.version === version) return;
  await readStore.commit([{ kind: 'upsert', collection: PROJECTION_VERSIONS, id: name, doc: { version }, position: (stored?.position ?? 0) + 1 }]);
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

