/**
 * The read store port: named collections of JSON documents for projections and queries.
 * Every document remembers the event position that last wrote it, and a write carrying a
 * position at or below that one changes nothing — so replaying events is harmless.
 * Collections are versioned for blue/green rebuilds: a plain name ("graphs") means the active
 * version; a physical name ("graphs__v2") addresses one version directly.
 */

export interface StoredDocument<T = unknown> {
  id: string;
  doc: T;
  /** Position of the last event applied to this document. */
  position: number;
  /** The length of the document as stored (its JSON text), when the adapter has it at no cost; the read cache's budget counts it. */
  bytes?: number;
}

/** A document `findAgain` answers without its body: the caller already holds it at this position. */
export interface KnownDocument {
  id: string;
  position: number;
}

export type FieldValue = string | number | boolean | null;

/** A field equal to any of these values (up to a few thousand: they travel as one query parameter). */
export interface AnyOf {
  in: ReadonlyArray<Exclude<FieldValue, null>>;
}

export interface FindQuery {
  /** Field equality, or membership (`{ in: [...] }`); dotted paths reach into nested objects. */
  where?: Record<string, FieldValue | AnyOf>;
  orderBy?: ReadonlyArray<{ field: string; direction?: 'asc' | 'desc' }>;
  /**
   * Only documents whose id sorts after this one (ids compare as ASCII strings): keyset paging in the
   * default order, by id, where the next page starts after the last id of the previous one and costs
   * the same however deep it is (an `offset` pays for every document it skips).
   */
  afterId?: string;
  /**
   * Only documents after this one in the query's order: `values` are its `orderBy` fields' values (in
   * that order, none null, every direction ascending), then its id. Keyset paging in any such order
   * (the list routes' next pages), whether or not that document still exists; checked by `assertKeyset`.
   */
  after?: Keyset;
  limit?: number;
  offset?: number;
}

/** Where a page ends in a query's order: the last document's `orderBy` values, then its id. */
export interface Keyset {
  readonly values: ReadonlyArray<Exclude<FieldValue, null>>;
  readonly id: string;
}

export type DocumentWrite =
  | { kind: 'upsert'; collection: string; id: string; doc: unknown; position: number }
  /** Leaves a tombstone carrying the position, so an older upsert replayed later cannot resurrect the document. */
  | { kind: 'delete'; collection: string; id: string; position: number };

export interface CheckpointUpdate {
  name: string;
  position: number;
  /** When set, the checkpoint moves only while this owner holds the lease (fencing). */
  owner?: string;
}

export interface LeaseHolder {
  name: string;
  owner: string;
}

export interface ReadStore {
  readonly adapter: string;
  get<T>(collection: string, id: string): Promise<StoredDocument<T> | null>;
  getMany<T>(collection: string, ids: readonly string[]): Promise<Map<string, StoredDocument<T>>>;
  find<T>(collection: string, query?: FindQuery): Promise<StoredDocument<T>[]>;
  /**
   * What `find` answers, in its order, except that a document `known` holds at the same position
   * comes without its body (a cache asking again after a write reads and parses only what changed).
   * Positions and bodies are read in one snapshot where the store has them; elsewhere a document
   * changed in between comes in its newer version, and one deleted in between is left out.
   */
  findAgain<T>(collection: string, query: FindQuery, known: ReadonlyMap<string, number>): Promise<Array<StoredDocument<T> | KnownDocument>>;
  /**
   * Applies position-guarded writes and then the checkpoint; atomically where the store has transactions.
   * Where it has none (MongoDB), writes with a checkpoint are recorded first as the checkpoint's pending
   * commit, which `recoverCommit` finishes if the commit is interrupted.
   */
  commit(writes: readonly DocumentWrite[], checkpoint?: CheckpointUpdate): Promise<void>;
  /**
   * Finishes a commit of this checkpoint's that was interrupted (a crash, a dropped connection, an error
   * between two collections' writes, a lease lost midway): applies its writes again and moves the
   * checkpoint past them, fenced by `owner` like a commit. Answers the writes it applied (none when
   * nothing was pending). A runner calls it before it folds from its checkpoint: folding a page again
   * would find its documents already at their positions and skip their changes, so the summaries and
   * follow-ups those changes move would never be written. Absent where `commit` is atomic.
   */
  recoverCommit?(name: string, owner?: string): Promise<readonly DocumentWrite[]>;

  getCheckpoint(name: string): Promise<number | null>;
  /** Takes or renews a lease; false while another owner holds an unexpired one. */
  acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean>;
  releaseLease(name: string, owner: string): Promise<void>;
  /** The leases held now (unexpired), with their owners: what a restarted instance reclaims of its dead predecessor's. */
  leaseHolders?(): Promise<LeaseHolder[]>;

