import type { SQLOutputValue, StatementSync } from 'node:sqlite';
import { TransactionAbortedError, type SqliteDatabase } from '../sqlite/sqlite-database';
import { CommitScheduler } from '../sqlite/commit-scheduler';
import { NEW_STREAM, decideAppend, serializeBatch, type SerializedEvent, type StreamState } from './append-rules';
import { AppendNotifier, CatchUpSubscription } from './catch-up-subscription';
import {
  ANY,
  DEFAULT_MAX_APPEND_SIZE,
  streamCategory,
  type AppendOptions,
  type AppendResult,
  type EventFilter,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
  type Subscription,
} from './event-store';
import { decodeRecordedEvent } from './decode';
import { RecentEvents } from './recent-events';
import { EventStoreUnavailableError, StreamNotFoundError } from './errors';

/** SQLite primary result codes that mean "cannot write now", not "this append is wrong": BUSY, NOMEM, READONLY, IOERR, CORRUPT, FULL, CANTOPEN. */
const STORAGE_FAILURES = new Set([5, 7, 8, 10, 11, 13, 14]);

/** A storage failure becomes EventStoreUnavailableError (the API answers 503); anything else is left as it is. */
function storageFailure(error: unknown): unknown {
  const cause = error instanceof TransactionAbortedError ? error.cause : error;
  const errcode = (cause as { errcode?: unknown } | null)?.errcode;
  if (error instanceof TransactionAbortedError || (typeof errcode === 'number' && STORAGE_FAILURES.has(errcode & 0xff))) {
    return new EventStoreUnavailableError(cause instanceof Error ? cause.message : String(cause), { cause });
  }
  return error;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS es_streams (
  stream_id TEXT PRIMARY KEY,
  last_revision INTEGER NOT NULL,
  first_revision INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS es_events (
  position INTEGER PRIMARY KEY AUTOINCREMENT,
  stream_id TEXT NOT NULL,
  revision INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  type TEXT NOT NULL,
  category TEXT NOT NULL,
  data TEXT NOT NULL,
  metadata TEXT NOT NULL,
  created TEXT NOT NULL,
  UNIQUE (stream_id, revision),
  UNIQUE (stream_id, event_id)
);
CREATE INDEX IF NOT EXISTS es_events_by_type ON es_events (type, position);
CREATE INDEX IF NOT EXISTS es_events_by_category ON es_events (category, position);
CREATE INDEX IF NOT EXISTS es_events_by_correlation ON es_events (json_extract(metadata, '$.correlationId'));
`;

const COLUMNS = 'position, stream_id, revision, event_id, type, data, metadata, created';
/** How many of the latest appended events are kept for subscriptions that follow the head (see RecentEvents). */
const RECENT_EVENTS = 1000;

interface PendingAppend {
  streamId: string;
  events: SerializedEvent[];
  expected: ExpectedRevision;
  acknowledge: NonNullable<AppendOptions['acknowledge']>;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** A group commit on its way to disk, and the appends acknowledged once it is there. */
interface CommittedBatch {
  firstPosition: number | undefined;
  committed: Row[];
  acknowledge: Array<{ append: PendingAppend; result: AppendResult }>;
}

/**
 * How long a commit whose appends were all acknowledged at commit waits for another flush to take it along: longer
 * than a loaded server takes from a deploy's reservation to its submission, else the submission's flush queues behind
 * the reservation's. It delays only when those events reach subscriptions, never an acknowledgement.
 */
const COMMITTED_FLUSH_DELAY_MS = 50;

/**
 * The embedded event store: one SQLite file in WAL mode. Appends queued together are committed
 * together (group commit, one savepoint each), which amortises the fsync that makes every
 * acknowledged append durable; CommitScheduler says when: at once while the turn's commits are
 * cheap, at the turn's end once they are not.
 */
export class SqliteEventStore implements EventStore {
  readonly adapter = 'sqlite';
  private readonly notifier = new AppendNotifier();
  private readonly recent = new RecentEvents(RECENT_EVENTS);
  private readonly statements: Record<string, StatementSync>;
  private queue: PendingAppend[] = [];
  private flushing: Promise<void> | null = null;
  private readonly commits = new CommitScheduler();
  /** The first position of each committed batch whose flush to disk is under way, oldest first: subscriptions read up to before the first. */
  private readonly notDurableFrom: number[] = [];
  /** The last flush to disk asked for (each covers the commits before it). */
  private durable: Promise<void> = Promise.resolve();
  /** Committed batches no flush to disk has taken yet, oldest first. */
  private readonly awaitingFlush: CommittedBatch[] = [];
  /** Set once a flush failed: the store takes no append until SMO restarts. */
  private syncFailure: EventStoreUnavailableError | undefined;
  /**
   * Every event up to here is on disk: a flush of this process's covered it (an fdatasync flushes the
   * whole WAL, whoever wrote it). Another process on the file may have committed events past it that
   * it has not flushed yet; subscriptions read past it only after a flush of their own.
   */
  private durableThrough = 0;
  /**
   * What the file held at open (a crashed process's unflushed commits too) is flushed before any
   * subscription reads it. Started here, before the processors start: a first flush made once their
   * catch-up filled the WAL stalled the event loop's own writes to it (/health: 0.3 s at 100k events, 1.5–3.3 s at 1M).
   */
  private readonly flushedAtOpen: Promise<void>;

  constructor(
    private readonly database: SqliteDatabase,
    private readonly options: { maxAppendSize?: number; now?: () => Date } = {},
  ) {
    database.db.exec(SCHEMA);
    const db = database.db;
    this.statements = {
      stream: db.prepare('SELECT last_revision, first_revision, deleted FROM es_streams WHERE stream_id = ?'),
      existingIds: db.prepare(
        'SELECT event_id, revision FROM es_events WHERE stream_id = ? AND event_id IN (SELECT value FROM json_each(?))',
      ),
      insert: db.prepare(
        'INSERT INTO es_events (stream_id, revision, event_id, type, category, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      upsertStream: db.prepare(
        `INSERT INTO es_streams (stream_id, last_revision, first_revision, deleted) VALUES (?, ?, ?, ?)
         ON CONFLICT (stream_id) DO UPDATE SET last_revision = excluded.last_revision,
           first_revision = excluded.first_revision, deleted = excluded.deleted`,
      ),
      positionOf: db.prepare('SELECT position FROM es_events WHERE stream_id = ? AND revision = ?'),
      // The UNIQUE (stream_id, event_id) index answers it.
      eventById: db.prepare(`SELECT ${COLUMNS} FROM es_events WHERE stream_id = ? AND event_id = ?`),
      head: db.prepare('SELECT MAX(position) AS head FROM es_events'),
    };
    this.flushedAtOpen = this.flushThrough(this.headNow());
  }

  appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    try {
      if (this.syncFailure) return Promise.reject(this.syncFailure);
      const serialized = serializeBatch(streamId, events, this.options.maxAppendSize ?? DEFAULT_MAX_APPEND_SIZE);
      return new Promise((resolve, reject) => {
        this.queue.push({ streamId, events: serialized, expected: options.expectedRevision ?? ANY, acknowledge: options.acknowledge ?? 'durable', resolve, reject });
        this.flushing ??= this.commits.schedule(() => this.flush());
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Commits every queued append in one transaction; a failed append rolls back only its savepoint.
   * The appends are acknowledged once the commit is on disk (flushToDisk), those that asked for it
   * (`acknowledge: 'committed'`) at once; either way their events reach subscriptions only from disk.
   */
  private flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    this.flushing = null;
    const outcomes: Array<{ ok: true; result: AppendResult } | { ok: false; error: unknown }> = [];
    const committed: Row[] = [];
    try {
      this.database.transaction(() => {
        for (const append of batch) {
          try {
            const rows: Row[] = [];
            outcomes.push({ ok: true, result: this.database.transaction(() => this.appendNow(append, rows)) });
            committed.push(...rows);
          } catch (error) {
            // SQLite rolled the whole batch back (e.g. disk full): the appends before this one are gone too.
            if (error instanceof TransactionAbortedError) throw error;
            outcomes.push({ ok: false, error: storageFailure(error) });
          }
        }
      });
    } catch (commitError) {
      const failure = storageFailure(commitError);
      batch.forEach((append) => append.reject(failure));
      return Promise.resolve();
    }
    const succeeded = batch.flatMap((append, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) return [{ append, result: outcome.result }];
      append.reject(outcome?.error);
      return [];
    });
    if (succeeded.length === 0) return Promise.resolve();
    // Acknowledged at commit: the command's next append, flushed after it, carries it to disk.
    const atCommit = succeeded.filter(({ append }) => append.acknowledge === 'committed');
    atCommit.forEach(({ append, result }) => append.resolve(result));
    const firstPosition = committed.length > 0 ? Number(committed[0]!['position']) : undefined;
    if (firstPosition !== undefined) this.notDurableFrom.push(firstPosition);
    this.awaitingFlush.push({ firstPosition, committed, acknowledge: succeeded.filter(({ append }) => append.acknowledge !== 'committed') });
    if (atCommit.length === succeeded.length) {
      // Nothing here waits for the disk: the next flush takes these commits along, and this one runs
      // only if none has started by then (the events reach subscriptions once on disk).
      setTimeout(() => void this.flushToDisk(), COMMITTED_FLUSH_DELAY_MS);
      return Promise.resolve();
    }
    return this.flushToDisk();
  }

  /**
   * Flushes every commit made so far to disk (SqliteDatabase.sync, off the event loop), then acknowledges
   * the appends that waited for it and hands their events to subscriptions.
   */
  private flushToDisk(): Promise<void> {
    const batches = this.awaitingFlush.splice(0);
    if (batches.length === 0) return this.durable;
    const durable = this.flushThrough(this.headNow()).then(() => {
      for (const { firstPosition, committed, acknowledge } of batches) {
        // This flush or an earlier one failed: these events may rest on commits the disk lost.
        if (this.syncFailure) {
          acknowledge.forEach(({ append }) => append.reject(this.syncFailure));
          continue;
        }
        if (firstPosition !== undefined) this.notDurableFrom.shift();
        this.recent.add(committed.map((row) => ({ position: Number(row['position']), decode: () => toRecorded(row) })));
        acknowledge.forEach(({ append, result }) => append.resolve(result));
      }
      this.notifier.notify();
    });
    this.durable = durable;
    return durable;
  }

  /**
   * Whether the disk holds the commits is unknown (after a failed fsync Linux may drop the dirty
   * pages): the events stay hidden from subscriptions, and every later append fails, until SMO
   * restarts and SQLite reads back what the disk holds.
   */
  private flushFailed(error: unknown): EventStoreUnavailableError {
    this.syncFailure ??= new EventStoreUnavailableError(`the event store could not flush its commits to disk: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
    return this.syncFailure;
  }

  /**
   * The head of `$all` a subscription may read up to: short of this process's commits whose flush is
   * under way, and past the last flush only once a flush of its own has put the events on disk (they
   * were committed by another process on the file, which may not have flushed them yet).
   */
  private async subscribableHead(): Promise<number> {
    await this.flushedAtOpen;
    const head = this.headBeforeOwnFlushes();
    if (head > this.durableThrough && !this.syncFailure) await this.flushThrough(head);
    return Math.min(head, this.durableThrough);
  }

  /** Flushes the WAL, off the event loop: every event up to `head`, committed before the call, is then on disk. Never rejects. */
  private flushThrough(head: number): Promise<void> {
    return this.database.sync().then(
      () => void (this.durableThrough = Math.max(this.durableThrough, head)),
      (error: unknown) => void this.flushFailed(error),
    );
  }

  /** Appends one stream's events (inside the flush's transaction); `rows` receives them as stored. */
  private appendNow({ streamId, events, expected }: PendingAppend, rows: Row[]): AppendResult {
    const state = this.streamState(streamId);
    // A stream never written cannot hold these ids yet: skip the idempotency lookup.
    const existing =
      state.lastRevision < 0
        ? new Map<string, number>()
        : new Map(
            (this.statements.existingIds!.all(streamId, JSON.stringify(events.map((e) => e.id))) as Array<{ event_id: string; revision: number }>).map(
              (row) => [row.event_id, row.revision],
            ),
          );
    const decision = decideAppend(
      streamId,
      state,
      expected,
      events.map((e) => existing.get(e.id)),
    );
    if (decision.kind === 'duplicate') {
      const row = this.statements.positionOf!.get(streamId, decision.lastRevision) as { position: number };
      return { nextExpectedRevision: decision.lastRevision, position: row.position };
    }
    const created = (this.options.now?.() ?? new Date()).toISOString();
    const category = streamCategory(streamId);
    let position = 0;
    events.forEach((event, index) => {
      const revision = decision.firstRevision + index;
      const info = this.statements.insert!.run(streamId, revision, event.id, event.type, category, event.data, event.metadata, created);
      position = Number(info.lastInsertRowid);
      rows.push({ position, stream_id: streamId, revision, event_id: event.id, type: event.type, data: event.data, metadata: event.metadata, created });
    });
    const lastRevision = decision.firstRevision + events.length - 1;
    this.statements.upsertStream!.run(streamId, lastRevision, state.firstRevision, 0);
    return { nextExpectedRevision: lastRevision, position };
  }

  private streamState(streamId: string): StreamState {
    const row = this.statements.stream!.get(streamId) as { last_revision: number; first_revision: number; deleted: number } | undefined;
    return row ? { lastRevision: row.last_revision, firstRevision: row.first_revision, deleted: row.deleted === 1 } : NEW_STREAM;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    return this.database.snapshot(() => {
      const state = this.streamState(streamId);
      if (state.deleted || state.lastRevision < 0) throw new StreamNotFoundError(streamId);
      const backwards = options.direction === 'backwards';
      const from = options.fromRevision;
      if ((from === 'end' && !backwards) || (from === 'start' && backwards)) return [];
      const bound = typeof from === 'number' ? from : backwards ? Number.MAX_SAFE_INTEGER : 0;
      // One lower bound only: given two (`revision >= ? AND revision >= ?`) SQLite ranges the index on
      // the first and scans from there, which made a read from a late revision cost the whole stream.
      const sql = backwards
        ? `SELECT ${COLUMNS} FROM es_events WHERE stream_id = ? AND revision >= ? AND revision <= ? ORDER BY revision DESC LIMIT ?`
        : `SELECT ${COLUMNS} FROM es_events WHERE stream_id = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`;
      const parameters = backwards ? [streamId, state.firstRevision, bound] : [streamId, Math.max(state.firstRevision, bound)];
      const rows = this.database.prepare(sql).all(...parameters, options.maxCount ?? -1);
      return rows.map(toRecorded);
    });
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const from = options.fromPosition;
    if ((from === 'end' && !backwards) || (from === 'start' && backwards)) return [];
    const bound = typeof from === 'number' ? from : backwards ? Number.MAX_SAFE_INTEGER : 0;
    const { clause, params } = filterClause(options.filter);
    const sql = `SELECT ${COLUMNS} FROM es_events WHERE position ${backwards ? '<=' : '>='} ? ${clause}
      ORDER BY position ${backwards ? 'DESC' : 'ASC'} LIMIT ?`;
    const rows = this.database.prepare(sql).all(bound, ...params, options.maxCount ?? -1);
    return rows.map(toRecorded);
  }

  async findEvent(streamId: string, eventId: string): Promise<RecordedEvent | null> {
    return this.database.snapshot(() => {
      const state = this.streamState(streamId);
      if (state.deleted || state.lastRevision < 0) return null;
      const row = this.statements.eventById!.get(streamId, eventId);
      if (!row) return null;
      const event = toRecorded(row);
      return event.revision >= state.firstRevision ? event : null;
    });
  }

  async readByCorrelationId(correlationId: string, maxCount = 1000): Promise<RecordedEvent[]> {
    const rows = this.database
      .prepare(`SELECT ${COLUMNS} FROM es_events WHERE json_extract(metadata, '$.correlationId') = ? ORDER BY position LIMIT ?`)
      .all(correlationId, maxCount);
    return rows.map(toRecorded);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    return new CatchUpSubscription(
      {
        readPageAfter: async (position, limit, filter) => {
          const head = await this.subscribableHead();
          // Following the head: the events this process just appended, without a read transaction.
          const recent = this.recent.pageAfter(position, limit, filter, head);
          return recent ? { events: recent, head } : this.database.snapshot(() => this.pageAfter(position, head, limit, filter));
        },
        appendSequence: () => this.notifier.current(),
        waitForAppend: (since, pollMs, signal) => this.notifier.wait(since, pollMs, signal),
      },
      options,
    );
  }

  private pageAfter(position: number, head: number, limit: number, filter: EventFilter | undefined): { events: RecordedEvent[]; head: number } {
    const { clause, params } = filterClause(filter);
    const statement = this.database.prepare(`SELECT ${COLUMNS} FROM es_events WHERE position > ? AND position <= ? ${clause} ORDER BY position LIMIT ?`);
    const rows = statement.all(position, head, ...params, limit);
    return { events: rows.map(toRecorded), head };
  }

  /** The newest position committed to the file, by any process. */
  private headNow(): number {
    return (this.statements.head!.get() as { head: number | null }).head ?? 0;
  }

  /** The head of `$all` short of the events this process committed whose flush to disk is under way. */
  private headBeforeOwnFlushes(): number {
    const head = this.headNow();
    const firstNotDurable = this.notDurableFrom[0];
    return firstNotDurable === undefined ? head : Math.min(head, firstNotDurable - 1);
  }

  async deleteStream(streamId: string, options: AppendOptions = {}): Promise<void> {
    await this.drain();
    if (this.syncFailure) throw this.syncFailure;
    this.database.transaction(() => {
      const state = this.streamState(streamId);
      decideAppend(streamId, state, options.expectedRevision ?? ANY, []);
      this.statements.upsertStream!.run(streamId, state.lastRevision, state.lastRevision + 1, 1);
    });
    await this.database.sync();
  }

  /** Throws once a flush failed, so that /health and /health/ready say the store is down until SMO restarts. */
  async headPosition(): Promise<number | null> {
    if (this.syncFailure) throw this.syncFailure;
    return (this.statements.head!.get() as { head: number | null }).head;
  }

  /** Waits until every append queued so far is committed and flushed to disk (or failed). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
    await this.flushToDisk().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.drain();
  }
}

function filterClause(filter: EventFilter | undefined): { clause: string; params: string[] } {
  const parts: string[] = [];
  const params: string[] = [];
  if (filter?.eventTypes) {
    parts.push('AND type IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(filter.eventTypes));
  }
  if (filter?.streamCategories) {
    parts.push('AND category IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(filter.streamCategories));
  }
  return { clause: parts.join(' '), params };
}

type Row = Record<string, SQLOutputValue>;

function toRecorded(row: Row): RecordedEvent {
  return decodeRecordedEvent({
    id: text(row, 'event_id'),
    type: text(row, 'type'),
    data: JSON.parse(text(row, 'data')),
    metadata: JSON.parse(text(row, 'metadata')),
    streamId: text(row, 'stream_id'),
    revision: integer(row, 'revision'),
    position: integer(row, 'position'),
    created: text(row, 'created'),
  });
}

function text(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new TypeError(`events.${column} is not text`);
  return value;
}

function integer(row: Row, column: string): number {
  const value = row[column];
  if (typeof value !== 'number' && typeof value !== 'bigint') throw new TypeError(`events.${column} is not an integer`);
  return Number(value);
}
