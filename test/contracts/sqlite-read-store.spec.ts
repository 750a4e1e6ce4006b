import { SqliteReadStore } from '../../src/readstore/sqlite-read-store';
import { SqliteDatabase } from '../../src/sqlite/sqlite-database';
import { describeReadStoreContract } from './read-store.contract';

describeReadStoreContract('sqlite', async () => {
  const database = new SqliteDatabase({ path: ':memory:' });
  let offset = 0;
  const store = new SqliteReadStore(database, () => Date.now() + offset);
  return { store, advance: (ms) => (offset += ms), dispose: async () => database.close() };
});

describe('SqliteReadStore: the list queries read a page, however many graphs there are', () => {
  /** SQLite's plan for the statement `find` prepares for `query`: how it reads, not what it answers. */
  async function planOf(query: Parameters<SqliteReadStore['find']>[1]): Promise<string[]> {
    const database = new SqliteDatabase({ path: ':memory:' });
    const store = new SqliteReadStore(database);
    const prepared: string[] = [];
    const prepare = database.prepare.bind(database);
    database.prepare = (sql: string) => (prepared.push(sql), prepare(sql));
    await store.find('graphs', query);
    const select = prepared.find((sql) => sql.includes('FROM rs_documents'))!;
    const plan = database.db.prepare(`EXPLAIN QUERY PLAN ${select}`).all() as Array<{ detail: string }>;
    database.close();
    return plan.map((step) => step.detail);
  }

  it.each([
    ["a project's graphs by name (GET /project/{p}/graphs)", { where: { project: 'p' }, orderBy: [{ field: 'name' }], limit: 101 }],
    ["every project's graphs by project, then name (GET /graphs, the console's list)", { orderBy: [{ field: 'project' }, { field: 'name' }], limit: 101 }],
    ["a project's next page (?after=)", { where: { project: 'p' }, orderBy: [{ field: 'name' }], after: { values: ['g500'], id: 'g500' }, limit: 101 }],
    ["every project's next page (?after=)", { orderBy: [{ field: 'project' }, { field: 'name' }], after: { values: ['p', 'g500'], id: 'g500' }, limit: 101 }],
  ])('%s: walked in order on the (project, name) index, not sorted', async (_route, query) => {
    const plan = await planOf(query);
    expect(plan).toEqual([expect.stringContaining('USING INDEX rs_fields_project_name')]);
    expect(plan.join('\n')).not.toContain('TEMP B-TREE');
    // A next page seeks to where it starts (a range on the index: on the project, or on the name within it), rather than walking from the first graph.
    if ('after' in query) expect(plan[0]).toMatch(/(f_project|f_name)>\?\)$/);
  });
});

