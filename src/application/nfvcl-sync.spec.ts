import type { RunningFakeNfvcl } from '../../test/fakes/nfvcl/fake-nfvcl';
import { fakeNfvclWithVim } from '../../test/support/nfvcl-rig';
import { osK8sClustersProjection } from '../../projections/os-k8s-clusters.projection';
import { MemoryEventStore } from '../eventstore/memory-event-store';
import { k8sCreateBody, type K8sCreateBody } from '../integrations/nfvcl/nfvcl-bodies';
import { NfvclHttpClient } from '../integrations/nfvcl/nfvcl-http.client';
import { MemoryReadStore } from '../readstore/memory-read-store';
import { OsK8sClusterCommands } from './os-k8s-cluster-commands';
import { NfvclCalls, nfvclCallIdOf } from './nfvcl-calls';
import { syncOsK8sClustersFromNfvcl } from './nfvcl-sync';

const context = (commandId: string) => ({ commandId, correlationId: 'c', actor: 'test', now: new Date() });
const shape = { popArea: 0, mgmtNetwork: 'm', serviceNetwork: 's', workerReplicas: 1 };

describe('NFVCL cluster sync', () => {
  let nfvcl: RunningFakeNfvcl;
  let client: NfvclHttpClient;
  let store: MemoryEventStore;
  let readStore: MemoryReadStore;
  let clusters: OsK8sClusterCommands;
  let calls: NfvclCalls;
  beforeEach(async () => {
    ({ nfvcl, client } = await fakeNfvclWithVim());
    store = new MemoryEventStore();
    readStore = new MemoryReadStore();
    clusters = new OsK8sClusterCommands(store);
    calls = new NfvclCalls(store, { inDoubtForMs: 60_000 });
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
    const deps = { nfvcl: client, dispatch: (command: Parameters<OsK8sClusterCommands['execute']>[0], ctx: ReturnType<typeof context>) => clusters.execute(command, ctx), readStore, karmadaConfigured: false, clusters, calls };
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

  /**
   * A create whose answer was lost, and NFVCL had not stored the blueprint yet when SMO looked for it (NFVCL queues
   * requests): the call failed, in doubt. NFVCL builds it later. Imported by a sync, it was an SMO cluster of its own
   * and a retry of the request, finding it claimed, built a second one.
   */
  it('does not import a blueprint NFVCL built for a lost create after SMO looked for it, until that create is no longer in doubt', async () => {
    const foreign = await client.createK8sBlueprint(k8sCreateBody(shape) as K8sCreateBody); // built alike outside SMO, before
    const operation = { kind: 'create-k8s' as const, smoId: 'OS_K8S_0_lost1', ...shape, vimId: 1, vimName: 'v', nfvclRequest: k8sCreateBody(shape) };
    const callId = nfvclCallIdOf('lost');
    await calls.execute({ type: 'RequestNfvclCall', data: { callId, operation } }, context('lost'));
    const failure = { callId, kind: 'timeout' as const, status: null, detail: 'NFVCL did not answer within 30 s', lostCreate: { blueprintsBefore: [foreign.blueprintId!] } };
    await calls.execute({ type: 'RecordNfvclFailure', data: failure }, context('lost-failed'));
    const late = (await client.createK8sBlueprint(k8sCreateBody(shape) as K8sCreateBody)).blueprintId!;
    await client.getBlueprint(late); // NFVCL is done with both
    await client.getBlueprint(foreign.blueprintId!);

    const outcome = await sync('sync-in-doubt');
    const imported = (await readStore.find<{ blueprintId: string }>(osK8sClustersProjection.collection)).map(({ doc }) => doc.blueprintId);
    expect({ added: outcome.added.length, imported }).toEqual({ added: 1, imported: [foreign.blueprintId] });

    // No longer in doubt (NFVCL_PROVISION_TIMEOUT after the failure), it is a blueprint like any other.
    calls = new NfvclCalls(store, { inDoubtForMs: 0 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await sync('sync-later')).added).toHaveLength(1);
    expect((await readStore.find<{ blueprintId: string }>(osK8sClustersProjection.collection)).map(({ doc }) => doc.blueprintId).sort()).toEqual([foreign.blueprintId, late].sort());
  });
});
