import {
  LeaseLostError,
  assertFieldPath,
  asStoredJson,
  fieldAt,
  isAnyOf,
  parseCollectionName,
  physicalName,
  type CheckpointUpdate,
  type AnyOf,
  type DocumentWrite,
  type FieldValue,
  type FindQuery,
  assertKeyset,
  type KnownDocument,
  type ReadStore,
  type StoredDocument,
  type LeaseHolder,
} from './read-store';

interface Row {
  doc: unknown | null;
  position: number;
}

interface Checkpoint {
  position: number | null;
  owner: string | null;
  leaseUntil: number;
}

/** In-memory read store for unit tests and throwaway runs; documents are copied in and out. */
export class MemoryReadStore implements ReadStore {
  readonly adapter = 'memory';
  private readonly collections = new Map<string, Map<string, Row>>();
  private readonly checkpoints = new Map<string, Checkpoint>();
  private readonly pointers = new Map<string, { active: string; versions: number }>();
  private changes = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async get<T>(collection: string, id: string): Promise<StoredDocument<T> | null> {
    const row = this.rows(this.resolve(collection)).get(id);
    return row && row.doc !== null ? { id, doc: structuredClone(row.doc) as T, position: row.position } : null;
  }

  async getMany<T>(collection: string, ids: readonly string[]): Promise<Map<string, StoredDocument<T>>> {
    const found = new Map<string, StoredDocument<T>>();
    for (const id of ids) {
      const document = await this.get<T>(collection, id);
      if (document) found.set(id, document);
    }
    return found;
  }

  async find<T>(collection: string, query: FindQuery = {}): Promise<StoredDocument<T>[]> {
    const where = Object.entries(query.where ?? {});
    where.forEach(([field]) => assertFieldPath(field));
    const matches = [...this.rows(this.resolve(collection)).entries()]
      .filter(([id, row]) => row.doc !== null && (query.afterId === undefined || id > query.afterId) && where.every(([field, value]) => fieldMatches(fieldAt(row.doc, field) ?? null, value)))
      .map(([id, row]) => ({ id, doc: structuredClone(row.doc) as T, position: row.position }));
    const order = query.orderBy ?? [];
    order.forEach(({ field }) => assertFieldPath(field));
    const inOrder = (a: { id: string; values: unknown[] }, b: { id: string; values: unknown[] }) => {
      for (const [i, { direction }] of order.entries()) {
        const c = compare(a.values[i], b.values[i]);
        if (c !== 0) return direction === 'desc' ? -c : c;
      }
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    };
    const keyOf = (found: { id: string; doc: unknown }) => ({ id: found.id, values: order.map(({ field }) => fieldAt(found.doc, field)) });
    assertKeyset(query);
    const after = query.after ? { id: query.after.id, values: [...query.after.values] } : undefined;
    const selected = after ? matches.filter((found) => inOrder(keyOf(found), after) > 0) : matches;
    selected.sort((a, b) => inOrder(keyOf(a), keyOf(b)));
    const offset = query.offset ?? 0;
    return selected.slice(offset, query.limit === undefined ? undefined : offset + query.limit);
  }

  async findAgain<T>(collection: string, query: FindQuery, known: ReadonlyMap<string, number>): Promise<Array<StoredDocument<T> | KnownDocument>> {
    return (await this.find<T>(collection, query)).map((found) => (known.get(found.id) === found.position ? { id: found.id, position: found.position } : found));
  }

  async commit(writes: readonly DocumentWrite[], checkpoint?: CheckpointUpdate): Promise<void> {
    if (checkpoint?.owner !== undefined) this.assertLease(checkpoint.name, checkpoint.owner);
    if (writes.length > 0) this.changes++;
    for (const write of writes) {
      const rows = this.rows(this.resolve(write.collection));
      const current = rows.get(write.id);
      if (current && current.position >= write.position) continue;
      rows.set(write.id, { doc: write.kind === 'upsert' ? asStoredJson(write.doc) : null, position: write.position });
    }
    if (checkpoint) {
      const current = this.checkpoints.get(checkpoint.name) ?? { position: null, owner: null, leaseUntil: 0 };
      current.position = Math.max(current.position ?? -Infinity, checkpoint.position);
      this.checkpoints.set(checkpoint.name, current);
    }
  }

  private assertLease(name: string, owner: string): void {
    const lease = this.checkpoints.get(name);
    if (!lease || lease.owner !== owner || lease.leaseUntil <= this.now()) throw new LeaseLostError(name, owner);
  }

  async getCheckpoint(name: string): Promise<number | null> {
    return this.checkpoints.get(name)?.position ?? null;
  }

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const current = this.checkpoints.get(name) ?? { position: null, owner: null, leaseUntil: 0 };
    if (current.owner !== null && current.owner !== owner && current.leaseUntil > this.now()) return false;
    this.checkpoints.set(name, { ...current, owner, leaseUntil: this.now() + ttlMs });
    return true;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    const current = this.checkpoints.get(name);
    if (current?.owner === owner) this.checkpoints.set(name, { ...current, owner: null, leaseUntil: 0 });
  }

  async leaseHolders(): Promise<LeaseHolder[]> {
    const now = this.now();
    return [...this.checkpoints].flatMap(([name, { owner, leaseUntil }]) => (owner !== null && leaseUntil > now ? [{ name, owner }] : []));
  }

  async activeCollection(collection: string): Promise<string> {
    return this.resolve(collection);
  }

  async createCollectionVersion(collection: string): Promise<string> {
    const { logical } = parseCollectionName(collection);
    const pointer = this.pointer(logical);
    pointer.versions++;
    const physical = physicalName(logical, pointer.versions);
    this.collections.set(physical, new Map());
    return physical;
  }

  async switchCollection(collection: string, physical: string): Promise<void> {
    const { logical } = parseCollectionName(collection);
    if (parseCollectionName(physical).logical !== logical) throw new Error(`${physical} is not a version of ${logical}`);
    this.pointer(logical).active = physical;
    this.changes++;
  }

  async dropCollection(physical: string): Promise<void> {
    this.collections.delete(physical);
    this.changes++;
  }

  async close(): Promise<void> {}

  /** Counts changes to documents: a cache in front of this store sees writes that bypassed it. */
  changeStamp(): number {
    return this.changes;
  }

  private pointer(logical: string): { active: string; versions: number } {
    let pointer = this.pointers.get(logical);
    if (!pointer) {
      pointer = { active: physicalName(logical, 1), versions: 1 };
      this.pointers.set(logical, pointer);
    }
    return pointer;
  }

  private resolve(collection: string): string {
    const { logical, version } = parseCollectionName(collection);
    return version === undefined ? this.pointer(logical).active : collection;
  }

  private rows(physical: string): Map<string, Row> {
    let rows = this.collections.get(physical);
    if (!rows) {
      rows = new Map();
      this.collections.set(physical, rows);
    }
    return rows;
  }
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return -1;
  if (b === undefined || b === null) return 1;
  return (a as number | string) < (b as number | string) ? -1 : 1;
}

function fieldMatches(actual: unknown, wanted: FieldValue | AnyOf): boolean {
  return isAnyOf(wanted) ? wanted.in.some((value) => value === actual) : actual === wanted;
}
