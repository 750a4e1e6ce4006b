import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeKubeApi, type KubeObject, type RunningFakeKubeApi } from '../../../test/fakes/kubernetes/fake-kube-api';
import { FakePrometheus } from '../../../test/fakes/prometheus/fake-prometheus';
import { KubeApiInvalidResponseError, KubeApiStatusError, KubeApiTimeoutError } from '../kubernetes/kube-errors';
import { loadKubeconfigFile } from '../kubernetes/kubeconfig';
import { InvalidAlertRuleError } from './alert-rule-validation';
import type { AlertRule } from './alert-rules.port';
import { PrometheusRuleAdapter, type PrometheusRuleOptions } from './prometheus-rule.adapter';

const NS = 'monitoring';
const CR = 'kube-prometheus-stack-0';
const PATH = `/apis/monitoring.coreos.com/v1/namespaces/${NS}/prometheusrules/${CR}`;

const rule = (name: string, expr = 'vector(1)'): AlertRule => ({
  name,
  expr,
  for: '30s',
  labels: { severity: 'critical', service: 'svc' },
  annotations: { summary: name },
});
const stored = (r: AlertRule) => ({ alert: r.name, expr: r.expr, for: r.for, labels: r.labels, annotations: r.annotations });
const otherGroup = { name: 'kubernetes-apps', rules: [{ alert: 'KubePodCrashLooping', expr: 'x > 0', for: '15m' }] };

function prometheusRule(groups: unknown[]): KubeObject {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: CR, namespace: NS, labels: { release: 'kube-prometheus-stack' } },
    spec: { groups },
  };
}

