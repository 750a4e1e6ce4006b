import { FakeNfvcl, type RunningFakeNfvcl } from '../../test/fakes/nfvcl/fake-nfvcl';
import { silentLogger } from '../../test/support/stores';
import { OsK8sClusterCommands } from '../application/os-k8s-cluster-commands';
import type { ClusterProvisioningRequested } from '../domain/os-k8s-cluster/events';
import type { RecordedEvent } from '../eventstore/event-store';
import { MemoryEventStore } from '../eventstore/memory-event-store';
import { k8sCreateBody, topologyBody } from '../integrations/nfvcl/nfvcl-bodies';
import { NfvclHttpClient } from '../integrations/nfvcl/nfvcl-http.client';
import { OsK8sProvisioningProcessor } from './os-k8s-provisioning.processor';

const smoId = 'OS_K8S_0_abcde';
const context = (commandId: string) => ({ commandId, correlationId: 'c', actor: 'test', now: new Date() });

describe('OS K8s provisioning processor', () => {
  let nfvcl: RunningFakeNfvcl;
  let store: MemoryEventStore;
  let clusters: OsK8sClusterCommands;
  let client: NfvclHttpClient;
  beforeEach(async () => {
    nfvcl = await FakeNfvcl.start({ pollsUntilReady: 3 });
    store = new MemoryEventStore();
    clusters = new OsK8sClusterCommands(store);
    client = new NfvclHttpClient({ baseUrl: nfvcl.url, timeoutMs: 1000, retry: { attempts: 2, initialDelayMs: 5, maxDelayMs: 5 } });
    await client.registerVim(
      topologyBody({
        topology: 't', popArea: 0, vimName: 'v', tenantName: 'n', user: 'u', password: 'p', vimUrl: 'http://k:5000/v3',
        mgmtNetwork: { name: 'm', cidr: '10.0.0.0/24', gateway: '10.0.0.1' }, serviceNetwork: { name: 's', cidr: '10.1.0.0/24', gateway: '10.1.0.1' }, useFloatingIp: false,
      }),
      ['p'],
    );
  });
  afterEach(async () => nfvcl.stop());

  const processor = (karmadaConfigured = false, timeoutMs = 5000) =>
    new OsK8sProvisioningProcessor({ clusters, dispatch: (command, ctx) => clusters.execute(command, ctx), nfvcl: client, logger: silentLogger, pollIntervalMs: 10, timeoutMs, karmadaConfigured, provisioning });

  /** The clusters of the store still provisioning (the app asks its read model which). */
  const provisioning = async () => {
    const ids = new Set((await store.readAll({ filter: { streamCategories: ['oscluster'] } })).map((e) => e.streamId.slice('oscluster-'.length)));
    const requests = await Promise.all([...ids].map((id) => clusters.provisioningRequest(id)));
    return requests.filter((request) => request !== null);
  };

  async function requested(): Promise<RecordedEvent[]> {
    const answer = await client.createK8sBlueprint(k8sCreateBody({ popArea: 0, mgmtNetwork: 'm', serviceNetwork: 's', workerReplicas: 1 }));
    const data: ClusterProvisioningRequested['data'] = {
      smoId, popArea: 0, vimId: 1, vimName: 'v', mgmtNetwork: 'm', serviceNetwork: 's', workerReplicas: 1,
      blueprintId: answer.blueprintId, taskId: answer.taskId, nfvclAnswer: answer.mode, nfvclRequest: {}, nfvclResponse: answer.body,
    };
    await clusters.execute({ type: 'RequestClusterProvisioning', data }, context('request'));
    return store.readStream(`oscluster-${smoId}`);
  }

  it('records a ready cluster as awaiting its Karmada join when Karmada is configured; handling it again records nothing', async () => {
    const [event] = await requested();
    await processor(true).handle(event!, { signal: new AbortController().signal });
    const after = await store.readStream(`oscluster-${smoId}`);
    expect(after.map((e) => e.type)).toEqual(['ClusterProvisioningRequested', 'ClusterProvisioned']);
    expect(after[1]!.data).toMatchObject({ karmada: 'awaiting-join', workers: 1, popArea: 0 });
    expect(after[1]!.metadata).toMatchObject({ actor: 'processor:os-k8s-provisioning', causationId: event!.id });

    const requests = nfvcl.requests().length;
    await processor(true).handle(event!, { signal: new AbortController().signal });
    expect((await store.readStream(`oscluster-${smoId}`)).length).toBe(2);
    expect(nfvcl.requests().length).toBe(requests);
  });

  it('tolerates NFVCL failing for a while, and stops polling for a cluster decommissioned meanwhile', async () => {
    const [event] = await requested();
    nfvcl.failNext(503, 3);
    await processor().handle(event!, { signal: new AbortController().signal });
    expect((await store.readStream(`oscluster-${smoId}`)).map((e) => e.type)).toEqual(['ClusterProvisioningRequested', 'ClusterProvisioned']);

    const second = 'OS_K8S_0_fghij';
    const answer = await client.createK8sBlueprint(k8sCreateBody({ popArea: 0, mgmtNetwork: 'm', serviceNetwork: 's', workerReplicas: 1 }));
    await clusters.execute(
      { type: 'RequestClusterProvisioning', data: { ...(event!.data as ClusterProvisioningRequested['data']), smoId: second, blueprintId: answer.blueprintId, taskId: answer.taskId } },
      context('second'),
    );
    await clusters.execute({ type: 'DecommissionCluster', data: { smoId: second, taskId: null, reason: 'requested' } }, context('gone'));
    const [secondEvent] = await store.readStream(`oscluster-${second}`);
    const before = nfvcl.requests().length;
    await processor().handle(secondEvent!, { signal: new AbortController().signal });
    expect(nfvcl.requests().length).toBe(before);
    expect((await store.readStream(`oscluster-${second}`)).map((e) => e.type)).toEqual(['ClusterProvisioningRequested', 'ClusterDecommissioned']);
  });

  it('returns without an outcome when SMO stops (the event is handled again after the restart)', async () => {
    const [event] = await requested();
    const stop = new AbortController();
    const handling = processor().handle(event!, { signal: stop.signal });
    stop.abort();
    await handling;
    expect((await store.readStream(`oscluster-${smoId}`)).map((e) => e.type)).toEqual(['ClusterProvisioningRequested']);
  });
});
