import { FakeNfvcl, type RunningFakeNfvcl } from '../../test/fakes/nfvcl/fake-nfvcl';
import { osK8sClustersProjection } from '../../projections/os-k8s-clusters.projection';
import { MemoryEventStore } from '../eventstore/memory-event-store';
import { k8sCreateBody, topologyBody, type K8sCreateBody } from '../integrations/nfvcl/nfvcl-bodies';
import { NfvclHttpClient } from '../integrations/nfvcl/nfvcl-http.client';
import { MemoryReadStore } from '../readstore/memory-read-store';
import { OsK8sClusterCommands } from './os-k8s-cluster-commands';
import { syncOsK8sClustersFromNfvcl } from './nfvcl-sync';

const context = (commandId: string) => ({ commandId, correlationId: 'c', actor: 'test', now: new Date() });
const shape = { popArea: 0, mgmtNetwork: 'm', serviceNetwork: 's', workerReplicas: 1 };

describe('NFVCL cluster sync', () => {
  let nfvcl: RunningFakeNfvcl;
  let client: NfvclHttpClient;
  let store: MemoryEventStore;
  let readStore: MemoryReadStore;
  let clusters: OsK8sClusterCommands;
  beforeEach(async () => {
    nfvcl = await FakeNfvcl.start({ pollsUntilReady: 1 });
    client = new NfvclHttpClient({ baseUrl: nfvcl.url, timeoutMs: 1000, retry: { attempts: 1, initialDelayMs: 5, maxDelayMs: 5 } });
    await client.registerVim(
      topologyBody({
        topology: 't', popArea: 0, vimName: 'v', tenantName: 'n', user: 'u', password: 'p', vimUrl: 'http://k:5000/v3',
        mgmtNetwork: { name: 'm', cidr: '10.0.0.0/24', gateway: '10.0.0.1' }, serviceNetwork: { name: 's', cidr: '10.1.0.0/24', gateway: '10.1.0.1' }, useFloatingIp: false,
      }),
      ['p'],
    );
    store = new MemoryEventStore();
    readStore = new MemoryReadStore();
    clusters = new OsK8sClusterCommands(store);
  });
  afterEach(() => nfvcl.stop());

  /** The clusters read model, caught up with the store (the app's projection runner). */
  async function project(): Promise<void> {
    for (const event of await store.readAll({ filter: { streamCategories: ['oscluster'] } })) {
      const id = osK8sClustersProjection.documentIds(event)[0]!;
      const current = await readStore.get<never>(osK8sClustersProjection.collection, id);
      const doc = osK8sClustersProjection.evolve(current?.doc ?? null, event, id);
      const collection = osK8sClustersProjection.collection;
      await readStore.commit([doc === null ? { kind: 'delete', collection, id, position: event.position } : { kind: 'upsert', collection, id, doc, position: event.position }]);
    }
  }

  async function sync(commandId: string) {
    await project();
    const deps = { nfvcl: client, dispatch: (command: Parameters<OsK8sClusterCommands['execute']>[0], ctx: ReturnType<typeof context>) => clusters.execute(command, ctx), readStore, karmadaConfigured: false, clusters };
    const outcome = await syncOsK8sClustersFromNfvcl(deps, null, context(commandId));
    await project();
    return outcome;
  }

  async function provisioned(smoId: string): Promise<string> {
    const accepted = await client.createK8sBlueprint(k8sCreateBody(shape) as K8sCreateBody);
    const blueprintId = accepted.blueprintId!;
    const request = { smoId, ...shape, vimId: 1, vimName: 'v', nfvclRequest: null, blueprintId, taskId: null, nfvclAnswer: 'async' as const, nfvclResponse: null };
    await clusters.execute({ type: 'RequestClusterProvisioning', data: request }, context(`create-${smoId}`));
    await clusters.execute({ type: 'RecordClusterProvisioned', data: { smoId, blueprintId, popArea: 0, workers: 1, masterFlavor: null, karmada: 'not-configured' } }, context(`ready-${smoId}`));
    return blueprintId;
  }

  /**
   * NFVCL fails a delete in its worker and keeps the blueprint, in error. Until the operations processor records the
   * failure (the cluster is then live again), SMO's read model has no cluster on that blueprint: a sync in between
   * imported it as a new cluster, and the failure then brought the deleted one back: two clusters on one blueprint.
   */
  it('does not import the blueprint of a cluster whose delete NFVCL failed before SMO recorded the failure', async () => {
    const blueprintId = await provisioned('OS_K8S_0_aaaaa');
    nfvcl.failNextDeletion('OpenStack could not delete the VMs');
    const accepted = await client.deleteBlueprint(blueprintId);
    const taskId = accepted === 'not-found' ? null : accepted.taskId;
    await clusters.execute({ type: 'DecommissionCluster', data: { smoId: 'OS_K8S_0_aaaaa', taskId, reason: 'requested' } }, context('delete'));
    expect((await client.getBlueprint(blueprintId))?.phase).toBe('error');

    expect(await sync('sync-1')).toEqual({ added: [], updated: [], deleted: [] });
    expect((await store.readAll()).filter((e) => e.type === 'ClusterImported')).toEqual([]);

    // The failure recorded, the cluster is live again and the sync finds it as before.
    await clusters.execute({ type: 'RecordDeletionFailure', data: { smoId: 'OS_K8S_0_aaaaa', taskId, detail: 'OpenStack could not delete the VMs' } }, context('delete-failed'));
    expect(await sync('sync-2')).toMatchObject({ added: [] });
    expect((await readStore.find(osK8sClustersProjection.collection)).map(({ id }) => id)).toEqual(['OS_K8S_0_aaaaa']);
  });
});