describe('SqliteReadStore: the indexed fields live in columns of their own', () => {
  /** The read store of SMO before the field columns: its indexes over json_extract, its write statement. */
  const EARLIER_SCHEMA = `
    CREATE TABLE rs_documents (collection TEXT NOT NULL, id TEXT NOT NULL, doc TEXT, position INTEGER NOT NULL, PRIMARY KEY (collection, id)) WITHOUT ROWID;
    CREATE INDEX rs_documents_project_name ON rs_documents (collection, json_extract(doc, '$.project'), json_extract(doc, '$.name')) WHERE doc IS NOT NULL;
    CREATE INDEX rs_documents_graph_id ON rs_documents (collection, json_extract(doc, '$.graphId')) WHERE doc IS NOT NULL;`;
  const EARLIER_WRITE = `INSERT INTO rs_documents (collection, id, doc, position) VALUES (?, ?, ?, ?)
    ON CONFLICT (collection, id) DO UPDATE SET doc = excluded.doc, position = excluded.position WHERE excluded.position > rs_documents.position`;
  const names = (documents: Array<{ id: string }>) => documents.map(({ id }) => id);
  /** Rows whose field columns differ from what json_extract reads from their document (IS NOT: NULL-safe, and 1 is not '1'). */
  const disagreeing = (database: SqliteDatabase) =>
    database.db
      .prepare(
        `SELECT id FROM rs_documents WHERE doc IS NOT NULL AND (f_project IS NOT json_extract(doc, '$.project') OR f_name IS NOT json_extract(doc, '$.name')
           OR f_awaitsCluster IS NOT json_extract(doc, '$.awaitsCluster') OR f_graphId IS NOT json_extract(doc, '$.graphId')
           OR f_placedMinute IS NOT json_extract(doc, '$.placedMinute') OR f_kind IS NOT json_extract(doc, '$.kind'))`,
      )
      .all();

  it('holds what json_extract reads from the document, whatever the value: text, integer, real, boolean, null, absent, nested, NaN, a Date', async () => {
    const database = new SqliteDatabase({ path: ':memory:' });
    const store = new SqliteReadStore(database);
    const values = ['p', '', 'ünï', 7, -1.5, 2 ** 53 - 1, true, false, null, undefined, { a: [1, 'b'] }, [1, 2], Number.NaN, -Infinity, new Date(0), -0];
    await store.commit(
      values.map((value, index) => ({ kind: 'upsert' as const, collection: 'graphs', id: `g${index}`, position: index + 1, doc: { project: value, name: value, awaitsCluster: value, graphId: value, placedMinute: value, kind: value } })),
    );
    expect(disagreeing(database)).toEqual([]);
    expect(names(await store.find('graphs', { where: { project: true } }))).toEqual(['g6']);
    expect(names(await store.find('graphs', { where: { graphId: 7 } }))).toEqual(['g3']);
    // null, absent, NaN and -Infinity: JSON has null for each.
    expect(names(await store.find('graphs', { where: { kind: null } }))).toEqual(['g12', 'g13', 'g8', 'g9']);
    expect(names(await store.find('graphs', { where: { name: '1970-01-01T00:00:00.000Z' } }))).toEqual(['g14']);
    database.close();
  });

  it('a store of the earlier schema is given the columns, filled from its documents, and loses the expression indexes', async () => {
    const database = new SqliteDatabase({ path: ':memory:' });
    database.db.exec(EARLIER_SCHEMA);
    const write = database.db.prepare(EARLIER_WRITE);
    write.run('graphs__v1', 'g1', JSON.stringify({ project: 'p', name: 'g1', graphId: 'g1' }), 1);
    write.run('graphs__v1', 'g2', JSON.stringify({ project: 'q', name: 'g2' }), 2);
    write.run('graphs__v1', 'gone', null, 3);
    const store = new SqliteReadStore(database);
    expect(disagreeing(database)).toEqual([]);
    expect(names(await store.find('graphs', { where: { project: 'p' }, orderBy: [{ field: 'name' }] }))).toEqual(['g1']);
    expect(names(await store.find('graphs', { where: { graphId: 'g1' } }))).toEqual(['g1']);
    const indexes = database.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'rs_documents' AND sql IS NOT NULL ORDER BY name`).all() as Array<{ name: string }>;
    expect(indexes.map(({ name }) => name)).toEqual(['rs_fields_awaits_cluster', 'rs_fields_graph_id', 'rs_fields_kind', 'rs_fields_placed_minute', 'rs_fields_project_name']);
    // Rolled back: the earlier SMO runs on the file again (its indexes back) and writes; then this one starts again.
    database.db.exec(EARLIER_SCHEMA.replace(/CREATE TABLE/, 'CREATE TABLE IF NOT EXISTS').replace(/CREATE INDEX/g, 'CREATE INDEX IF NOT EXISTS'));
    write.run('graphs__v1', 'g3', JSON.stringify({ project: 'p', name: 'g3' }), 4);
    const again = new SqliteReadStore(database);
    expect(disagreeing(database)).toEqual([]);
    expect(names(await again.find('graphs', { orderBy: [{ field: 'project' }, { field: 'name' }] }))).toEqual(['g1', 'g3', 'g2']);
    database.close();
  });

  it("an earlier SMO's writes on the same file (an upgrade under way) keep the columns right", async () => {
    const database = new SqliteDatabase({ path: ':memory:' });
    const store = new SqliteReadStore(database);
    await store.commit([{ kind: 'upsert', collection: 'graphs', id: 'g1', position: 1, doc: { project: 'p', name: 'g1' } }]);
    // The earlier SMO writes documents without the columns: a new one, and a new version of g1 in another project.
    const earlier = database.db.prepare(EARLIER_WRITE);
    earlier.run('graphs__v1', 'g2', JSON.stringify({ project: 'p', name: 'g2' }), 2);
    earlier.run('graphs__v1', 'g1', JSON.stringify({ project: 'q', name: 'g1' }), 3);
    expect(disagreeing(database)).toEqual([]);
    expect(names(await store.find('graphs', { where: { project: 'p' }, orderBy: [{ field: 'name' }] }))).toEqual(['g2']);
    expect(names(await store.find('graphs', { where: { project: 'q' } }))).toEqual(['g1']);
    // SMO's own next write of g1 sets the columns itself.
    await store.commit([{ kind: 'upsert', collection: 'graphs', id: 'g1', position: 4, doc: { project: 'p', name: 'g1' } }]);
    expect(names(await store.find('graphs', { where: { project: 'p' }, orderBy: [{ field: 'name' }] }))).toEqual(['g1', 'g2']);
    expect(disagreeing(database)).toEqual([]);
    database.close();
  });
});
