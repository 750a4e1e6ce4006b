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
    expect(plan).toEqual([expect.stringContaining('USING INDEX rs_documents_project_name')]);
    expect(plan.join('\n')).not.toContain('TEMP B-TREE');
    // A next page seeks to where it starts (a range on the index), rather than walking from the first graph.
    if ('after' in query) expect(plan[0]).toMatch(/<expr>>\?\)$/);
  });
});
