import type { RunningFakeNfvcl } from '../../test/fakes/nfvcl/fake-nfvcl';
import { fakeNfvclWithVim } from '../../test/support/nfvcl-rig';
import { NfvclCalls, nfvclCallIdOf } from '../application/nfvcl-calls';
import { OsK8sClusterCommands } from '../application/os-k8s-cluster-commands';
import { VimCommands } from '../application/vim-commands';
import type { NfvclOperation } from '../domain/nfvcl-call/events';
import { MemoryEventStore } from '../eventstore/memory-event-store';
import { k8sAddNodeBody, k8sCreateBody, type K8sCreateBody } from '../integrations/nfvcl/nfvcl-bodies';
import { NfvclHttpClient } from '../integrations/nfvcl/nfvcl-http.client';
import { MemoryReadStore } from '../readstore/memory-read-store';
import { LeaseKeeper } from '../processing/lease-keeper';
import { LeaseLostError } from '../readstore/read-store';
import { NFVCL_CALLS_PROCESSOR, NfvclCallsProcessor } from './nfvcl-calls.processor';

/** The runner's context while this instance holds the processor's lease. */
const owner = { signal: new AbortController().signal, fence: async () => undefined };
const context = (commandId: string) => ({ commandId, correlationId: 'c', actor: 'test', now: new Date() });
const create: NfvclOperation = {
  kind: 'create-k8s',
  smoId: 'OS_K8S_0_abcde',
  popArea: 0,
  vimId: 1,
  vimName: 'v',
  mgmtNetwork: 'm',
  serviceNetwork: 's',
  workerReplicas: 1,
  nfvclRequest: k8sCreateBody({ popArea: 0, mgmtNetwork: 'm', serviceNetwork: 's', workerReplicas: 1 }),
};

