/**
 * Records test/fixtures/events/v<SCHEMA_VERSION>/*.json: events in the shapes today's code writes,
 * taken from real e2e runs (SMO in-process, fakes only at process boundaries). For each aggregate it
 * keeps whole streams (so they fold in order), chosen greedily until every event type seen is covered.
 *
 *   npm run record:event-fixtures            # runs the e2e suites below, then writes the fixtures
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SCHEMA_VERSION } from '../src/domain/event-schema';
import { ALERT_EVENT_TYPES } from '../src/domain/alert/events';
import { CLUSTER_EVENT_TYPES } from '../src/domain/cluster/events';
import { GRAPH_EVENT_TYPES } from '../src/domain/graph/events';
import { OS_K8S_CLUSTER_EVENT_TYPES } from '../src/domain/os-k8s-cluster/events';
import { VIM_EVENT_TYPES } from '../src/domain/vim/events';
import { RELEASE_NAMES_EVENT_TYPES } from '../src/domain/release-names/events';
import { NFVCL_CALL_EVENT_TYPES } from '../src/domain/nfvcl-call/events';

const SUITES = [
  'test/e2e/graph-lifecycle.e2e.spec.ts',
  'test/e2e/scaling.e2e.spec.ts',
  'test/e2e/conditional-deployment.e2e.spec.ts',
  'test/e2e/placement-proposals.e2e.spec.ts',
  'test/e2e/release-ownership.e2e.spec.ts',
  'test/e2e/cluster-inventory.e2e.spec.ts',
  'test/e2e/upstream-bugs.e2e.spec.ts',
  'test/e2e/operations.e2e.spec.ts',
  'test/e2e/nfvcl-os-k8s.e2e.spec.ts',
  'test/e2e/nfvcl-vims.e2e.spec.ts',
  'test/e2e/cluster-provisioning-proposal.e2e.spec.ts',
  'test/e2e/intent-placement.e2e.spec.ts',
  'test/reliability/deployment-crash.spec.ts',
  'test/reliability/fault-injection.e2e.spec.ts',
];

const AGGREGATES: Record<string, Record<string, true>> = {
  graph: GRAPH_EVENT_TYPES,
  cluster: CLUSTER_EVENT_TYPES,
  'os-k8s-cluster': OS_K8S_CLUSTER_EVENT_TYPES,
  vim: VIM_EVENT_TYPES,
  alerts: ALERT_EVENT_TYPES,
  releases: RELEASE_NAMES_EVENT_TYPES,
  'nfvcl-calls': NFVCL_CALL_EVENT_TYPES,
};

interface StoredEvent {
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
}

const root = resolve(__dirname, '..');
const runs = mkdtempSync(join(tmpdir(), 'smo-event-fixtures-'));
const jest = spawnSync('npx', ['jest', '--runInBand', ...SUITES], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, SMO_RECORD_EVENTS_DIR: runs, NODE_OPTIONS: '--experimental-vm-modules' },
});
if (jest.status !== 0) console.warn(`jest exited with ${jest.status}: fixtures are written from the runs that finished`);

const streams = new Map<string, StoredEvent[]>();
for (const file of readdirSync(runs)) {
  const db = new DatabaseSync(join(runs, file), { readOnly: true });
  const rows = db.prepare('SELECT stream_id, type, data, metadata FROM es_events ORDER BY position').all();
  db.close();
  const local = new Map<string, StoredEvent[]>();
  for (const row of rows) {
    const streamId = `${file}:${String(row.stream_id)}`;
    const list = local.get(streamId) ?? [];
    list.push({ type: String(row.type), data: JSON.parse(String(row.data)), metadata: JSON.parse(String(row.metadata)) });
    local.set(streamId, list);
  }
  for (const [id, events] of local) streams.set(id, events);
}
rmSync(runs, { recursive: true, force: true });

const out = join(root, 'test', 'fixtures', 'events', `v${SCHEMA_VERSION}`);
mkdirSync(out, { recursive: true });
for (const [aggregate, types] of Object.entries(AGGREGATES)) {
  const candidates = [...streams.entries()].filter(([, events]) => events.every((e) => types[e.type]));
  const chosen: { streamId: string; events: StoredEvent[] }[] = [];
  const covered = new Set<string>();
  for (;;) {
    // The stream adding the most uncovered types; shorter on a tie (smaller fixtures).
    let best: [string, StoredEvent[]] | null = null;
    let gain = 0;
    for (const candidate of candidates) {
      const adds = new Set(candidate[1].map((e) => e.type).filter((t) => !covered.has(t))).size;
      if (adds > gain || (adds === gain && adds > 0 && best && candidate[1].length < best[1].length)) [best, gain] = [candidate, adds];
    }
    if (!best || gain === 0) break;
    for (const e of best[1]) covered.add(e.type);
    chosen.push({ streamId: best[0].slice(best[0].indexOf(':') + 1), events: best[1] });
  }
  const missing = Object.keys(types).filter((t) => !covered.has(t));
  writeFileSync(
    join(out, `${aggregate}.json`),
    `${JSON.stringify({ schemaVersion: SCHEMA_VERSION, recordedBy: 'scripts/record-event-fixtures.ts', recordedAt: new Date().toISOString(), notRecorded: missing, streams: chosen }, null, 1)}\n`,
  );
  console.log(`${aggregate}: ${chosen.length} streams, ${covered.size}/${Object.keys(types).length} types${missing.length ? `; not recorded: ${missing.join(', ')}` : ''}`);
}
