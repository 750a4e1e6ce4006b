import {
  parseCollectionName,
  type CheckpointUpdate,
  type DocumentWrite,
  type FindQuery,
  type KnownDocument,
  type ReadStore,
  type StoredDocument,
  type LeaseHolder,
} from './read-store';
import { deepFreeze } from '../shared/deep-freeze';

/** Something a route derived from a cached document (a serialised body), and until when it holds. */
export interface Rendering<R> {
  value: R;
  /** Epoch ms after which the rendering must be recomputed (it depends on the clock); absent: as long as the document. */
  validUntil?: number;
}

/** Renderings memoised per key; a rendering whose `validUntil` has passed is recomputed. */
class Renderings {
  private readonly byKey = new Map<string, Rendering<unknown>>();

  memo<R>(key: string, render: () => Rendering<R>, now: number): R {
    const known = this.byKey.get(key);
    if (known && (known.validUntil === undefined || now < known.validUntil)) return known.value as R;
    const fresh = render();
    this.byKey.set(key, fresh);
    return fresh.value;
  }
}

/**
 * A read-model document held in memory with the position that wrote it. The document is shared
 * by every reader and deep-frozen: read it, never change it.
 */
export class CachedDocument<T> {
  private readonly renderings = new Renderings();
  /** The cache's move count when this entry last became the newest (see `touch`). */
  movedAt = 0;
  /** When (epoch, ms) and under which store change stamp this copy was last known current. */
  verifiedAt: number;
  verifiedStamp: number | undefined;

  constructor(
    readonly id: string,
    readonly doc: T,
    readonly position: number,
    /** The collection version it was read from: after a blue/green switch, equal positions say nothing. */
    readonly physicalCollection: string,
    verifiedAt: number,
    verifiedStamp: number | undefined,
    /** Its size as stored (JSON text): what it counts against the cache's budget. */
    readonly bytes: number,
  ) {
    this.verifiedAt = verifiedAt;
    this.verifiedStamp = verifiedStamp;
  }

  /** What `render` derives from this document, computed once per document position (and `validUntil`). */
  rendered<R>(key: string, render: (doc: T) => Rendering<R>, now = Date.now()): R {
    return this.renderings.memo(key, () => render(this.doc), now);
  }
}

/** The documents a query found, in its order, with renderings of the whole answer. */
export class CachedResult<T> {
  private readonly renderings = new Renderings();
  /** The cache's move count when this entry last became the newest (see `touch`). */
  movedAt = 0;
  /** Its documents' sizes: what the answer counts against the cache's budget (a document also cached alone counts twice). */
  readonly bytes: number;

  constructor(
    readonly documents: ReadonlyArray<CachedDocument<T>>,
    readonly verifiedAt: number,
    readonly verifiedStamp: number | undefined,
    /** The collection version it was read from, and the collection's write count then (see CachingReadStore.generations). */
    readonly physicalCollection: string,
    readonly generation: number,
  ) {
    this.bytes = documents.reduce((sum, document) => sum + document.bytes, 0);
  }

  rendered<R>(key: string, render: (documents: ReadonlyArray<CachedDocument<T>>) => Rendering<R>, now = Date.now()): R {
    return this.renderings.memo(key, () => render(this.documents), now);
  }
}

export interface CacheOptions {
  /**
   * The size of what is kept, as stored (JSON text), counting the documents of cached query results
   * (least recently used are dropped first: query answers, then documents). A budget in bytes, not
   * in documents: a placement's ledger read during a burst holds thousands of small documents.
   */
  maxBytes?: number;
  maxQueries?: number;
  /**
   * For a store that cannot tell cheaply whether another process changed it (no `changeStamp`):
   * how long a cached copy is served before it is checked against the store again.
   */
  maxStalenessMs?: number;
  now?: () => number;
}

// 8 MiB of stored JSON: about 800 documents of 10 KB, or the ledger's answer for 8,000 recent graphs (about 500 B each, counted in the answer and again as copies).
const DEFAULTS = { maxBytes: 8 * 1024 * 1024, maxQueries: 200, maxStalenessMs: 1000 };

