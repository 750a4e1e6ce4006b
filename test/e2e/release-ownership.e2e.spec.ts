import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deterministicId } from '../../src/shared/deterministic-id';
import { RESERVATION_GRACE_MS, currentClaims } from '../../src/domain/release-names/decide';
import { releaseNamesStream } from '../../src/domain/release-names/events';
import { readHistory } from '../../src/application/command-handler';
import { descriptorText, independentServicesDescriptor } from '../support/graph-fixtures';
import { startApp, type RunningApp } from '../support/app';
import { startRig, type OrchestratorRig } from '../support/orchestrator-rig';

const SERVICES = ['image-compression-vo', 'noise-reduction', 'image-detection'];

/** The Brussels demo under another graph id, its service ids suffixed (unless `suffix` is empty). */
function renamed(graphId: string, suffix = ''): string {
  let text = descriptorText().replace('id: image-detection-graph', `id: ${graphId}`);
  if (suffix) for (const id of SERVICES) text = text.replaceAll(id, `${id}${suffix}`);
  return text;
}

describe('release ownership is part of the write model (issue 15, item 1)', () => {
  let smo: RunningApp;
  let clustersDir: string;
  beforeAll(async () => {
    // Room for every winner: placement counts what it already placed (item 2).
    clustersDir = mkdtempSync(join(tmpdir(), 'smo-clusters-'));
    const clusters = join(clustersDir, 'clusters.yaml');
    writeFileSync(clusters, 'clusters:\n  - {name: big, cpu: 1000, memory: 2000Gi}\n');
    smo = await startApp({ SMO_DEPLOY_WAIT: '20', SMO_SIMULATED_CLUSTERS: clusters });
  });
  afterAll(async () => {
    await smo.close();
    rmSync(clustersDir, { recursive: true, force: true });
  });

  const deploy = (project: string, body: string, headers: Record<string, string> = { prefer: 'respond-async' }) =>
    fetch(`${smo.url}/project/${project}/graphs`, { method: 'POST', headers: { 'content-type': 'application/x-yaml', ...headers }, body });
  const graphEvents = async (graphId: string) => readHistory(smo.runtime.eventStore, `graph-${graphId}`);
  const reservationEvents = async (project: string) => readHistory(smo.runtime.eventStore, releaseNamesStream(project));

  /** Fires the contenders at once; exactly one may own the names, the others get 409 and leave no trace. */
  async function race(project: string, graphIds: string[], suffix = '') {
    const responses = await Promise.all(graphIds.map((id) => deploy(project, renamed(id, suffix))));
    return Promise.all(
      responses.map(async (response, index) => ({ graphId: graphIds[index]!, status: response.status, type: response.headers.get('content-type'), body: await response.text() })),
    );
  }

  async function expectOneWinner(project: string, outcomes: Awaited<ReturnType<typeof race>>, suffix = '') {
    const winners = outcomes.filter((o) => o.status === 202);
    const losers = outcomes.filter((o) => o.status !== 202);
    expect({ project, winners: winners.length, loserStatuses: losers.map((l) => l.status) }).toEqual({ project, winners: 1, loserStatuses: losers.map(() => 409) });
    const winner = winners[0]!.graphId;
    for (const loser of losers) {
      expect(loser.type).toContain('application/problem+json');
      const problem = JSON.parse(loser.body) as { detail: string; conflicts: Array<{ serviceId: string; graphId: string }> };
      expect(problem.detail).toMatch(new RegExp(`Service \\S+${suffix} is already a service of graph ${winner} in project ${project}`));
      expect(problem.conflicts.every((c) => c.graphId === winner)).toBe(true);
      expect(await graphEvents(loser.graphId)).toEqual([]);
    }
    const claims = currentClaims((await smo.runtime.graphs.releaseNames.load(project)).state);
    for (const id of SERVICES) expect(claims[`${id}${suffix}`]?.graphId).toBe(winner);
    const recordedFor = (await reservationEvents(project)).map((e) => (e.data as { graphId: string }).graphId);
    expect(losers.filter((l) => recordedFor.includes(l.graphId))).toEqual([]);
  }

  it('50 concurrent pairs and 5 triples with the same service ids, the read model lagging: exactly one winner per name each time', async () => {
    // The read model lags (as under load or while another instance takes over the projections):
    // only the write model can tell who was first.
    await smo.runtime.processing.stop();
    const pairs = Array.from({ length: 50 }, (_, i) => race(`pair-${i}`, [`pair-${i}-a`, `pair-${i}-b`]));
    const triples = Array.from({ length: 5 }, (_, i) => race(`triple-${i}`, [`triple-${i}-a`, `triple-${i}-b`, `triple-${i}-c`]));
    const outcomes = await Promise.all([...pairs, ...triples]);
    smo.runtime.processing.start();
    for (const [i, outcome] of outcomes.entries()) await expectOneWinner(i < 50 ? `pair-${i}` : `triple-${i - 50}`, outcome);
  }, 120_000);

  it('ten deploys racing on one project’s reservations (five name sets): one winner per set', async () => {
    const sets = Array.from({ length: 5 }, (_, k) => race('crowd', [`crowd-${k}-a`, `crowd-${k}-b`], `-${k}`));
    const outcomes = await Promise.all(sets);
    for (const [k, outcome] of outcomes.entries()) await expectOneWinner('crowd', outcome, `-${k}`);
  }, 60_000);

  it('an orphan reservation (crash before the graph was created) blocks others only for the grace period, and never its own graph', async () => {
    // What a crash right after the reservation leaves behind: a claim whose graph stream does not exist.
    const orphan = async (project: string, graphId: string, reservedAt: Date) => {
      const commandId = `crashed-${graphId}`;
      await smo.runtime.eventStore.appendToStream(releaseNamesStream(project), [
        {
          id: deterministicId(commandId, 0),
          type: 'ReleaseNamesReserved',
          data: { project, graphId, commandId, serviceIds: SERVICES, reservedAt: reservedAt.toISOString(), reclaimed: [] },
          metadata: { commandId, correlationId: commandId, actor: 'test', at: reservedAt.toISOString(), schemaVersion: 1 },
        },
      ]);
    };

    await orphan('fresh-orphan', 'ghost', new Date());
    const blocked = await deploy('fresh-orphan', renamed('intruder'));
    expect(blocked.status).toBe(409);
    expect(await blocked.json()).toMatchObject({ conflicts: [{ serviceId: 'image-compression-vo', graphId: 'ghost' }, { serviceId: 'noise-reduction', graphId: 'ghost' }, { serviceId: 'image-detection', graphId: 'ghost' }] });
    // The crashed submission's graph retries and gets its names at once.
    expect((await deploy('fresh-orphan', renamed('ghost'), {})).status).toBe(200);

    await orphan('stale-orphan', 'lost', new Date(Date.now() - RESERVATION_GRACE_MS - 1000));
    expect((await deploy('stale-orphan', renamed('newcomer'), {})).status).toBe(200);
    const reserved = (await reservationEvents('stale-orphan')).at(-1)!;
    expect(reserved.data).toMatchObject({ graphId: 'newcomer', reclaimed: SERVICES.map((serviceId) => ({ serviceId, fromGraphId: 'lost', why: expect.stringContaining('never created') })) });
  }, 60_000);

  it('removing a graph frees its names once its releases are gone', async () => {
    expect((await deploy('handover', renamed('first'), {})).status).toBe(200);
    expect((await deploy('handover', renamed('second'), {})).status).toBe(409);
    expect((await fetch(`${smo.url}/graphs/first`, { method: 'DELETE' })).status).toBe(200);
    const types = (await reservationEvents('handover')).map((e) => e.type);
    expect(types).toEqual(['ReleaseNamesReserved', 'ReleaseNamesReleased']);
    expect((await deploy('handover', renamed('second'), {})).status).toBe(200);
  }, 60_000);
});