// Concurrent writers on a real API server (resourceVersion conflicts retried, no rule lost) are tested in
// test/karmada/operations.lab.spec.ts. The fake stays for a 409 at a chosen moment, exhausted retries,
// a server that never answers and malformed objects.
describe('PrometheusRuleAdapter against the fake Kubernetes API', () => {
  const api = new FakeKubeApi();
  const prometheus = new FakePrometheus();
  let running: RunningFakeKubeApi;
  let prometheusUrl: string;

  const adapter = (options: PrometheusRuleOptions = {}) =>
    new PrometheusRuleAdapter(loadKubeconfigFile(running.kubeconfigPath, { trusted: false }), { timeoutMs: 2000, ...options });
  const groupsNow = () => (api.getPrometheusRule(NS, CR)?.spec as { groups: unknown[] } | undefined)?.groups;
  const methods = () => api.requests.filter((r) => r.path === PATH || r.path.endsWith('/prometheusrules')).map((r) => `${r.method} ${r.status}`);

  beforeAll(async () => {
    running = await api.start();
    prometheusUrl = await prometheus.start();
  });
  afterAll(async () => {
    await running.stop();
    await prometheus.stop();
  });
  beforeEach(() => {
    api.up();
    api.requests.length = 0;
    api.deletePrometheusRule(NS, CR);
    prometheus.reloads = 0;
    prometheus.reloadReply = { status: 200, body: '' };
  });

  it('adds SMO’s group when missing and leaves the other groups untouched (B18)', async () => {
    api.setPrometheusRule(prometheusRule([otherGroup]));
    const result = await adapter().upsertRules([rule('a')]);
    expect(result).toEqual({ changed: true, reloaded: false });
    expect(groupsNow()).toEqual([otherGroup, { name: 'smo-alerts', rules: [stored(rule('a'))] }]);
    expect(api.getPrometheusRule(NS, CR)?.metadata?.labels).toEqual({ release: 'kube-prometheus-stack' });
  });

  it('upserts by name without duplicates, in place', async () => {
    api.setPrometheusRule(prometheusRule([{ name: 'smo-alerts', rules: [stored(rule('a')), stored(rule('b'))] }, otherGroup]));
    const rules = adapter();
    await rules.upsertRules([rule('a', 'up == 0'), rule('c')]);
    await rules.upsertRules([rule('a', 'up == 0')]);
    expect(await rules.listRules()).toEqual([rule('a', 'up == 0'), rule('b'), rule('c')]);
    expect(groupsNow()?.[1]).toEqual(otherGroup);
  });

  it('does not write when nothing changes', async () => {
    api.setPrometheusRule(prometheusRule([{ name: 'smo-alerts', rules: [stored(rule('a'))] }]));
    expect(await adapter().upsertRules([rule('a')])).toEqual({ changed: false, reloaded: false });
    expect(methods()).toEqual(['GET 200']);
  });

  it('removes by name; absent rules, groups and CRs are no change', async () => {
    api.setPrometheusRule(prometheusRule([otherGroup, { name: 'smo-alerts', rules: [stored(rule('a')), stored(rule('b'))] }]));
    const rules = adapter();
    expect((await rules.removeRules(['a', 'nope'])).changed).toBe(true);
    expect(await rules.listRules()).toEqual([rule('b')]);
    expect(groupsNow()?.[0]).toEqual(otherGroup);
    expect((await rules.removeRules(['a'])).changed).toBe(false);

    api.deletePrometheusRule(NS, CR);
    expect(await rules.removeRules(['b'])).toEqual({ changed: false, reloaded: false });
    expect(await rules.listRules()).toEqual([]);
    expect(api.getPrometheusRule(NS, CR)).toBeUndefined();
  });

  it('creates the CR when it does not exist, with the configured labels', async () => {
    await adapter({ labels: { release: 'kps' } }).upsertRules([rule('a')]);
    const created = api.getPrometheusRule(NS, CR);
    expect(created).toMatchObject({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: CR, namespace: NS, labels: { release: 'kps' } },
      spec: { groups: [{ name: 'smo-alerts', rules: [stored(rule('a'))] }] },
    });
    expect(methods()).toEqual(['GET 404', 'POST 201']);
  });

  it('uses the configured name, namespace and group', async () => {
    api.setPrometheusRule({ ...prometheusRule([]), metadata: { name: 'smo', namespace: 'obs' } });
    await adapter({ name: 'smo', namespace: 'obs', group: 'smo-conditional' }).upsertRules([rule('a')]);
    expect(api.getPrometheusRule('obs', 'smo')?.spec).toEqual({ groups: [{ name: 'smo-conditional', rules: [stored(rule('a'))] }] });
  });

  it('re-reads and retries when another writer changed the CR in between (409), keeping its change', async () => {
    api.setPrometheusRule(prometheusRule([{ name: 'smo-alerts', rules: [] }]));
    api.beforeNext('PUT', PATH, () => {
      const current = api.getPrometheusRule(NS, CR) as KubeObject;
      api.setPrometheusRule({ ...current, spec: { groups: [{ name: 'smo-alerts', rules: [] }, otherGroup] } });
    });
    await adapter().upsertRules([rule('a')]);
    expect(methods()).toEqual(['GET 200', 'PUT 409', 'GET 200', 'PUT 200']);
    expect(groupsNow()).toEqual([{ name: 'smo-alerts', rules: [stored(rule('a'))] }, otherGroup]);
  });

  it('retries when someone created the CR first (409 AlreadyExists)', async () => {
    api.beforeNext('POST', '/apis/monitoring.coreos.com', () => api.setPrometheusRule(prometheusRule([otherGroup])));
    await adapter().upsertRules([rule('a')]);
    expect(methods()).toEqual(['GET 404', 'POST 409', 'GET 200', 'PUT 200']);
    expect(groupsNow()).toEqual([otherGroup, { name: 'smo-alerts', rules: [stored(rule('a'))] }]);
  });

  it('gives up after the configured conflict attempts with the 409', async () => {
    api.setPrometheusRule(prometheusRule([]));
    api.failNext(PATH, 409, 3, 'PUT');
    const rules = adapter({ conflictRetry: { attempts: 3, initialDelayMs: 1, maxDelayMs: 1 } });
    await expect(rules.upsertRules([rule('a')])).rejects.toMatchObject({ status: 409 });
  });

  it('throws other API failures at once', async () => {
    api.setPrometheusRule(prometheusRule([]));
    api.failNext(PATH, 403, 1, 'PUT');
    await expect(adapter().upsertRules([rule('a')])).rejects.toBeInstanceOf(KubeApiStatusError);
    expect(methods()).toEqual(['GET 200', 'PUT 403']);
  });

  it('times out a server that never answers', async () => {
    api.hang();
    await expect(adapter({ timeoutMs: 200 }).listRules()).rejects.toBeInstanceOf(KubeApiTimeoutError);
  });

  it('refuses a CR whose spec.groups is not a list of groups', async () => {
    api.setPrometheusRule({ ...prometheusRule([]), spec: { groups: { 'smo-alerts': [] } } });
    await expect(adapter().upsertRules([rule('a')])).rejects.toThrow(KubeApiInvalidResponseError);
    await expect(adapter().listRules()).rejects.toThrow('spec.groups is not a list');
  });

  it('refuses invalid rules before calling the API', async () => {
    await expect(adapter().upsertRules([{ ...rule('a'), for: 'soon' }])).rejects.toBeInstanceOf(InvalidAlertRuleError);
    expect(api.requests).toEqual([]);
  });

  it('reloads Prometheus after each write when a URL is configured, and reports a failed reload', async () => {
    const rules = adapter({ prometheusUrl });
    expect(await rules.upsertRules([rule('a')])).toEqual({ changed: true, reloaded: true });
    expect(await rules.removeRules(['a'])).toEqual({ changed: true, reloaded: true });
    expect(prometheus.reloads).toBe(2);

    prometheus.reloadReply = { status: 403, body: 'Lifecycle API is not enabled.' };
    expect(await rules.upsertRules([rule('b')])).toEqual({
      changed: true,
      reloaded: false,
      error: 'POST /-/reload answered HTTP 403: Lifecycle API is not enabled.',
    });
    expect(api.getPrometheusRule(NS, CR)).toBeDefined();
  });

  it('reports an unreachable Prometheus in the result, not as an exception', async () => {
    const rules = adapter({ prometheusUrl: `http://127.0.0.1:${await closedPort()}` });
    const result = await rules.upsertRules([rule('a')]);
    expect(result).toMatchObject({ changed: true, reloaded: false, error: expect.stringContaining('ECONNREFUSED') });
  });

  it('refuses a bad Prometheus URL at construction', () => {
    expect(() => adapter({ prometheusUrl: 'prometheus:9090' })).toThrow('http or https');
    expect(() => adapter({ prometheusUrl: 'http://u:p@prometheus' })).toThrow('credentials');
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
