import { startFakeEventStoreDb, type FakeEventStoreDb } from '../fakes/esdb-grpc-server/fake-esdb-server';
import { descriptorText } from '../support/graph-fixtures';
import { startRig, type OrchestratorRig } from '../support/orchestrator-rig';
import { eventually } from '../support/smo-process';

interface HealthBody {
  stores: { eventStore: { status: string; adapter: string } };
  processing?: Array<{ name: string; lastError?: string }>;
}

const GRAPH = 'image-detection-graph';
/** What a process manager allows between SIGTERM and SIGKILL is usually more; a hang is forever. */
const SHUTDOWN_BOUND_MS = 10_000;

/**
 * SMO with `SMO_EVENT_STORE=eventstoredb`: the production adapter under the whole application
 * (commands, processors, projections, audit), over the protocol-level fake server, or a real
 * server when ESDB_URL is set.
 */
describe('SMO over the EventStoreDB adapter', () => {
  let fake: FakeEventStoreDb | undefined;
  let rig: OrchestratorRig;
  /** Set by the shutdown test; a hung shutdown is that test's failure, not awaited again here. */
  let stopping: Promise<void> | null = null;
  beforeAll(async () => {
    const url = process.env.ESDB_URL ?? (fake = await startFakeEventStoreDb()).url;
    rig = await startRig({ env: { SMO_EVENT_STORE: 'eventstoredb', ESDB_URL: url } });
  });
  afterAll(async () => {
    if (stopping) return;
    await rig.stop();
    await fake?.stop();
  });

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

  // Reads the adapter stopped early (headPosition, a page of $all) once left their gRPC calls paused with
  // messages buffered, and shutdown waited on them forever, with the server up or gone. Subscriptions the server
  // ended were taken for quiet ones: runners waited forever instead of subscribing again.
  it('with the server gone: runners resubscribe, a command answers 503, /health says the store is down, and SMO shuts down promptly (over the fake; a real server is left running)', async () => {
    // Reads that stop before the server's answer ends: a short history page, and the head of $all (/health).
    for (let i = 0; i < 20; i++) {
      expect((await rig.request('GET', `/graphs/${GRAPH}/history?limit=2`)).status).toBe(200);
      expect((await rig.request('GET', '/health')).status).toBe(200);
    }
    await rig.idle();
    if (fake) {
      await fake.stop(); // ends the subscription calls, as a server shutting down does, then drops the connections
      // Every runner sees its subscription end and is subscribing again (refused while the server is gone).
      const health = await eventually(
        async () => {
          const response = await rig.request('GET', '/health');
          const body = (await response.json()) as HealthBody;
          return body.processing?.every((runner) => runner.lastError?.includes('EventStoreUnavailableError')) ? { status: response.status, body } : null;
        },
        20_000,
        'every runner resubscribing',
      );
      expect(health.status).toBe(503);
      expect(health.body.stores.eventStore).toMatchObject({ status: 'down', adapter: 'eventstoredb' });
      const stop = await rig.request('POST', `/graphs/${GRAPH}/stop`);
      expect([stop.status, stop.headers.get('content-type'), stop.headers.get('retry-after')]).toEqual([503, 'application/problem+json; charset=utf-8', '5']);
      expect(await stop.text()).not.toMatch(/127\.0\.0\.1|UNAVAILABLE/);
    }

    stopping = rig.stop();
    const outcome = await Promise.race([
      stopping.then(() => 'stopped' as const),
      new Promise<'still stopping'>((resolve) => setTimeout(() => resolve('still stopping'), SHUTDOWN_BOUND_MS).unref()),
    ]);
    expect(outcome).toBe('stopped');
  }, 60_000);
});