describe('an Idempotency-Key belongs to one request: reused for another graph or route, it is another command', () => {
  let rig: OrchestratorRig;
  beforeAll(async () => {
    rig = await startRig({ clusters: [{ name: 'c1', cpu: '100', memory: '200Gi', allocatedCpu: '0', allocatedMemory: '0' }] });
  }, 60_000);
  afterAll(async () => rig.stop());

  const deploy = (project: string, graphId: string, key?: string) =>
    rig.request('POST', `/project/${project}/graphs`, {
      body: independentServicesDescriptor(graphId, 2, ['oci://registry.example:5000/test/app']),
      contentType: 'application/x-yaml',
      headers: key ? { 'idempotency-key': key } : {},
    });

  it("a second graph deployed with the first one's key still owns its release names", async () => {
    expect((await deploy('p', 'graph-a', 'shared-key-0001')).status).toBe(200);
    expect((await rig.request('DELETE', '/graphs/graph-a')).status).toBe(200);
    expect((await deploy('p', 'graph-b', 'shared-key-0001')).status).toBe(200);
    await rig.idle();
    // A third graph with the same service ids is refused: graph-b holds them (it held nothing, and graph-c took its releases over).
    const third = await deploy('p', 'graph-c');
    await rig.idle();
    expect({ third: third.status, releases: Object.keys(rig.helm.state()).sort(), upgrades: rig.helmCalls('upgrade').map((call) => call.release) }).toEqual({
      third: 409,
      releases: ['p/svc-01', 'p/svc-02'],
      upgrades: [],
    });
  }, 90_000);

  it('the same key on /stop, then on /start of the graph, starts it (it answered "Graph started" for the stop)', async () => {
    expect((await deploy('q', 'graph-s')).status).toBe(200);
    expect((await rig.request('POST', '/graphs/graph-s/stop', { headers: { 'idempotency-key': 'lifecycle-key-01' } })).status).toBe(200);
    const start = await rig.request('POST', '/graphs/graph-s/start', { headers: { 'idempotency-key': 'lifecycle-key-01' } });
    await rig.idle();
    const view = (await (await rig.request('GET', '/graphs/graph-s')).json()) as { status: string };
    expect({ status: start.status, graph: view.status }).toEqual({ status: 200, graph: 'Running' });
    // Sent again, each is still the one command it was.
    expect((await rig.request('POST', '/graphs/graph-s/start', { headers: { 'idempotency-key': 'lifecycle-key-01' } })).status).toBe(200);
    expect((await rig.smo.runtime.eventStore.readStream('graph-graph-s')).filter((event) => event.type === 'GraphStarted')).toHaveLength(1);
  }, 90_000);

  it('a retry spelled otherwise (a trailing slash, an escaped character) is the same command', async () => {
    expect((await deploy('r', 'graph-r')).status).toBe(200);
    const key = { 'idempotency-key': 'replace-key-0001' };
    for (const path of ['/graphs/graph-r/placement', '/graphs/graph-r/placement/', '/graphs/graph%2Dr/placement']) {
      expect((await rig.request('POST', path, { headers: key })).status).toBe(200);
      await rig.idle();
    }
    expect((await rig.smo.runtime.eventStore.readStream('graph-graph-r')).filter((event) => event.type === 'ReplacementRequested')).toHaveLength(1);
  }, 90_000);
});
