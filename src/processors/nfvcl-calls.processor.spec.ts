import { FakeNfvcl, type RunningFakeNfvcl } from '../../test/fakes/nfvcl/fake-nfvcl';
import { NfvclCalls, nfvclCallIdOf } from '../application/nfvcl-calls';
import { OsK8sClusterCommands } from '../application/os-k8s-cluster-commands';
import { VimCommands } from '../application/vim-commands';
import type { NfvclOperation } from '../domain/nfvcl-call/events';
import { MemoryEventStore } from '../eventstore/memory-event-store';
import { k8sCreateBody, topologyBody } from '../integrations/nfvcl/nfvcl-bodies';
import { NfvclHttpClient } from '../integrations/nfvcl/nfvcl-http.client';
import { MemoryReadStore } from '../readstore/memory-read-store';
import { NfvclCallsProcessor } from './nfvcl-calls.processor';

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
  beforeEach(async () => {
    nfvcl = await FakeNfvcl.start();
    store = new MemoryEventStore();
    calls = new NfvclCalls(store);
    clusters = new OsK8sClusterCommands(store);
    const vims = new VimCommands(store, new MemoryReadStore());
    const client = new NfvclHttpClient({ baseUrl: nfvcl.url, timeoutMs: 1000, retry: { attempts: 1, initialDelayMs: 5, maxDelayMs: 5 } });
    await client.registerVim(
      topologyBody({
        topology: 't', popArea: 0, vimName: 'v', tenantName: 'n', user: 'u', password: 'p', vimUrl: 'http://k:5000/v3',
        mgmtNetwork: { name: 'm', cidr: '10.0.0.0/24', gateway: '10.0.0.1' }, serviceNetwork: { name: 's', cidr: '10.1.0.0/24', gateway: '10.1.0.1' }, useFloatingIp: false,
      }),
      ['p'],
    );
    processor = new NfvclCallsProcessor({
      calls,
      clusters,
      vims,
      nfvcl: client,
      dispatchCall: (command, ctx) => calls.execute(command, ctx),
      dispatchCluster: (command, ctx) => clusters.execute(command, ctx),
      removeVim: (data, ctx) => vims.execute(data.vimId, { type: 'RemoveVim', data }, ctx),
    });
  });
  afterEach(() => nfvcl.stop());

  async function intent(operation: NfvclOperation, commandId: string) {
    const callId = nfvclCallIdOf(commandId);
    await calls.execute({ type: 'RequestNfvclCall', data: { callId, operation } }, context(commandId));
    const [event] = await store.readStream(`nfvclcall-${callId}`);
    return { callId, event: event! };
  }
  const blueprintPosts = () => nfvcl.requests().filter((r) => r.method === 'POST' && r.path === '/nfvcl/v2/api/blue/k8s').length;

  it("asks NFVCL once, records the cluster and then the call's answer; handling the intent again asks nothing", async () => {
    const { callId, event } = await intent(create, 'req-1');
    await processor.handle(event);
    expect((await store.readStream(`oscluster-${create.smoId}`)).map((e) => e.type)).toEqual(['ClusterProvisioningRequested']);
    const state = await calls.load(callId);
    expect(state).toMatchObject({ kind: 'answered', outcome: { type: 'NfvclCallAnswered' } });
    expect(blueprintPosts()).toBe(1);

    await processor.handle(event);
    expect(blueprintPosts()).toBe(1);
    expect((await store.readStream(`nfvclcall-${callId}`)).map((e) => e.type)).toEqual(['NfvclCallRequested', 'NfvclCallAnswered']);
  });

  it("records NFVCL's refusal as the call's outcome, and nothing for the cluster", async () => {
    nfvcl.failNext(422, 1, { detail: 'bad area' });
    const { callId, event } = await intent(create, 'req-2');
    await processor.handle(event);
    expect(await calls.load(callId)).toMatchObject({ kind: 'answered', outcome: { type: 'NfvclCallFailed', data: { kind: 'refused', status: 422, detail: expect.stringContaining('bad area') } } });
    expect(await store.readStream(`oscluster-${create.smoId}`).catch(() => [])).toEqual([]);
  });

  it('does not ask NFVCL to delete a cluster SMO no longer has (a request that raced another)', async () => {
    const { callId, event } = await intent({ kind: 'delete-k8s', smoId: 'OS_K8S_0_zzzzz', blueprintId: 'gone1' }, 'req-3');
    await processor.handle(event);
    expect(await calls.load(callId)).toMatchObject({ kind: 'answered', outcome: { type: 'NfvclCallFailed', data: { kind: 'not-found' } } });
    expect(nfvcl.requests().filter((r) => r.method === 'DELETE')).toEqual([]);
  });
});