  /** The physical name of the collection's active version. */
  activeCollection(collection: string): Promise<string>;
  /** Creates a new, empty, inactive version and returns its physical name. */
  createCollectionVersion(collection: string): Promise<string>;
  switchCollection(collection: string, physical: string): Promise<void>;
  dropCollection(physical: string): Promise<void>;

  close(): Promise<void>;

  /**
   * A number that changes whenever another connection or process may have changed the store (a
   * cheap, synchronous check for caches in front of it); absent when the store cannot tell cheaply.
   */
  changeStamp?(): number | undefined;
}

export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  constructor(readonly lease: string, readonly owner: string) {
    super(`Lease ${lease} is no longer held by ${owner}`);
  }
}

export class InvalidCollectionNameError extends Error {
  override readonly name = 'InvalidCollectionNameError';
}

export class InvalidQueryError extends Error {
  override readonly name = 'InvalidQueryError';
}

/** A query's `after`, when it has one, matches its order: one non-null value per `orderBy` field, all ascending. */
export function assertKeyset(query: FindQuery): void {
  if (!query.after) return;
  const order = query.orderBy ?? [];
  if (query.after.values.length !== order.length || order.some(({ direction }) => direction === 'desc') || query.after.values.some((value) => value === null)) {
    throw new InvalidQueryError(`A query's after needs one non-null value per orderBy field, all ascending (${order.length} fields, ${query.after.values.length} values)`);
  }
}

const LOGICAL_NAME = /^[a-z][a-z0-9-]{0,62}$/;
const PHYSICAL_NAME = /^([a-z][a-z0-9-]{0,62})__v([1-9][0-9]*)$/;
const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** Splits a collection name into its logical name and, for a physical name, its version. */
export function parseCollectionName(name: string): { logical: string; version?: number } {
  const physical = PHYSICAL_NAME.exec(name);
  if (physical) return { logical: physical[1]!, version: Number(physical[2]) };
  if (LOGICAL_NAME.test(name)) return { logical: name };
  throw new InvalidCollectionNameError(`Invalid collection name ${JSON.stringify(name)}`);
}

export function physicalName(logical: string, version: number): string {
  return `${logical}__v${version}`;
}

/**
 * The document fields `find` selects on without reading a whole collection: the graphs of a project,
 * the graphs waiting for a cluster, a graph's placement decisions, the ledger's graphs placed in given
 * minutes, the documents of one kind in a collection of two (the clusters' load series beside the
 * graphs'). Each adapter indexes them, each with the fields of INDEX_THEN_BY after it, then the id.
 */
export const INDEXED_FIELDS = ['project', 'awaitsCluster', 'graphId', 'placedMinute', 'kind'] as const;

export type IndexedField = (typeof INDEXED_FIELDS)[number];

/**
 * The fields an index orders by after its own: a project's graphs by name, and every project's by
 * project then name (the list routes), come from the index in that order, a page at a time, without
 * reading and sorting every graph.
 */
export const INDEX_THEN_BY: Readonly<Record<IndexedField, readonly string[]>> = { project: ['name'], awaitsCluster: [], graphId: [], placedMinute: [], kind: [] };

export function isAnyOf(value: FieldValue | AnyOf): value is AnyOf {
  return value !== null && typeof value === 'object';
}

/**
 * Every document `query` selects, a page at a time in id order (keyset paging: each page costs the
 * same however far along it starts), so that a job working through a whole collection never reads,
 * parses or holds all of it at once.
 */
export async function* pagesOf<T>(
  store: Pick<ReadStore, 'find'>,
  collection: string,
  query: Pick<FindQuery, 'where'> = {},
  pageSize = 100,
): AsyncGenerator<Array<StoredDocument<T>>> {
  let afterId: string | undefined;
  for (;;) {
    const page = await store.find<T>(collection, { ...query, ...(afterId === undefined ? {} : { afterId }), limit: pageSize });
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    afterId = page[page.length - 1]!.id;
  }
}

export function assertFieldPath(field: string): void {
  if (!FIELD_PATH.test(field)) throw new InvalidCollectionNameError(`Invalid field path ${JSON.stringify(field)}`);
}

/**
 * A document as every adapter stores and answers it: the value of its JSON text, which SQLite stores. No field
 * holds undefined (absent; null in an array), NaN or an infinity (null), -0 (0) or a Date (its ISO text), so
 * an answer is the same whichever adapter gives it. A document whose text is nothing (undefined) is null.
 */
export function asStoredJson(doc: unknown): unknown {
  const text = JSON.stringify(doc);
  return text === undefined ? null : (JSON.parse(text) as unknown);
}

/** Reads a dotted path out of a document (used by the in-memory adapter and tests). */
export function fieldAt(doc: unknown, path: string): unknown {
  let value: unknown = doc;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
