import type { RunningFakeNfvcl } from '../../test/fakes/nfvcl/fake-nfvcl';
import { fakeNfvclWithVim } from '../../test/support/nfvcl-rig';
import { silentLogger } from '../../test/support/stores';
import { OsK8sClusterCommands } from '../application/os-k8s-cluster-commands';
import { MemoryEventStore } from '../eventstore/memory-event-store';
import { k8sAddNodeBody, k8sCreateBody } from '../integrations/nfvcl/nfvcl-bodies';
import { NfvclHttpClient } from '../integrations/nfvcl/nfvcl-http.client';
import { OsK8sOperationsProcessor } from './os-k8s-operations.processor';

const smoId = 'OS_K8S_0_abcde';
const context = (commandId: string) => ({ commandId, correlationId: 'c', actor: 'test', now: new Date() });
const running = () => ({ signal: new AbortController().signal });

describe('OS K8s operations processor (add_node and delete tasks)', () => {
  let nfvcl: RunningFakeNfvcl;
  let store: MemoryEventStore;
  let clusters: OsK8sClusterCommands;
  let client: NfvclHttpClient;
  let blueprintId: string;
  beforeEach(async () => {
    ({ nfvcl, client } = await fakeNfvclWithVim());
    store = new MemoryEventStore();
    clusters = new OsK8sClusterCommands(store);
    const created = await client.createK8sBlueprint(k8sCreateBody({ popArea: 0, mgmtNetwork: 'm', serviceNetwork: 's', workerReplicas: 1 }));
    blueprintId = created.blueprintId!;
    await client.getBlueprint(blueprintId); // NFVCL builds it
    const request = { smoId, popArea: 0, vimId: 1, vimName: 'v', mgmtNetwork: 'm', serviceNetwork: 's', workerReplicas: 1, blueprintId, taskId: created.taskId, nfvclAnswer: created.mode, nfvclRequest: {}, nfvclResponse: null };
    await clusters.execute({ type: 'RequestClusterProvisioning', data: request }, context('request'));
    await clusters.execute({ type: 'RecordClusterProvisioned', data: { smoId, blueprintId, popArea: 0, workers: 1, masterFlavor: null, karmada: 'not-configured' } }, context('ready'));
  });
  afterEach(() => nfvcl.stop());

  const processor = (timeoutMs = 5000) =>
    new OsK8sOperationsProcessor({ clusters, dispatch: (command, ctx) => clusters.execute(command, ctx), nfvcl: client, logger: silentLogger, pollIntervalMs: 10, timeoutMs });
  const types = async () => (await store.readStream(`oscluster-${smoId}`)).map((e) => e.type);
  const last = async () => (await store.readStream(`oscluster-${smoId}`)).at(-1)!;

  async function scaledOut(addedWorkers: number) {
    const answer = await client.addK8sNodes(blueprintId, k8sAddNodeBody({ popArea: 0, mgmtNetwork: 'm', serviceNetwork: 's', workerReplicas: addedWorkers }));
    await clusters.execute({ type: 'ScaleOutCluster', data: { smoId, addedWorkers, taskId: answer.taskId, nfvclResponse: answer.body } }, context(`scale-${addedWorkers}`));
    return last();
  }

  async function decommissioned() {
    const answer = await client.deleteBlueprint(blueprintId);
    await clusters.execute({ type: 'DecommissionCluster', data: { smoId, taskId: answer === 'not-found' ? null : answer.taskId, reason: 'requested' } }, context('delete'));
    return last();
  }

  it('records a failed add_node once: handled again (a restart), the workers are not taken off twice', async () => {
    nfvcl.failNextDay2('No flavor fits the new workers');
    const event = await scaledOut(2);
    await processor().handle(event, running());
    await processor().handle(event, running());
    expect(await types()).toEqual(['ClusterProvisioningRequested', 'ClusterProvisioned', 'ClusterScaledOut', 'ClusterScaleOutFailed']);
    expect((await clusters.load(smoId)).state).toMatchObject({ workers: 1, failure: { reason: 'scale-out-failed', detail: 'No flavor fits the new workers' } });
  });

  it('records nothing for an add_node NFVCL did; a later successful one clears an earlier failure', async () => {
    nfvcl.failNextDay2('No flavor fits the new workers');
    await processor().handle(await scaledOut(2), running());
    nfvcl.blueprints().get(blueprintId)!.error = null; // the operator repaired the blueprint in NFVCL
    await processor().handle(await scaledOut(1), running());
    expect((await clusters.load(smoId)).state).toMatchObject({ workers: 2, failure: null });
  });

  it('follows the blueprint when NFVCL forgot the delete task (it restarted): the delete failed, the cluster is back', async () => {
    nfvcl.failNextDeletion('OpenStack could not delete the VMs');
    const event = await decommissioned();
    nfvcl.forgetTasks();
    await processor().handle(event, running());
    expect(await types()).toEqual(['ClusterProvisioningRequested', 'ClusterProvisioned', 'ClusterDecommissioned', 'ClusterDeletionFailed']);
    expect((await clusters.load(smoId)).state).toMatchObject({ decommissioned: false, status: 'Failed', blueprintId, vimName: 'v', failure: { reason: 'delete-failed', detail: 'OpenStack could not delete the VMs' } });
  });

  it('is bounded: a delete NFVCL cannot be asked about within the timeout is recorded as not done', async () => {
    const event = await decommissioned();
    nfvcl.failNext(503, 10_000, { detail: 'NFVCL is restarting' });
    await processor(100).handle(event, running());
    expect((await clusters.load(smoId)).state).toMatchObject({ decommissioned: false, failure: { reason: 'delete-failed', detail: expect.stringMatching(/was not deleted within 0 s \(last error: .*NFVCL is restarting\)$/) } });
  });

  it('returns without an outcome when SMO stops, and records nothing for a delete NFVCL did', async () => {
    const event = await decommissioned();
    const stop = new AbortController();
    stop.abort();
    await processor().handle(event, { signal: stop.signal });
    await processor().handle(event, running());
    expect(await types()).toEqual(['ClusterProvisioningRequested', 'ClusterProvisioned', 'ClusterDecommissioned']);
  });
});
