import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { RunningApp } from '../support/app';
import type { ClusterView } from '../../src/api/clusters.controller';
import { describeLab } from './describe-lab';
import { eventually } from '../support/smo-process';
import { MEMBERS, brusselsDescriptor, getGraph, labClusters, smoRequest, startLabSmo, waitGoneFrom, waitRunningIn, type LabCluster, type MemberName } from './lab';

const GRAPH = 'lab-brussels';
const PROJECT = 'lab-brussels';
const AUTO_SERVICES = ['noise-reduction', 'image-detection'];
/** A finalizer of the test's own on noise-reduction's PropagationPolicy: Karmada slow to let it go. */
const HOLD = 'smo.test/hold';
const POLICY = { group: 'policy.karmada.io', version: 'v1alpha1', plural: 'propagationpolicies', namespace: PROJECT, name: 'noise-reduction' };

async function policy(karmada: LabCluster): Promise<'present' | 'terminating' | 'gone'> {
  try {
    const object = (await karmada.custom.getNamespacedCustomObject(POLICY)) as { metadata: { deletionTimestamp?: string } };
    return object.metadata.deletionTimestamp ? 'terminating' : 'present';
  } catch (error) {
    if ((error as { code?: number }).code === 404) return 'gone';
    throw error;
  }
}

async function holdPolicy(karmada: LabCluster, action: 'add' | 'remove'): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const object = (await karmada.custom.getNamespacedCustomObject(POLICY)) as { metadata: { finalizers?: string[]; resourceVersion: string } };
    const others = (object.metadata.finalizers ?? []).filter((f) => f !== HOLD);
    try {
      // resourceVersion guards against overwriting Karmada's own change made in between: then read again.
      await karmada.custom.patchNamespacedCustomObject(
        { ...POLICY, body: { metadata: { finalizers: action === 'add' ? [...others, HOLD] : others, resourceVersion: object.metadata.resourceVersion } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      return;
    } catch (error) {
      if ((error as { code?: number }).code !== 409 || attempt >= 10) throw error;
    }
  }
}

describeLab('Brussels demo on a real Karmada (inventory, deploy, stop, start, remove)', (lab) => {
  let smo: RunningApp;
  beforeAll(async () => {
    await labClusters(lab()).karmada.waitNamespaceGone(PROJECT);
    smo = await startLabSmo(lab());
  });
  afterAll(async () => {
    await smo?.close();
    const { karmada } = labClusters(lab());
    // A failed run may have left the test's finalizer on the policy: it would hold the namespace forever.
    if ((await policy(karmada)) !== 'gone') await holdPolicy(karmada, 'remove');
    await karmada.deleteNamespace(PROJECT);
  });

  it('takes its inventory from the real Cluster objects: kwok nodes, resource summaries, Submariner CIDRs', async () => {
    expect((await smoRequest(smo, 'POST', '/clusters/sync')).status).toBe(200);
    await smo.runtime.processing.whenIdle(20_000);
    const clusters = (await (await smoRequest(smo, 'GET', '/clusters/')).json()) as ClusterView[];
    expect(clusters.map((c) => [c.name, c.availability, c.capacity.cpu.allocatable, c.capacity.memoryBytes.allocatable, c.capacity.gpu.allocatable, c.acceleration])).toEqual([
      ['member1', true, 8, 32 * 2 ** 30, 0, false],
      ['member2', true, 16, 64 * 2 ** 30, 2, true],
    ]);
    // Available = allocatable − what the members' pods request (Karmada's resourceSummary.allocated).
    for (const cluster of clusters) expect(cluster.capacity.cpu.available).toBeLessThanOrEqual(cluster.capacity.cpu.allocatable);
    expect(clusters.map((c) => [c.pod_cidr, c.service_cidr])).toEqual([
      ['10.241.0.0/16', '10.91.0.0/16'],
      ['10.242.0.0/16', '10.92.0.0/16'],
    ]);
  });

  it('deploys from the lab registry: each auto service runs in the member SMO chose, the VO waits; stop, start and remove act on the members', async () => {
    const clusters = labClusters(lab());
    const deploy = await smoRequest(smo, 'POST', `/project/${PROJECT}/graphs`, brusselsDescriptor(lab(), GRAPH));
    expect([deploy.status, await deploy.text()]).toEqual([200, 'Graph deployment successful\n']);

    const graph = await getGraph(smo, GRAPH);
    expect(graph.services.map((s) => [s.name, s.status])).toEqual([
      ['image-compression-vo', 'Pending'],
      ['noise-reduction', 'Deployed'],
      ['image-detection', 'Deployed'],
    ]);
    const placement = graph.placement as Record<string, MemberName>;
    for (const service of AUTO_SERVICES) {
      const chosen = placement[service]!;
      expect(MEMBERS).toContain(chosen);
      await waitRunningIn(clusters[chosen], PROJECT, service);
      const other = MEMBERS.find((m) => m !== chosen)!;
      expect(await clusters[other].deployment(PROJECT, service)).toBeNull();
    }
    // The VO is Pending: nothing of it in Karmada nor in any member.
    expect(await clusters.karmada.deployment(PROJECT, 'image-compression-vo')).toBeNull();

    // Karmada deletes a PropagationPolicy only once its controller removed its finalizer; a busy
    // controller (e.g. deleting an earlier suite's namespaces) leaves it terminating for a while. Held
    // here on purpose: the stop must not be done before the policy is gone, or the start's install
    // would adopt the terminating policy and its Deployment would never reach a member.
    await holdPolicy(clusters.karmada, 'add');
    const stopping = smoRequest(smo, 'GET', `/graphs/${GRAPH}/stop`);
    await eventually(async () => (await policy(clusters.karmada)) === 'terminating', 30_000, 'helm to delete the held PropagationPolicy');
    expect(await Promise.race([stopping.then(() => 'stopped'), new Promise((resolve) => setTimeout(() => resolve('waiting for Karmada'), 3_000))])).toBe('waiting for Karmada');
    await holdPolicy(clusters.karmada, 'remove');
    const stop = await stopping;
    expect([stop.status, await stop.text()]).toEqual([200, 'Graph stopped\n']);
    expect(await policy(clusters.karmada)).toBe('gone');
    for (const service of AUTO_SERVICES) await waitGoneFrom(clusters[placement[service]!], PROJECT, service);

    // Started again at once: each release gets a policy of its own and reaches its member.
    const start = await smoRequest(smo, 'GET', `/graphs/${GRAPH}/start`);
    expect([start.status, await start.text()]).toEqual([200, 'Graph started\n']);
    for (const service of AUTO_SERVICES) await waitRunningIn(clusters[placement[service]!], PROJECT, service);

    const remove = await smoRequest(smo, 'DELETE', `/graphs/${GRAPH}`);
    expect([remove.status, await remove.text()]).toEqual([200, 'Removal successful\n']);
    expect(await clusters.karmada.deploymentNames(PROJECT)).toEqual([]);
    for (const member of MEMBERS) for (const service of AUTO_SERVICES) await waitGoneFrom(clusters[member], PROJECT, service);
    // helm keeps releases as Secrets in the namespace: none left.
    const secrets = await clusters.karmada.core.listNamespacedSecret({ namespace: PROJECT, labelSelector: 'owner=helm' });
    expect(secrets.items.map((s) => s.metadata?.name)).toEqual([]);
  });
});
