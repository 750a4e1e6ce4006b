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
const SHARED = 'kube-prometheus-stack-0';
const G1 = 'smo-alerts-g1';
const ROOT = `/apis/monitoring.coreos.com/v1/namespaces/${NS}/prometheusrules`;
const PATH = `${ROOT}/${G1}`;

const rule = (name: string, expr = 'vector(1)', graph?: string): AlertRule => ({
  name,
  expr,
  for: '30s',
  labels: { severity: 'critical', service: 'svc', ...(graph ? { graph } : {}) },
  annotations: { summary: name },
});
const stored = (r: AlertRule) => ({ alert: r.name, expr: r.expr, for: r.for, labels: r.labels, annotations: r.annotations });
const otherGroup = { name: 'kubernetes-apps', rules: [{ alert: 'KubePodCrashLooping', expr: 'x > 0', for: '15m' }] };
const smoLabels = (graph: string, extra: Record<string, string> = {}) => ({ ...extra, 'app.kubernetes.io/managed-by': 'smo', 'smo.nephele.eu/graph': graph });

function prometheusRule(name: string, groups: unknown[], labels: Record<string, string> = { release: 'kube-prometheus-stack' }): KubeObject {
  return { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name, namespace: NS, labels }, spec: { groups } };
}

// Concurrent writers on a real API server (resourceVersion conflicts retried, no rule lost), and more rules
// than one object can hold, are tested in test/karmada/operations.lab.spec.ts. The fake stays for a 409 at a
// chosen moment, exhausted retries, a server that never answers and malformed objects.
describe('PrometheusRuleAdapter against the fake Kubernetes API', () => {
  const api = new FakeKubeApi();
  const prometheus = new FakePrometheus();
  let running: RunningFakeKubeApi;
  let prometheusUrl: string;

  const adapter = (options: PrometheusRuleOptions = {}) =>
    new PrometheusRuleAdapter(loadKubeconfigFile(running.kubeconfigPath, { trusted: false }), { timeoutMs: 2000, ...options });
  const groupsOf = (name: string, namespace = NS) => (api.getPrometheusRule(namespace, name)?.spec as { groups: unknown[] } | undefined)?.groups;
  const methods = (path = PATH) => api.requests.filter((r) => r.path === path).map((r) => `${r.method} ${r.status}`);

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
    api.clearPrometheusRules();
    api.setRuleEvaluators('prometheuses', null);
    api.setRuleEvaluators('thanosrulers', null);
    prometheus.reloads = 0;
    prometheus.reloadReply = { status: 200, body: '' };
  });

  it("keeps each graph's rules in a CR of its own, created with the configured labels and SMO's", async () => {
    const rules = adapter({ labels: { release: 'kps' } });
    expect(await rules.upsertRules('g1', [rule('a')])).toEqual({ changed: true, reloaded: false });
    await rules.upsertRules('g2', [rule('b'), rule('c')]);
    expect(api.getPrometheusRule(NS, G1)).toMatchObject({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: G1, namespace: NS, labels: smoLabels('g1', { release: 'kps' }) },
      spec: { groups: [{ name: 'smo-alerts', rules: [stored(rule('a'))] }] },
    });
    expect(groupsOf('smo-alerts-g2')).toEqual([{ name: 'smo-alerts', rules: [stored(rule('b')), stored(rule('c'))] }]);
    expect(api.prometheusRuleNames(NS)).toEqual([G1, 'smo-alerts-g2']);
    // The shared CR is looked at once (to move an older SMO's rules out), never written.
    expect(methods(`${ROOT}/${SHARED}`)).toEqual(['GET 404']);
    expect(methods()).toEqual(['GET 404']);
    expect(methods(ROOT)).toEqual(['POST 201', 'POST 201']);
  });

  it('upserts by name without duplicates, in place, and leaves the other groups untouched (B18)', async () => {
    api.setPrometheusRule(prometheusRule(G1, [{ name: 'smo-alerts', rules: [stored(rule('a')), stored(rule('b'))] }, otherGroup], smoLabels('g1')));
    const rules = adapter();
    await rules.upsertRules('g1', [rule('a', 'up == 0'), rule('c')]);
    await rules.upsertRules('g1', [rule('a', 'up == 0')]);
    expect(await rules.listRules()).toEqual([rule('a', 'up == 0'), rule('b'), rule('c')]);
    expect(groupsOf(G1)?.[1]).toEqual(otherGroup);
  });

  it('does not write when nothing changes', async () => {
    api.setPrometheusRule(prometheusRule(G1, [{ name: 'smo-alerts', rules: [stored(rule('a'))] }], smoLabels('g1')));
    expect(await adapter().upsertRules('g1', [rule('a')])).toEqual({ changed: false, reloaded: false });
    expect(methods()).toEqual(['GET 200']);
  });

  it("removes by name, and deletes a graph's CR with its last rule; absent rules and CRs are no change", async () => {
    const rules = adapter();
    await rules.upsertRules('g1', [rule('a'), rule('b')]);
    expect((await rules.removeRules('g1', ['a', 'nope'])).changed).toBe(true);
    expect(await rules.listRules()).toEqual([rule('b')]);
    expect((await rules.removeRules('g1', ['a'])).changed).toBe(false);

    expect(await rules.removeRules('g1', ['b'])).toEqual({ changed: true, reloaded: false });
    expect(api.getPrometheusRule(NS, G1)).toBeUndefined();
    expect(methods().at(-1)).toBe('DELETE 200');
    expect(await rules.removeRules('g1', ['b'])).toEqual({ changed: false, reloaded: false });
    expect(await rules.listRules()).toEqual([]);
  });

  it("keeps a graph's CR that holds other rules, or that SMO did not create for that graph", async () => {
    api.setPrometheusRule(prometheusRule(G1, [otherGroup, { name: 'smo-alerts', rules: [stored(rule('a'))] }], smoLabels('g1')));
    api.setPrometheusRule(prometheusRule('smo-alerts-g2', [{ name: 'smo-alerts', rules: [stored(rule('b'))] }], { team: 'ops' }));
    const rules = adapter();
    await rules.removeRules('g1', ['a']);
    await rules.removeRules('g2', ['b']);
    expect(groupsOf(G1)).toEqual([otherGroup, { name: 'smo-alerts', rules: [] }]);
    expect(groupsOf('smo-alerts-g2')).toEqual([{ name: 'smo-alerts', rules: [] }]);
  });

  it('lists the rules of every CR SMO created, page by page, in name order', async () => {
    const graphs = Array.from({ length: 520 }, (_, i) => `g${String(i).padStart(3, '0')}`);
    for (const graph of graphs) {
      api.setPrometheusRule(prometheusRule(`smo-alerts-${graph}`, [{ name: 'smo-alerts', rules: [stored(rule(`r_${graph}`))] }], smoLabels(graph)));
    }
    api.setPrometheusRule(prometheusRule(SHARED, [{ name: 'smo-alerts', rules: [stored(rule('upstream_rule'))] }]));
    const listed = await adapter().listRules();
    expect(listed.map((r) => r.name)).toEqual(graphs.map((graph) => `r_${graph}`));
    expect(methods(ROOT)).toEqual(['GET 200', 'GET 200']);
  });

  it("moves the rules an older SMO kept in the shared CR to their graphs' CRs, once, when prepared or before its first write", async () => {
    const upstreamRule = rule('upstream_alert'); // no graph label: not SMO's to move
    api.setPrometheusRule(
      prometheusRule(SHARED, [
        otherGroup,
        { name: 'smo-alerts', rules: [stored(rule('g1_a', 'vector(1)', 'g1')), stored(upstreamRule), stored(rule('g2_a', 'vector(2)', 'g2')), stored(rule('g1_b', 'vector(3)', 'g1'))] },
      ]),
    );
    const rules = adapter();
    expect(await rules.prepare()).toEqual({ movedRules: 3, graphs: 2, from: `${NS}/${SHARED}` });
    await rules.upsertRules('g3', [rule('g3_a', 'vector(4)', 'g3')]);
    expect(await rules.prepare()).toEqual({ movedRules: 3, graphs: 2, from: `${NS}/${SHARED}` }); // done once
    expect(groupsOf(G1)).toEqual([{ name: 'smo-alerts', rules: [stored(rule('g1_a', 'vector(1)', 'g1')), stored(rule('g1_b', 'vector(3)', 'g1'))] }]);
    expect(groupsOf('smo-alerts-g2')).toEqual([{ name: 'smo-alerts', rules: [stored(rule('g2_a', 'vector(2)', 'g2'))] }]);
    expect(groupsOf(SHARED)).toEqual([otherGroup, { name: 'smo-alerts', rules: [stored(upstreamRule)] }]);
    expect(api.getPrometheusRule(NS, SHARED)?.metadata?.labels).toEqual({ release: 'kube-prometheus-stack' });
    expect((await rules.listRules()).map((r) => r.name)).toEqual(['g1_a', 'g1_b', 'g2_a', 'g3_a']);

    await rules.removeRules('g1', ['g1_a', 'g1_b']);
    expect(api.getPrometheusRule(NS, G1)).toBeUndefined();
    expect(methods(`${ROOT}/${SHARED}`)).toEqual(['GET 200', 'GET 200', 'PUT 200']);
  });

  it('moves them again after a failure half-way, without duplicates', async () => {
    api.setPrometheusRule(prometheusRule(SHARED, [{ name: 'smo-alerts', rules: [stored(rule('g1_a', 'vector(1)', 'g1'))] }]));
    api.failNext(`${ROOT}/${SHARED}`, 503, 1, 'PUT');
    const rules = adapter();
    await expect(rules.upsertRules('g2', [rule('g2_a')])).rejects.toMatchObject({ status: 503 });
    expect(api.getPrometheusRule(NS, 'smo-alerts-g2')).toBeUndefined(); // the write waits for the move
    expect(groupsOf(G1)).toEqual([{ name: 'smo-alerts', rules: [stored(rule('g1_a', 'vector(1)', 'g1'))] }]);

    await rules.upsertRules('g2', [rule('g2_a')]);
    expect(groupsOf(G1)).toEqual([{ name: 'smo-alerts', rules: [stored(rule('g1_a', 'vector(1)', 'g1'))] }]);
    expect(groupsOf(SHARED)).toEqual([{ name: 'smo-alerts', rules: [] }]);
    expect(groupsOf('smo-alerts-g2')).toEqual([{ name: 'smo-alerts', rules: [stored(rule('g2_a'))] }]);
  });

  it('uses the configured name prefix, namespace and group, and refuses a prefix that cannot name a CR', async () => {
    await adapter({ namePrefix: 'smo.', namespace: 'obs', group: 'smo-conditional' }).upsertRules('g1', [rule('a')]);
    expect(groupsOf('smo.g1', 'obs')).toEqual([{ name: 'smo-conditional', rules: [stored(rule('a'))] }]);
    for (const namePrefix of ['Smo-', 'smo..', '-smo', 'x'.repeat(191)]) expect(() => adapter({ namePrefix })).toThrow('name prefix');
    await expect(adapter({ namePrefix: 'kube-prometheus-stack-' }).upsertRules('0', [rule('a')])).rejects.toThrow('would be the shared one');
  });

  it('refuses a graph id that is not a DNS label before calling the API', async () => {
    await expect(adapter().upsertRules('G_1', [rule('a')])).rejects.toThrow('not a DNS-1123 label');
    expect(api.requests).toEqual([]);
  });

  it('re-reads and retries when another writer changed the CR in between (409), keeping its change', async () => {
    api.setPrometheusRule(prometheusRule(G1, [{ name: 'smo-alerts', rules: [] }], smoLabels('g1')));
    api.beforeNext('PUT', PATH, () => {
      const current = api.getPrometheusRule(NS, G1) as KubeObject;
      api.setPrometheusRule({ ...current, spec: { groups: [{ name: 'smo-alerts', rules: [] }, otherGroup] } });
    });
    await adapter().upsertRules('g1', [rule('a')]);
    expect(methods()).toEqual(['GET 200', 'PUT 409', 'GET 200', 'PUT 200']);
    expect(groupsOf(G1)).toEqual([{ name: 'smo-alerts', rules: [stored(rule('a'))] }, otherGroup]);
  });

  it('retries when someone created the CR first (409 AlreadyExists)', async () => {
    api.beforeNext('POST', ROOT, () => api.setPrometheusRule(prometheusRule(G1, [otherGroup], smoLabels('g1'))));
    await adapter().upsertRules('g1', [rule('a')]);
    expect(methods()).toEqual(['GET 404', 'GET 200', 'PUT 200']);
    expect(methods(ROOT)).toEqual(['POST 409']);
    expect(groupsOf(G1)).toEqual([otherGroup, { name: 'smo-alerts', rules: [stored(rule('a'))] }]);
  });

  it('does not delete a CR that gained a rule since it was read; creates again one deleted since', async () => {
    const rules = adapter();
    await rules.upsertRules('g1', [rule('a')]);
    // Another writer adds a rule between the read and the delete: the precondition fails, the rule stays.
    api.beforeNext('DELETE', PATH, () => {
      const current = api.getPrometheusRule(NS, G1) as KubeObject;
      api.setPrometheusRule({ ...current, spec: { groups: [{ name: 'smo-alerts', rules: [stored(rule('a')), stored(rule('b'))] }] } });
    });
    api.requests.length = 0;
    await rules.removeRules('g1', ['a']);
    expect(methods()).toEqual(['GET 200', 'DELETE 409', 'GET 200', 'PUT 200']);
    expect(groupsOf(G1)).toEqual([{ name: 'smo-alerts', rules: [stored(rule('b'))] }]);

    // Deleted between the read and the replace: read again, and create it.
    api.beforeNext('PUT', PATH, () => api.deletePrometheusRule(NS, G1));
    api.requests.length = 0;
    await rules.upsertRules('g1', [rule('c')]);
    expect(methods()).toEqual(['GET 200', 'PUT 404', 'GET 404']);
    expect(groupsOf(G1)).toEqual([{ name: 'smo-alerts', rules: [stored(rule('c'))] }]);
  });

  it('gives up after the configured conflict attempts with the 409', async () => {
    api.setPrometheusRule(prometheusRule(G1, [], smoLabels('g1')));
    api.failNext(PATH, 409, 3, 'PUT');
    const rules = adapter({ conflictRetry: { attempts: 3, initialDelayMs: 1, maxDelayMs: 1 } });
    await expect(rules.upsertRules('g1', [rule('a')])).rejects.toMatchObject({ status: 409 });
  });

  it('throws other API failures at once', async () => {
    api.setPrometheusRule(prometheusRule(G1, [], smoLabels('g1')));
    api.failNext(PATH, 403, 1, 'PUT');
    await expect(adapter().upsertRules('g1', [rule('a')])).rejects.toBeInstanceOf(KubeApiStatusError);
    expect(methods()).toEqual(['GET 200', 'PUT 403']);
  });

  it('times out a server that never answers', async () => {
    api.hang();
    await expect(adapter({ timeoutMs: 200 }).listRules()).rejects.toBeInstanceOf(KubeApiTimeoutError);
  });

  it('refuses a CR whose spec.groups is not a list of groups', async () => {
    api.setPrometheusRule({ ...prometheusRule(G1, [], smoLabels('g1')), spec: { groups: { 'smo-alerts': [] } } });
    await expect(adapter({ sharedName: null }).upsertRules('g1', [rule('a')])).rejects.toThrow(KubeApiInvalidResponseError);
    await expect(adapter({ sharedName: null }).listRules()).rejects.toThrow('spec.groups is not a list');
  });

  it('refuses invalid rules before calling the API', async () => {
    await expect(adapter().upsertRules('g1', [{ ...rule('a'), for: 'soon' }])).rejects.toBeInstanceOf(InvalidAlertRuleError);
    expect(api.requests).toEqual([]);
  });

  describe('whether a Prometheus selects the graph\'s CR (its ruleSelector and ruleNamespaceSelector)', () => {
    const RELEASE = { release: 'kube-prometheus-stack' };
    const evaluator = (kind: string, namespace: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'monitoring.coreos.com/v1', kind, metadata: { name: 'k8s', namespace }, spec });
    const prometheusSelecting = (spec: Record<string, unknown>, namespace = NS) => api.setRuleEvaluators('prometheuses', [evaluator('Prometheus', namespace, spec)]);

    it('says a CR whose labels no ruleSelector matches is not in effect (refused, why), and leaves it for a selector fixed later', async () => {
      prometheusSelecting({ ruleSelector: { matchLabels: RELEASE } });
      const result = await adapter({ prometheusUrl }).upsertRules('g1', [rule('a')]);
      expect(result).toEqual({
        changed: true,
        reloaded: false,
        refused: true,
        error: expect.stringContaining(`no Prometheus selects PrometheusRule ${NS}/${G1}`),
      });
      expect(result.error).toContain(`Prometheus ${NS}/k8s`);
      expect(groupsOf(G1)).toEqual([{ name: 'smo-alerts', rules: [stored(rule('a'))] }]);
      expect(prometheus.reloads).toBe(0);
      // Written again as it is: still not in effect.
      expect(await adapter().upsertRules('g1', [rule('a')])).toMatchObject({ changed: false, refused: true });
    });

    it('reports the write as before when a Prometheus or Thanos Ruler selects the CR', async () => {
      prometheusSelecting({ ruleSelector: { matchLabels: RELEASE } });
      expect(await adapter({ labels: RELEASE, prometheusUrl }).upsertRules('g1', [rule('a')])).toEqual({ changed: true, reloaded: true });
      prometheusSelecting({ ruleSelector: { matchExpressions: [{ key: 'app.kubernetes.io/managed-by', operator: 'In', values: ['smo'] }] } });
      expect(await adapter().upsertRules('g1', [rule('b')])).toEqual({ changed: true, reloaded: false });
      // A ruleSelector of null selects nothing; the Thanos Ruler's ({}: everything) selects it.
      prometheusSelecting({ ruleSelector: null });
      api.setRuleEvaluators('thanosrulers', [evaluator('ThanosRuler', NS, { ruleSelector: {} })]);
      expect(await adapter().upsertRules('g1', [rule('c')])).toEqual({ changed: true, reloaded: false });
      api.setRuleEvaluators('thanosrulers', []);
      expect(await adapter().upsertRules('g1', [rule('d')])).toMatchObject({ refused: true });
    });

    it("reads the namespace: a null ruleNamespaceSelector is the Prometheus' own, another is matched against the namespace's labels", async () => {
      prometheusSelecting({ ruleSelector: {} }, 'observability');
      expect(await adapter().upsertRules('g1', [rule('a')])).toMatchObject({ refused: true });
      api.setNamespace(NS, { team: 'platform' });
      prometheusSelecting({ ruleSelector: {}, ruleNamespaceSelector: { matchLabels: { team: 'platform' } } }, 'observability');
      expect(await adapter().upsertRules('g1', [rule('b')])).toEqual({ changed: true, reloaded: false });
      prometheusSelecting({ ruleSelector: {}, ruleNamespaceSelector: { matchLabels: { team: 'apps' } } }, 'observability');
      expect(await adapter().upsertRules('g1', [rule('c')])).toMatchObject({ refused: true });
    });

    it('cannot tell, and reports the write as before: no Prometheus or Thanos Ruler listed, listing them forbidden, a selector it cannot read', async () => {
      api.setRuleEvaluators('prometheuses', []);
      expect(await adapter().upsertRules('g1', [rule('a')])).toEqual({ changed: true, reloaded: false });
      prometheusSelecting({ ruleSelector: { matchLabels: RELEASE } });
      api.failNext('/apis/monitoring.coreos.com/v1/prometheuses', 403);
      expect(await adapter().upsertRules('g1', [rule('b')])).toEqual({ changed: true, reloaded: false });
      prometheusSelecting({ ruleSelector: { matchExpressions: [{ key: 'release', operator: 'Gt', values: ['1'] }] } });
      expect(await adapter().upsertRules('g1', [rule('c')])).toEqual({ changed: true, reloaded: false });
      prometheusSelecting({ ruleSelector: {}, ruleNamespaceSelector: { matchLabels: { team: 'platform' } } }, 'observability');
      api.failNext(`/api/v1/namespaces/${NS}`, 403);
      expect(await adapter().upsertRules('g1', [rule('d')])).toEqual({ changed: true, reloaded: false });
    });
  });

  it('reloads Prometheus after each write when a URL is configured, and reports a failed reload', async () => {
    const rules = adapter({ prometheusUrl });
    expect(await rules.upsertRules('g1', [rule('a')])).toEqual({ changed: true, reloaded: true });
    expect(await rules.removeRules('g1', ['a'])).toEqual({ changed: true, reloaded: true });
    expect(prometheus.reloads).toBe(2);
    // Nothing written, nothing to reload.
    expect(await rules.removeRules('g1', ['a'])).toEqual({ changed: false, reloaded: false });
    await rules.upsertRules('g2', [rule('a')]);
    expect(await rules.upsertRules('g2', [rule('a')])).toEqual({ changed: false, reloaded: false });
    expect(prometheus.reloads).toBe(3);

    prometheus.reloadReply = { status: 403, body: 'Lifecycle API is not enabled.' };
    expect(await rules.upsertRules('g1', [rule('b')])).toEqual({
      changed: true,
      reloaded: false,
      error: 'POST /-/reload answered HTTP 403: Lifecycle API is not enabled.',
    });
    expect(api.getPrometheusRule(NS, G1)).toBeDefined();
  });

  it('reports an unreachable Prometheus in the result, not as an exception', async () => {
    const rules = adapter({ prometheusUrl: `http://127.0.0.1:${await closedPort()}` });
    const result = await rules.upsertRules('g1', [rule('a')]);
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
