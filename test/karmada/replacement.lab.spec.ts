import type { RunningApp } from '../support/app';
import { eventually } from '../support/smo-process';
import { describeLab } from './describe-lab';
import { brusselsDescriptor, clusterReady, getGraph, labClusters, labComponent, smoRequest, startLabSmo, waitGoneFrom, waitRunningIn, type MemberName } from './lab';

const GRAPH = 'lab-moves';
const AUTO_SERVICES = ['noise-reduction', 'image-detection'];
/** Pods that take member1's CPU: Karmada's resource summary then reports it as allocated. */
const LOAD = { namespace: 'lab-load', name: 'cpu-hog' };

describeLab('re-placement on a real Karmada: capacity taken, then a member lost', (lab) => {
  let smo: RunningApp;
  beforeAll(async () => {
    await labClusters(lab()).karmada.waitNamespaceGone(GRAPH);
    smo = await startLabSmo(lab());
  });
  afterAll(async () => {
    await smo?.close();
    // Whatever happened, give the lab back as it was: member2's API server up and Ready, no load.
    await labComponent(lab(), 'start', 'member2-apiserver');
    await eventually(() => clusterReady(lab(), 'member2'), 120_000, 'member2 Ready again');
    const clusters = labClusters(lab());
    await clusters.karmada.deleteNamespace(GRAPH);
    await clusters.member1.deleteNamespace(LOAD.namespace);
  });

  const placementOf = async (service: string) => (await getGraph(smo, GRAPH)).placement?.[service] as MemberName | undefined;
  /** Where each auto service's import PropagationPolicy sends its ServiceImport (serviceImportClusters). */
  const importClusters = async (service: string) => {
    const policy = (await labClusters(lab()).karmada.custom.getNamespacedCustomObject({
      group: 'policy.karmada.io', version: 'v1alpha1', plural: 'propagationpolicies', namespace: GRAPH, name: `${service}-import`,
    })) as { spec: { placement: { clusterAffinity: { clusterNames: string[] } } } };
    return policy.spec.placement.clusterAffinity.clusterNames;
  };

  it('moves the services to member2 when member1 has no CPU left (MILP re-placement), imports following', async () => {
    const clusters = labClusters(lab());
    expect((await smoRequest(smo, 'POST', `/project/${GRAPH}/graphs`, brusselsDescriptor(lab(), GRAPH))).status).toBe(200);
    for (const service of AUTO_SERVICES) {
      expect(await placementOf(service)).toBe('member1');
      await waitRunningIn(clusters.member1, GRAPH, service);
    }
    // image-detection is a connection point of noise-reduction: it is imported where noise-reduction runs.
    expect(await importClusters('image-detection')).toEqual(['member1']);

    await clusters.member1.core.createNamespace({ body: { metadata: { name: LOAD.namespace } } });
    await clusters.member1.apps.createNamespacedDeployment({
      namespace: LOAD.namespace,
      body: {
        metadata: { name: LOAD.name },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: LOAD.name } },
          template: { metadata: { labels: { app: LOAD.name } }, spec: { containers: [{ name: 'hog', image: 'hog', resources: { requests: { cpu: '7500m' } } }] } },
        },
      },
    });
    await waitRunningIn(clusters.member1, LOAD.namespace, LOAD.name);
    // Karmada's cluster status (every 5 s in the lab), then SMO's inventory sync (every 2 s).
    await eventually(async () => {
      const member1 = ((await (await smoRequest(smo, 'GET', '/clusters/')).json()) as Array<{ name: string; available_cpu: number }>).find((c) => c.name === 'member1');
      return member1 !== undefined && member1.available_cpu < 1;
    }, 60_000, 'SMO to see member1 loaded');

    const replace = await smoRequest(smo, 'POST', `/graphs/${GRAPH}/placement`);
    expect(replace.status).toBe(200);
    for (const service of AUTO_SERVICES) {
      expect(await placementOf(service)).toBe('member2');
      await waitRunningIn(clusters.member2, GRAPH, service);
      await waitGoneFrom(clusters.member1, GRAPH, service);
    }
    expect(await importClusters('image-detection')).toEqual(['member2']);
    await clusters.member1.deleteNamespace(LOAD.namespace);
  });

  it('records the loss of member2 when its API server stops and re-places onto member1, where the pods come up', async () => {
    const clusters = labClusters(lab());
    for (const service of AUTO_SERVICES) expect(await placementOf(service)).toBe('member2');
    // member1's CPU is free again before member2 goes.
    await eventually(async () => {
      const member1 = ((await (await smoRequest(smo, 'GET', '/clusters/')).json()) as Array<{ name: string; available_cpu: number }>).find((c) => c.name === 'member1');
      return member1 !== undefined && member1.available_cpu > 5;
    }, 90_000, 'member1 free again');

    await labComponent(lab(), 'stop', 'member2-apiserver');
    await eventually(async () => !(await clusterReady(lab(), 'member2')), 120_000, 'Karmada to mark member2 not ready');
    for (const service of AUTO_SERVICES) {
      await eventually(async () => (await placementOf(service)) === 'member1', 60_000, `${service} re-placed onto member1`);
      await waitRunningIn(clusters.member1, GRAPH, service);
    }
    const events = await smo.runtime.eventStore.readAll({ filter: { streamCategories: ['cluster'] } });
    expect(events.map((e) => `${e.type}:${(e.data as { name: string }).name}`)).toContain('ClusterUnavailable:member2');
    const requests = await smo.runtime.eventStore.readAll({ filter: { eventTypes: ['ReplacementRequested'] } });
    expect(requests.map((e) => e.data)).toContainEqual(expect.objectContaining({ reason: 'cluster-lost', detail: 'cluster member2 is unavailable' }));
    const decisions = await smo.runtime.eventStore.readStream(`graph-${GRAPH}`);
    expect(decisions.filter((e) => e.type === 'PlacementDecided').map((e) => (e.data as { reason: string }).reason)).toContain('cluster-lost');
  });
});