/**
 * The read store with a cache of parsed, position-stamped documents for the query routes and
 * for the processors' reads that only look (placement's clusters and ledger).
 *
 * Every method of the port passes through unchanged (projections read fresh, private copies).
 * `cachedGet` and `cachedFind` serve shared, frozen copies, kept coherent so:
 * - writes through this store (every projection commit of this process) drop the documents they
 *   touch, and make every cached query of their collection be asked again, before the commit
 *   returns, so once a runner reports a position processed (`whenProcessed`), no older copy is served;
 * - writes by another process (a second SMO over the same SQLite file, or over the same MongoDB):
 *   when the store has a `changeStamp` (SQLite's data_version), a changed stamp makes every copy
 *   be checked again before it is served — no staleness at all; otherwise a copy older than
 *   `maxStalenessMs` is checked again — staleness bounded by it;
 * - a read that overlapped a write is answered but not cached, and a copy never replaces a newer
 *   one, so this process never serves a document older than one it has served since.
 * A copy checked again and found at the same position keeps what was rendered from it.
 */
export class CachingReadStore implements ReadStore {
  readonly adapter: string;
  private readonly documents = new SizedEntries<CachedDocument<unknown>>();
  private readonly queries = new SizedEntries<CachedResult<unknown>>();
  /** Per logical collection: bumped by every write, switch or drop, so an overlapping read is not cached. */
  private readonly generations = new Map<string, number>();
  private readonly options: Required<Omit<CacheOptions, 'now'>>;
  private readonly now: () => number;
  /** The store's change stamp, read once per turn of the event loop (see `currentStamp`). */
  private stamp: { value: number | undefined } | null = null;
  /** Entries made newest so far, in either map (see `touch`). */
  private moves = 0;

  constructor(
    readonly inner: ReadStore,
    options: CacheOptions = {},
  ) {
    this.adapter = inner.adapter;
    this.options = { ...DEFAULTS, ...stripUndefined(options) };
    this.now = options.now ?? Date.now;
  }

  /**
   * The cached copy when it is current, without waiting (the hot path of the document routes);
   * undefined when it must be read (then `cachedGet`).
   */
  cachedNow<T>(collection: string, id: string): CachedDocument<T> | undefined {
    const key = documentKey(collection, id);
    const known = this.documents.get(key) as CachedDocument<T> | undefined;
    if (!known || !this.isCurrent(known, this.currentStamp())) return undefined;
    this.touch(this.documents, key, known);
    return known;
  }

  /** The document as a shared, frozen, position-stamped copy (see the class comment for coherence). */
  async cachedGet<T>(collection: string, id: string): Promise<CachedDocument<T> | null> {
    const current = this.cachedNow<T>(collection, id);
    if (current) return current;
    const key = documentKey(collection, id);
    const stamp = this.currentStamp();
    const logical = parseCollectionName(collection).logical;
    const generation = this.generation(logical);
    const physical = await this.inner.activeCollection(collection);
    const stored = await this.inner.get<T>(physical, id);
    if (!stored) {
      if (this.generation(logical) === generation) this.documents.delete(key);
      return null;
    }
    return this.keep(key, stored, physical, logical, generation, stamp);
  }

  /**
   * The cached answer to the query when it is current, without waiting (the hot path of the list
   * route); undefined when it must be asked (then `cachedFind`).
   */
  cachedFindNow<T>(collection: string, query: FindQuery = {}): CachedResult<T> | undefined {
    const key = queryKey(collection, query);
    const known = this.queries.get(key) as CachedResult<T> | undefined;
    if (!known || known.generation !== this.generation(parseCollectionName(collection).logical) || !this.isCurrent(known, this.currentStamp())) return undefined;
    this.touch(this.queries, key, known);
    return known;
  }

  /**
   * A query's documents as shared, frozen copies. A cached answer is served until a write to the
   * collection (or, from another process, a changed store stamp); the query is then asked again
   * with `findAgain`, and only the documents whose position changed since are read and parsed: a
   * placement decision during a burst of deploys reads the ledger's recent graphs again after
   * every placement, and all but one are unchanged.
   */
  async cachedFind<T>(collection: string, query: FindQuery = {}): Promise<CachedResult<T>> {
    const current = this.cachedFindNow<T>(collection, query);
    if (current) return current;
    const key = queryKey(collection, query);
    const stamp = this.currentStamp();
    const logical = parseCollectionName(collection).logical;
    const generation = this.generation(logical);
    const previous = this.queries.get(key) as CachedResult<T> | undefined;
    const physical = await this.inner.activeCollection(collection);
    const held = new Map(previous?.physicalCollection === physical ? previous.documents.map((document) => [document.id, document]) : []);
    const found = await this.inner.findAgain<T>(physical, query, new Map([...held].map(([id, document]) => [id, document.position])));
    const documents = found.map((document) =>
      'doc' in document ? this.keep(documentKey(collection, document.id), document, physical, logical, generation, stamp) : held.get(document.id)!,
    );
    const result = new CachedResult<T>(documents, this.now(), stamp, physical, generation);
    if (this.generation(logical) === generation) {
      this.makeNewest(this.queries, key, result as CachedResult<unknown>);
      this.evict();
    }
    return result;
  }

