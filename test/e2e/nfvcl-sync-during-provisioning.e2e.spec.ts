import { startNfvclRig, vimBody, type NfvclRig } from '../support/nfvcl-rig';

/**
 * Current NFVCL answers a k8s create with 202 and a task; its `detail` need not name the blueprint (SMO then learns
 * the id from the finished task). Meanwhile the blueprint is in NFVCL's list. A sync run during the provisioning
 * does not import it: it would be a second SMO cluster on that blueprint (found by a review helper).
 */
describe('OS K8s sync while SMO is provisioning a cluster', () => {
  let rig: NfvclRig;
  afterEach(async () => rig.stop());

  it('does not import the blueprint SMO is provisioning as another cluster', async () => {
    rig = await startNfvclRig({ fake: { namesBlueprintInDetail: false, pollsUntilReady: 25 } });
    expect((await rig.request('POST', '/vims/smo_vims', vimBody())).status).toBe(201);
    const created = await rig.request('POST', '/os_k8s/clusters', { pop_area: 0, vim_name: 'os-brussels' });
    expect(created.status).toBe(201);
    const { smo_id: smoId } = (await created.json()) as { smo_id: string };

    const synced = await rig.request('POST', '/os_k8s/sync/nfvcl_k8s');
    expect(synced.status).toBe(200);
    const syncAnswer = await synced.json();

    await rig.clusterWhen(smoId, 'Provisioned');
    const clusters = (await rig.json<{ smo_id: string; nfvcl_id: string; origin: string }[]>('/os_k8s/clusters'));
    expect({ blueprintsInNfvcl: rig.nfvcl.blueprints().size, syncAnswer, clusters: clusters.map((c) => `${c.smo_id} ${c.nfvcl_id} ${c.origin}`) }).toEqual({
      blueprintsInNfvcl: 1,
      syncAnswer: [{ message: 'Openstack k8s are already synced...' }],
      clusters: [`${smoId} ${[...rig.nfvcl.blueprints().keys()][0]} smo`],
    });
  });
});