describe('NFVCL calls processor', () => {
  let nfvcl: RunningFakeNfvcl;
  let store: MemoryEventStore;
  let calls: NfvclCalls;
  let clusters: OsK8sClusterCommands;
  let processor: NfvclCallsProcessor;
  let client: NfvclHttpClient;
  let vims: VimCommands;
  /** The store refuses the next record of a call's answer (SQLITE_FULL), as a process killed there would leave it. */
  let failAnswerOnce: boolean;
  beforeEach(async () => {
    ({ nfvcl, client } = await fakeNfvclWithVim());
    failAnswerOnce = false;
    store = new MemoryEventStore();
    calls = new NfvclCalls(store);
    clusters = new OsK8sClusterCommands(store);
    vims = new VimCommands(store, new MemoryReadStore());
    await vims.register(
      { name: 'v', popArea: 0, url: 'http://k:5000/v3', vimType: 'Openstack', networks: [], mgmtNetwork: 'm', serviceNetwork: 's', useFloatingIp: false, topology: 't', tenantName: 'n', user: 'u', source: 'api', nfvclResponse: null },
      context('register-vim'),
    );
    processor = processorWith(client);
  });
  afterEach(() => nfvcl.stop());

  const processorWith = (nfvclClient: NfvclHttpClient) =>
    new NfvclCallsProcessor({
      calls,
      clusters,
      vims,
      nfvcl: nfvclClient,
      dispatchCall: async (command, ctx) => {
        if (failAnswerOnce && command.type === 'RecordNfvclAnswer') {
          failAnswerOnce = false;
          throw new Error('SQLITE_FULL: database or disk is full');
        }
        return calls.execute(command, ctx);
      },
      dispatchCluster: (command, ctx) => clusters.execute(command, ctx),
      removeVim: (data, ctx) => vims.execute(data.vimId, { type: 'RemoveVim', data }, ctx),
      // The app reads its read model; here the live clusters of the store.
      clustersInArea: async (popArea) => {
        const ids = new Set((await store.readAll({ filter: { streamCategories: ['oscluster'] } })).map((e) => e.streamId.slice('oscluster-'.length)));
        const states = await Promise.all([...ids].map(async (id) => (await clusters.load(id)).state));
        return states.flatMap((s) => (s.kind === 'exists' && !s.decommissioned && s.popArea === popArea ? [{ smoId: s.smoId, vimName: s.vimName, blueprintId: s.blueprintId }] : []));
      },
    });

  async function intent(operation: NfvclOperation, commandId: string) {
    const callId = nfvclCallIdOf(commandId);
    await calls.execute({ type: 'RequestNfvclCall', data: { callId, operation } }, context(commandId));
    const [event] = await store.readStream(`nfvclcall-${callId}`);
    return { callId, event: event! };
  }
  const blueprintPosts = () => nfvcl.requests().filter((r) => r.method === 'POST' && r.path === '/nfvcl/v2/api/blue/k8s').length;

  it("asks NFVCL once, records the cluster and then the call's answer; handling the intent again asks nothing", async () => {
    const { callId, event } = await intent(create, 'req-1');
    await processor.handle(event, owner);
    expect((await store.readStream(`oscluster-${create.smoId}`)).map((e) => e.type)).toEqual(['ClusterProvisioningRequested']);
    const state = await calls.load(callId);
    expect(state).toMatchObject({ kind: 'answered', outcome: { type: 'NfvclCallAnswered' } });
    expect(blueprintPosts()).toBe(1);

    await processor.handle(event, owner);
    expect(blueprintPosts()).toBe(1);
    expect((await store.readStream(`nfvclcall-${callId}`)).map((e) => e.type)).toEqual(['NfvclCallRequested', 'NfvclCallAnswered']);
  });

  /**
   * Fencing: an instance paused (GC, frozen VM) past its lease, whose processor another instance took over meanwhile,
   * makes no NFVCL change when it wakes: the new owner makes the call (a second create was a second blueprint).
   */
  it('asks NFVCL nothing once this instance lost the lease', async () => {
    const leases = new MemoryReadStore();
    const paused = new LeaseKeeper(leases, NFVCL_CALLS_PROCESSOR, 'instance-a', 20);
    expect(await paused.confirm()).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(await new LeaseKeeper(leases, NFVCL_CALLS_PROCESSOR, 'instance-b', 60_000).confirm()).toBe(true);
    const fence = async () => {
      if (!(await paused.confirm())) throw new LeaseLostError(NFVCL_CALLS_PROCESSOR, paused.owner);
    };

    const { callId, event } = await intent(create, 'req-stale');
    await expect(processor.handle(event, { signal: new AbortController().signal, fence })).rejects.toThrow(LeaseLostError);
    expect(blueprintPosts()).toBe(0);
    expect(await calls.load(callId)).toMatchObject({ kind: 'requested' });
  });

  it("records NFVCL's refusal as the call's outcome, and nothing for the cluster", async () => {
    nfvcl.failNextAt('POST', '/nfvcl/v2/api/blue/k8s', 422, { detail: 'bad area' });
    const { callId, event } = await intent(create, 'req-2');
    await processor.handle(event, owner);
    expect(await calls.load(callId)).toMatchObject({ kind: 'answered', outcome: { type: 'NfvclCallFailed', data: { kind: 'refused', status: 422, detail: expect.stringContaining('bad area') } } });
    expect(await store.readStream(`oscluster-${create.smoId}`).catch(() => [])).toEqual([]);
  });

  it('does not ask NFVCL for a cluster on a VIM removed before the call was made (a creation that raced the removal)', async () => {
    await vims.execute(1, { type: 'RemoveVim', data: { vimId: 1, nfvclResponse: null } }, context('remove-vim'));
    const { callId, event } = await intent(create, 'req-after-removal');
    await processor.handle(event, owner);
    expect(await calls.load(callId)).toMatchObject({ kind: 'answered', outcome: { type: 'NfvclCallFailed', data: { kind: 'not-found', detail: 'VIM not found' } } });
    expect(blueprintPosts()).toBe(0);
  });

  it('does not ask NFVCL to delete a cluster SMO no longer has (a request that raced another)', async () => {
    const { callId, event } = await intent({ kind: 'delete-k8s', smoId: 'OS_K8S_0_zzzzz', blueprintId: 'gone1' }, 'req-3');
    await processor.handle(event, owner);
    expect(await calls.load(callId)).toMatchObject({ kind: 'answered', outcome: { type: 'NfvclCallFailed', data: { kind: 'not-found' } } });
    expect(nfvcl.requests().filter((r) => r.method === 'DELETE')).toEqual([]);
  });

  it('adopts no blueprint when no create is in doubt: one built outside SMO alike stays NFVCL\'s (the sync imports it)', async () => {
    await client.createK8sBlueprint(create.nfvclRequest as K8sCreateBody);
    await processor.handle((await intent(create, 'fresh')).event, owner);
    expect({ blueprintsInNfvcl: nfvcl.blueprints().size, creates: blueprintPosts() }).toEqual({ blueprintsInNfvcl: 2, creates: 2 });
  });

  /**
   * NFVCL chooses blueprint ids: a create whose answer was lost (NFVCL slower than NFVCL_TIMEOUT) left SMO not knowing
   * whether a blueprint was built, and a retry (a new Idempotency-Key, so a new call) built a second one: VMs leaked.
   */
  describe('a create whose answer was lost', () => {
    const blueprintCreate = ['POST', '/nfvcl/v2/api/blue/k8s'] as const;
    /** A client whose next create is followed by a failing look at NFVCL's blueprints (NFVCL unreadable right after the lost answer). */
    class LookFailingClient extends NfvclHttpClient {
      lookFails = false;
      override async createK8sBlueprint(body: K8sCreateBody) {
        try {
          return await super.createK8sBlueprint(body);
        } finally {
          if (this.lookFails) nfvcl.failNextAt('GET', '/nfvcl/v2/api/blue', 503);
          this.lookFails = false;
        }
      }
    }
    let lossy: LookFailingClient;
    beforeEach(() => {
      // NFVCL answers after SMO gave up (NFVCL_TIMEOUT 200 ms here): it built the blueprint, SMO does not know it.
      lossy = new LookFailingClient({ baseUrl: nfvcl.url, timeoutMs: 200, retry: { attempts: 1, initialDelayMs: 5, maxDelayMs: 5 } });
      client = lossy;
      processor = processorWith(client);
      nfvcl.delayAnswerTo(...blueprintCreate, 1000);
    });

    it('adopts the blueprint NFVCL built when NFVCL can be asked right away: the call answers, one blueprint', async () => {
      const { callId, event } = await intent(create, 'lost-1');
      await processor.handle(event, owner);
      const [built] = [...nfvcl.blueprints().keys()];
      expect(await calls.load(callId)).toMatchObject({ kind: 'answered', outcome: { type: 'NfvclCallAnswered' } });
      expect((await clusters.load(create.smoId)).state).toMatchObject({ status: 'Provisioning', blueprintId: built });
      expect(nfvcl.blueprints().size).toBe(1);
    });

    it('a retry with another key adopts it when NFVCL could not be asked then; NFVCL is not asked to build another', async () => {
      lossy.lookFails = true; // the look for it fails too: the call's outcome is unknown
      const first = await intent(create, 'lost-2');
      await processor.handle(first.event, owner);
      expect(await calls.load(first.callId)).toMatchObject({ kind: 'answered', outcome: { type: 'NfvclCallFailed', data: { kind: 'timeout' } } });

      const retry = await intent({ ...create, smoId: 'OS_K8S_0_fghij' }, 'lost-2-retry');
      await processor.handle(retry.event, owner);
      const [built] = [...nfvcl.blueprints().keys()];
      expect({ blueprintsInNfvcl: nfvcl.blueprints().size, creates: blueprintPosts() }).toEqual({ blueprintsInNfvcl: 1, creates: 1 });
      expect(await calls.load(retry.callId)).toMatchObject({ kind: 'answered', outcome: { type: 'NfvclCallAnswered' } });
      expect((await clusters.load('OS_K8S_0_fghij')).state).toMatchObject({ status: 'Provisioning', blueprintId: built });

      // Adopted, the blueprint is that cluster's: another request for the same cluster is a new blueprint.
      const another = await intent({ ...create, smoId: 'OS_K8S_0_klmno' }, 'lost-2-another');
      await processor.handle(another.event, owner);
      expect({ blueprintsInNfvcl: nfvcl.blueprints().size, creates: blueprintPosts() }).toEqual({ blueprintsInNfvcl: 2, creates: 2 });
    });

    it('adopts no blueprint of a cluster SMO deleted that NFVCL is still destroying: a new request of that shape is a new blueprint', async () => {
      lossy.lookFails = true;
      await processor.handle((await intent(create, 'lost-4')).event, owner);
      const adopter = { ...create, smoId: 'OS_K8S_0_fghij' };
      await processor.handle((await intent(adopter, 'lost-4-retry')).event, owner);
      const [built] = [...nfvcl.blueprints().keys()];
      expect((await clusters.load(adopter.smoId)).state).toMatchObject({ blueprintId: built });

      // Deleted: NFVCL accepts, and destroys the VMs for minutes; its blueprint is listed meanwhile.
      nfvcl.holdNextDeletion();
      await processor.handle((await intent({ kind: 'delete-k8s', smoId: adopter.smoId, blueprintId: built! }, 'lost-4-delete')).event, owner);
      expect((await clusters.load(adopter.smoId)).state).toMatchObject({ decommissioned: true });

      const anew = { ...create, smoId: 'OS_K8S_0_uvwxy' };
      await processor.handle((await intent(anew, 'lost-4-anew')).event, owner);
      expect((await clusters.load(anew.smoId)).state).not.toMatchObject({ blueprintId: built });
      expect(blueprintPosts()).toBe(2);
    });

    /**
     * NFVCL's create takes no name or label of SMO's and NFVCL picks the id: a blueprint asked for alike outside SMO, that
     * no SMO cluster has (the sync had not imported it yet), was adopted as the lost create's, right away and by every
     * retry of that shape: SMO showed as its own a cluster it did not build, and deleting it deleted someone else's VMs.
     */
    it("adopts no blueprint that was in NFVCL before the lost create was sent, neither at once nor on a retry", async () => {
      const outside = new NfvclHttpClient({ baseUrl: nfvcl.url, timeoutMs: 5000, retry: { attempts: 1, initialDelayMs: 5, maxDelayMs: 5 } });
      const foreign = (await outside.createK8sBlueprint(create.nfvclRequest as K8sCreateBody)).blueprintId!; // waits out the delayed answer
      nfvcl.failNextAt(...blueprintCreate, 504); // a proxy's timeout: NFVCL built nothing, SMO cannot know
      const lost = await intent(create, 'lost-foreign');
      await processor.handle(lost.event, owner);
      expect(await calls.load(lost.callId)).toMatchObject({ kind: 'answered', outcome: { type: 'NfvclCallFailed', data: { kind: 'refused', status: 504 } } });
      expect((await clusters.load(create.smoId)).state).toEqual({ kind: 'none' });

      const retry = { ...create, smoId: 'OS_K8S_0_fghij' };
      await processor.handle((await intent(retry, 'lost-foreign-retry')).event, owner);
      const built = [...nfvcl.blueprints().keys()].filter((id) => id !== foreign);
      expect(built).toHaveLength(1);
      expect((await clusters.load(retry.smoId)).state).toMatchObject({ status: 'Provisioning', blueprintId: built[0] });
    });

    it('adopts no blueprint built for another cluster shape', async () => {
      lossy.lookFails = true;
      await processor.handle((await intent(create, 'lost-3')).event, owner);
      // A retry for more workers is another cluster: NFVCL builds it.
      const bigger = { ...create, smoId: 'OS_K8S_0_pqrst', workerReplicas: 2, nfvclRequest: k8sCreateBody({ popArea: 0, mgmtNetwork: 'm', serviceNetwork: 's', workerReplicas: 2 }) };
      await processor.handle((await intent(bigger, 'bigger')).event, owner);
      expect(blueprintPosts()).toBe(2);
    });
  });

  /**
   * Stopped between the cluster's record (step 'record') and the call's own (step 'answer'), the processor handles the
   * event again after the restart: what the first record wrote is the outcome, and NFVCL is not asked again (found by a
   * review helper: add_node twice, an orphan blueprint, a 404 for a delete that succeeded).
   */
  describe('stopped between its two records', () => {
    async function handledAfterARestart(event: Awaited<ReturnType<typeof intent>>['event']) {
      failAnswerOnce = true;
      await expect(processor.handle(event, owner)).rejects.toThrow('SQLITE_FULL');
      await processor.handle(event, owner); // the runner handles the event again (retry or restart)
    }
    const smoId = create.smoId;

    it('scale-out: NFVCL adds the workers once (add_node is not idempotent)', async () => {
      const created = await intent(create, 'create-1');
      await processor.handle(created.event, owner);
      const blueprintId = [...nfvcl.blueprints().keys()][0]!;
      expect((await client.getBlueprint(blueprintId))?.phase).toBe('ready'); // NFVCL built it
      await clusters.execute({ type: 'RecordClusterProvisioned', data: { smoId, blueprintId, popArea: 0, workers: 1, masterFlavor: null, karmada: 'not-configured' } }, context('ready'));

      const scale = await intent({ kind: 'scale-out-k8s', smoId, blueprintId, addedWorkers: 2, nfvclRequest: k8sAddNodeBody({ popArea: 0, mgmtNetwork: 'm', serviceNetwork: 's', workerReplicas: 2 }) }, 'scale-1');
      await handledAfterARestart(scale.event);

      const addNodes = nfvcl.requests().filter((r) => r.path === '/nfvcl/v2/api/blue/k8s/add_node' && r.status < 300);
      const recorded = (await store.readStream(`oscluster-${smoId}`)).filter((e) => e.type === 'ClusterScaledOut');
      expect({ nfvclAddNodeCalls: addNodes.length, nfvclWorkers: nfvcl.blueprints().get(blueprintId)!.workers, smoScaleOuts: recorded.length }).toEqual({ nfvclAddNodeCalls: 1, nfvclWorkers: 3, smoScaleOuts: 1 });
    });

    it('create: NFVCL builds one blueprint for the one cluster SMO recorded', async () => {
      const created = await intent(create, 'create-2');
      await handledAfterARestart(created.event);
      const recorded = (await store.readStream(`oscluster-${smoId}`)).filter((e) => e.type === 'ClusterProvisioningRequested');
      expect({ blueprintsInNfvcl: nfvcl.blueprints().size, clustersInSmo: recorded.length }).toEqual({ blueprintsInNfvcl: 1, clustersInSmo: 1 });
    });

    it('delete: the call that deleted the cluster answers success, not 404', async () => {
      const created = await intent(create, 'create-3');
      await processor.handle(created.event, owner);
      const blueprintId = [...nfvcl.blueprints().keys()][0]!;
      const del = await intent({ kind: 'delete-k8s', smoId, blueprintId }, 'delete-1');
      await handledAfterARestart(del.event);
      expect(await calls.load(del.callId)).toMatchObject({ kind: 'answered', outcome: { type: 'NfvclCallAnswered' } });
    });
  });
});