  get<T>(collection: string, id: string): Promise<StoredDocument<T> | null> {
    return this.inner.get(collection, id);
  }

  getMany<T>(collection: string, ids: readonly string[]): Promise<Map<string, StoredDocument<T>>> {
    return this.inner.getMany(collection, ids);
  }

  find<T>(collection: string, query?: FindQuery): Promise<StoredDocument<T>[]> {
    return this.inner.find(collection, query);
  }

  findAgain<T>(collection: string, query: FindQuery, known: ReadonlyMap<string, number>): Promise<Array<StoredDocument<T> | KnownDocument>> {
    return this.inner.findAgain(collection, query, known);
  }

  async commit(writes: readonly DocumentWrite[], checkpoint?: CheckpointUpdate): Promise<void> {
    try {
      await this.inner.commit(writes, checkpoint);
    } finally {
      // Also after a failure: a store without transactions may have applied part of the writes.
      for (const write of writes) this.forgetDocument(write.collection, write.id);
    }
  }

  async recoverCommit(name: string, owner?: string): Promise<readonly DocumentWrite[]> {
    if (!this.inner.recoverCommit) return [];
    let writes: readonly DocumentWrite[] | null = null;
    try {
      writes = await this.inner.recoverCommit(name, owner);
      return writes;
    } finally {
      if (writes) for (const write of writes) this.forgetDocument(write.collection, write.id);
      else {
        // Failed, the writes unknown: part of them may have landed (rare; the runner then resubscribes and recovers again).
        this.documents.clear();
        this.queries.clear();
      }
    }
  }

  changeStamp(): number | undefined {
    return this.inner.changeStamp?.();
  }

  getCheckpoint(name: string): Promise<number | null> {
    return this.inner.getCheckpoint(name);
  }

  acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.inner.acquireLease(name, owner, ttlMs);
  }

  releaseLease(name: string, owner: string): Promise<void> {
    return this.inner.releaseLease(name, owner);
  }

  leaseHolders(): Promise<LeaseHolder[]> {
    return this.inner.leaseHolders?.() ?? Promise.resolve([]);
  }

  activeCollection(collection: string): Promise<string> {
    return this.inner.activeCollection(collection);
  }

  createCollectionVersion(collection: string): Promise<string> {
    return this.inner.createCollectionVersion(collection);
  }

  async switchCollection(collection: string, physical: string): Promise<void> {
    try {
      await this.inner.switchCollection(collection, physical);
    } finally {
      this.forgetCollection(collection);
    }
  }

  async dropCollection(physical: string): Promise<void> {
    try {
      await this.inner.dropCollection(physical);
    } finally {
      this.forgetCollection(physical);
    }
  }

  async close(): Promise<void> {
    this.documents.clear();
    this.queries.clear();
    await this.inner.close();
  }

  /**
   * The store's change stamp, read at most once per turn of the event loop: a request that reaches
   * this process after another process committed is read from the socket in a later turn, so it
   * sees the new stamp — as if the stamp were read for every request, at a fraction of the cost.
   */
  private currentStamp(): number | undefined {
    if (!this.inner.changeStamp) return undefined;
    if (!this.stamp) {
      this.stamp = { value: this.inner.changeStamp() };
      setImmediate(() => (this.stamp = null));
    }
    return this.stamp.value;
  }

  /** A copy is served as is while the store's stamp is unchanged (or, without a stamp, within maxStalenessMs). */
  private isCurrent(entry: { verifiedAt: number; verifiedStamp: number | undefined }, stamp: number | undefined): boolean {
    return stamp === undefined ? this.now() - entry.verifiedAt <= this.options.maxStalenessMs : entry.verifiedStamp === stamp;
  }

  /**
   * The cached copy of what was just read: the known one when it is at the same position of the
   * same collection version (its renderings stay), never one older than what is cached, and cached
   * only if no write to the collection overlapped the read.
   */
  private keep<T>(key: string, stored: StoredDocument<T>, physical: string, logical: string, generation: number, stamp: number | undefined): CachedDocument<T> {
    const known = this.documents.get(key) as CachedDocument<T> | undefined;
    const undisturbed = this.generation(logical) === generation;
    if (known && known.physicalCollection === physical && known.position >= stored.position) {
      if (undisturbed && known.position === stored.position) {
        known.verifiedAt = this.now();
        known.verifiedStamp = stamp;
      }
      return known;
    }
    const bytes = stored.bytes ?? JSON.stringify(stored.doc).length;
    const entry = new CachedDocument<T>(stored.id, deepFreeze(stored.doc), stored.position, physical, this.now(), stamp, bytes);
    if (undisturbed) {
      this.makeNewest(this.documents, key, entry as CachedDocument<unknown>);
      this.evict();
    }
    return entry;
  }

  private forgetDocument(collection: string, id: string): void {
    const { logical } = parseCollectionName(collection);
    this.bump(logical);
    this.documents.delete(documentKey(logical, id));
    this.documents.delete(documentKey(collection, id));
    // The collection's cached queries stay, but stale (their generation): asked again, they lend their unchanged documents.
  }

  private forgetCollection(collection: string): void {
    const { logical } = parseCollectionName(collection);
    this.bump(logical);
    for (const key of this.documents.keys()) if (logicalOfKey(key) === logical) this.documents.delete(key);
    this.forgetQueries(logical);
  }

  private forgetQueries(logical: string): void {
    for (const key of this.queries.keys()) if (logicalOfKey(key) === logical) this.queries.delete(key);
  }

  private generation(logical: string): number {
    return this.generations.get(logical) ?? 0;
  }

  private bump(logical: string): void {
    this.generations.set(logical, this.generation(logical) + 1);
  }

  /**
   * Least-recently-used order is the maps' insertion order. A hit moves its entry to the newest end
   * only once it may be in the older half: an entry moved fewer than size/2 moves ago (moves of
   * both maps counted) is not, so most hits cost one comparison instead of a delete and a set.
   */
  private touch<V extends Entry>(map: SizedEntries<V>, key: string, value: V): void {
    if (this.moves - value.movedAt >= map.size / 2) this.makeNewest(map, key, value);
  }

  /** Puts the entry at the newest end of its map and stamps it. */
  private makeNewest<V extends Entry>(map: SizedEntries<V>, key: string, value: V): void {
    value.movedAt = ++this.moves;
    map.setNewest(key, value);
  }

  private evict(): void {
    while (this.queries.size > this.options.maxQueries) this.queries.deleteOldest();
    const overBudget = () => this.documents.bytes + this.queries.bytes > this.options.maxBytes;
    while (this.queries.size > 0 && overBudget()) this.queries.deleteOldest();
    while (this.documents.size > 0 && overBudget()) this.documents.deleteOldest();
  }
}

interface Entry {
  movedAt: number;
  readonly bytes: number;
}

/** Cache entries in least-recently-used order (a Map's insertion order), with the sum of their sizes. */
class SizedEntries<V extends Entry> {
  private readonly map = new Map<string, V>();
  bytes = 0;

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  /** Puts the entry at the newest end (deleting first: `set` on a present key keeps its old place). */
  setNewest(key: string, value: V): void {
    this.delete(key);
    this.map.set(key, value);
    this.bytes += value.bytes;
  }

  delete(key: string): void {
    const known = this.map.get(key);
    if (!known) return;
    this.map.delete(key);
    this.bytes -= known.bytes;
  }

  deleteOldest(): void {
    const oldest = this.map.keys().next();
    if (!oldest.done) this.delete(oldest.value);
  }

  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }
}

function queryKey(collection: string, query: FindQuery): string {
  return `${collection}\u0000${JSON.stringify(query)}`;
}

function documentKey(collection: string, id: string): string {
  return `${collection}\u0000${id}`;
}

function logicalOfKey(key: string): string {
  return parseCollectionName(key.slice(0, key.indexOf('\u0000'))).logical;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
