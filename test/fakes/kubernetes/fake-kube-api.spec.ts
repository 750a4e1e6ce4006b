import { request } from 'node:http';
import { AppsV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { loadKubeconfigFile } from '../../../src/integrations/kubernetes/kubeconfig';
import { FakeKubeApi, type RunningFakeKubeApi } from './fake-kube-api';

/** The fake's own behaviour, exercised through the real client as adapters will use it. */
describe('FakeKubeApi', () => {
  const api = new FakeKubeApi();
  let running: RunningFakeKubeApi;
  let kc: KubeConfig;

  beforeAll(async () => {
    running = await api.start();
    kc = loadKubeconfigFile(running.kubeconfigPath, { trusted: false });
  });
  afterAll(() => running.stop());

  describe('PrometheusRule store', () => {
    const group = 'monitoring.coreos.com';
    const version = 'v1';
    const plural = 'prometheusrules';
    const namespace = 'monitoring';
    const rule = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'kube-prometheus-stack-0', labels: { release: 'kube-prometheus-stack' } },
      spec: { groups: [{ name: 'smo-alerts', rules: [] }] },
    };

    it('creates, reads and replaces with optimistic concurrency', async () => {
      const objects = kc.makeApiClient(CustomObjectsApi);
      const created = await objects.createNamespacedCustomObject({ group, version, namespace, plural, body: rule });
      expect(created.metadata.namespace).toBe('monitoring');
      await expect(objects.createNamespacedCustomObject({ group, version, namespace, plural, body: rule })).rejects.toMatchObject({ code: 409 });

      const read = await objects.getNamespacedCustomObject({ group, version, namespace, plural, name: rule.metadata.name });
      read.spec.groups[0].rules.push({ alert: 'high-load', expr: 'up > 0', for: '1m' });
      const replaced = await objects.replaceNamespacedCustomObject({ group, version, namespace, plural, name: rule.metadata.name, body: read });
      expect(replaced.metadata.resourceVersion).not.toBe(read.metadata.resourceVersion);
      expect(api.getPrometheusRule('monitoring', 'kube-prometheus-stack-0')?.spec).toEqual({
        groups: [{ name: 'smo-alerts', rules: [{ alert: 'high-load', expr: 'up > 0', for: '1m' }] }],
      });

      // `read` now carries a stale resourceVersion
      await expect(objects.replaceNamespacedCustomObject({ group, version, namespace, plural, name: rule.metadata.name, body: read })).rejects.toMatchObject({ code: 409 });
      await expect(objects.getNamespacedCustomObject({ group, version, namespace, plural, name: 'absent' })).rejects.toMatchObject({ code: 404 });
    });
  });

  describe('Deployment patches', () => {
    beforeEach(() => api.setDeployment({ name: 'web', namespace: 'demo', replicas: 1, cpuLimit: '1' }));

    it('applies JSON patch (the client default), merge and strategic merge patches', async () => {
      const apps = kc.makeApiClient(AppsV1Api);
      await apps.patchNamespacedDeployment({ name: 'web', namespace: 'demo', body: [{ op: 'replace', path: '/spec/replicas', value: 4 }] });
      expect(api.getDeployment('demo', 'web')).toMatchObject({ spec: { replicas: 4 } });

      const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
      await apps.patchNamespacedDeployment({ name: 'web', namespace: 'demo', body: { metadata: { labels: { tier: 'edge' } } } }, merge);
      expect(api.getDeployment('demo', 'web')).toMatchObject({ metadata: { labels: { app: 'web', tier: 'edge' } } });

      const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
      await apps.patchNamespacedDeploymentScale({ name: 'web', namespace: 'demo', body: { spec: { replicas: 0 } } }, strategic);
      expect(api.scalePatches.at(-1)).toMatchObject({ contentType: 'application/strategic-merge-patch+json', replicas: 0 });
    });

    it('refuses an invalid replica count with 422', async () => {
      const apps = kc.makeApiClient(AppsV1Api);
      const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
      await expect(apps.patchNamespacedDeploymentScale({ name: 'web', namespace: 'demo', body: { spec: { replicas: -2 } } }, merge)).rejects.toMatchObject({ code: 422 });
    });
  });

  it('fails the next N matching requests, then answers normally', async () => {
    api.setClusters([]);
    api.failNext('/apis/cluster.karmada.io', 500, 2);
    const objects = kc.makeApiClient(CustomObjectsApi);
    const list = () => objects.listClusterCustomObject({ group: 'cluster.karmada.io', version: 'v1alpha1', plural: 'clusters' });
    await expect(list()).rejects.toMatchObject({ code: 500 });
    await expect(list()).rejects.toMatchObject({ code: 500 });
    await expect(list()).resolves.toMatchObject({ kind: 'ClusterList', items: [] });
  });

  it('answers unknown paths with a 404 Status', async () => {
    const response = await fetch(`${running.url}/api/v1/nodes`, { headers: { authorization: `Bearer ${running.token}` } });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
  });
  describe('delayed answers', () => {
    const timers = () => process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length;

    it('stop() leaves no timer of a delayed answer behind: a worker running it can exit', async () => {
      const slow = new FakeKubeApi();
      const { url, stop } = await slow.start();
      slow.delay('/apis', 60_000);
      const before = timers();
      // A client that gives up first (as SMO does after SMO_KUBE_TIMEOUT): the fake still holds the answer back.
      const call = request(`${url}/apis/cluster.karmada.io/v1alpha1/clusters`, { agent: false });
      call.on('error', () => undefined).end();
      for (let waited = 0; slow.peakInFlight('/apis') === 0 && waited < 5_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(slow.peakInFlight('/apis')).toBe(1);
      call.destroy();

      await stop();
      expect(timers()).toBeLessThanOrEqual(before);
    });
  });
});
