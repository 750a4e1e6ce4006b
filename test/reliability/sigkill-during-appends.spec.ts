import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/eventstore/sqlite-event-store';
import { SqliteDatabase } from '../../src/sqlite/sqlite-database';

const root = join(__dirname, '..', '..');

/**
 * Runs the appender and kills it with SIGKILL once it has acknowledged `atLeast` events (plus a
 * little, so the kill lands mid-append); returns the ids it had been told were durable.
 */
function appendThenKill(dir: string, synchronous: string, atLeast: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--no-experimental-strip-types', '-r', join(root, 'scripts/register-ts.cjs'), join(__dirname, 'append-until-killed.ts'), dir, synchronous],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    let errors = '';
    let killing = false;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (!killing && output.split('\n').length > atLeast) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), 20 + Math.random() * 30);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    // A slow machine may take a while to start the child; give up only after a minute.
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') return reject(new Error(`appender exited on its own: ${errors}`));
      // The last line may be cut mid-write by the kill: only complete lines were acknowledged.
      resolve(output.split('\n').slice(0, -1));
    });
  });
}

describe.each(['full', 'normal'])('SQLite event store killed with SIGKILL during appends (synchronous=%s)', (synchronous) => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'smo-crash-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loses no acknowledged event and leaves a readable, consistent store', async () => {
    const acknowledged = await appendThenKill(dir, synchronous, 500);
    expect(acknowledged.length).toBeGreaterThan(500);

    const database = new SqliteDatabase({ path: join(dir, 'smo.db') });
    try {
      expect(database.db.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
      const store = new SqliteEventStore(database);
      const stored = await store.readAll();
      const ids = new Set(stored.map((e) => e.id));
      expect(acknowledged.filter((id) => !ids.has(id))).toEqual([]);
      // Every stream is gapless from revision 0, and positions strictly increase.
      const lanes = new Map<string, number[]>();
      stored.forEach((e) => lanes.set(e.streamId, [...(lanes.get(e.streamId) ?? []), e.revision]));
      for (const revisions of lanes.values()) expect(revisions).toEqual(revisions.map((_, i) => i));
      expect(stored.every((e, i) => i === 0 || e.position > stored[i - 1]!.position)).toBe(true);
      // The store still takes appends where each stream left off.
      const [lane, revisions] = [...lanes.entries()][0]!;
      await expect(
        store.appendToStream(lane, [{ id: 'after-crash', type: 'Appended', data: {} }], { expectedRevision: revisions.length - 1 }),
      ).resolves.toMatchObject({ nextExpectedRevision: revisions.length });
    } finally {
      database.close();
    }
  }, 90_000);
});
