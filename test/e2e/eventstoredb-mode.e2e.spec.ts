import { startFakeEventStoreDb, type FakeEventStoreDb } from '../fakes/esdb-grpc-server/fake-esdb-server';
import { descriptorText } from '../support/graph-fixtures';
import { startRig, type OrchestratorRig } from '../support/orchestrator-rig';

const GRAPH = 'image-detection-graph';

/**
 * SMO with `SMO_EVENT_STORE=eventstoredb`: the production adapter under the whole application
 * (commands, processors, projections, audit), over the protocol-level fake server, or a real
 * server when ESDB_URL is set.
 */
describe('SMO over the EventStoreDB adapter', () => {
  let fake: FakeEventStoreDb | undefined;
  let rig: OrchestratorRig;
  beforeAll(async () => {
    const url = process.env.ESDB_URL ?? (fake = await startFakeEventStoreDb()).url;
    rig = await startRig({ env: { SMO_EVENT_STORE: 'eventstoredb', ESDB_URL: url } });
  });
  afterAll(async () => {
    // Known issue (in the session note): SMO's shutdown over EventStoreDB sometimes hangs on an open call.
    // Bounded here and reported loudly, so the hang is visible without failing the behaviour tested above.
    const stopped = await Promise.race([rig.stop().then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 20_000).unref())]);
    if (!stopped) console.warn('KNOWN ISSUE: SMO did not stop within 20 s over the EventStoreDB adapter');
    await fake?.stop();
  }, 60_000);

  it('deploys, stops and starts a graph, and its history and projections read back from the store', async () => {
    const deploy = await rig.request('POST', '/project/demo/graphs', { body: JSON.stringify(descriptorText()), contentType: 'application/json' });
    expect([deploy.status, await deploy.text()]).toEqual([200, 'Graph deployment successful\n']);
    const stop = await rig.request('POST', `/graphs/${GRAPH}/stop`);
    expect(stop.status).toBe(200);
    const start = await rig.request('POST', `/graphs/${GRAPH}/start`);
    expect(start.status).toBe(200);
    await rig.idle();

    const graph = (await (await rig.request('GET', `/graphs/${GRAPH}`)).json()) as { status: string; placement: Record<string, string> };
    expect(graph).toMatchObject({ status: 'Running', placement: { 'noise-reduction': 'c1', 'image-detection': 'c1' } });
    // Deploy, then start after stop: each installs both releases, in parallel (any order within each).
    const installs = rig.helmCalls('install').map((call) => call.release);
    expect([installs.slice(0, 2).sort(), installs.slice(2).sort()]).toEqual([
      ['image-detection', 'noise-reduction'],
      ['image-detection', 'noise-reduction'],
    ]);

    const history = (await (await rig.request('GET', `/graphs/${GRAPH}/history`)).json()) as { events: { type: string }[] };
    const types = history.events.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['GraphSubmitted', 'PlacementDecided', 'ServiceDeployed', 'GraphStopped', 'GraphStarted']));
    expect(JSON.stringify(await (await rig.request('GET', '/health')).json())).toContain('eventstoredb');
  });
});
