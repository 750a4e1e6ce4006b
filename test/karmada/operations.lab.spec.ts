import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KarmadaDeployments } from '../../src/integrations/kubernetes/deployment-scale';
import { PrometheusRuleAdapter } from '../../src/integrations/prometheus/prometheus-rule.adapter';
import type { AlertRule } from '../../src/integrations/prometheus/alert-rules.port';
import { toStoredRule } from '../../src/integrations/prometheus/rule-groups';
import { smoAlertRule } from '../../src/integrations/prometheus/smo-alert-rule';
import type { RunningApp } from '../support/app';
import { eventually } from '../support/smo-process';
import { describeLab } from './describe-lab';
import { brusselsDescriptor, getGraph, kubeConfig, labClusters, smoRequest, startLabSmo, waitRunningIn, type MemberName } from './lab';

const run = promisify(execFile);
const PROMETHEUS_RULES = { group: 'monitoring.coreos.com', version: 'v1', plural: 'prometheusrules' } as const;

describeLab('scaling, alert rules and helm recovery on a real Karmada', (lab) => {
  const tmp = mkdtempSync(join(tmpdir(), 'smo-lab-ops-'));
  const smos: RunningApp[] = [];
  const namespaces: string[] = [];
  afterAll(async () => {
    for (const smo of smos) await smo.close();
    const { karmada } = labClusters(lab());
    for (const namespace of namespaces) await karmada.deleteNamespace(namespace);
    rmSync(tmp, { recursive: true, force: true });
  });

  it("SMO's scale of a Deployment through karmada-apiserver changes the replicas running in the member", async () => {
    const graphId = 'lab-scaling';
    namespaces.push(graphId);
    const smo = await startLabSmo(lab());
    smos.push(smo);
    expect((await smoRequest(smo, 'POST', `/project/${graphId}/graphs`, brusselsDescriptor(lab(), graphId))).status).toBe(200);
    const member = (await getGraph(smo, graphId)).placement!['noise-reduction'] as MemberName;
    const clusters = labClusters(lab());
    await waitRunningIn(clusters[member], graphId, 'noise-reduction', 1);

    // The adapter the scaling scheduler uses (scale subresource, merge patch) on the Karmada template.
    await smo.runtime.integrations.scaler.scale('noise-reduction', graphId, 3);
    await waitRunningIn(clusters[member], graphId, 'noise-reduction', 3);
    expect((await clusters[member].deployment(graphId, 'noise-reduction'))?.spec?.replicas).toBe(3);
    // Read back through the same scale subresource, and Karmada's sum of the members' status.
    const deployments = new KarmadaDeployments(kubeConfig(lab().karmadaKubeconfig));
    expect(await deployments.getDesiredReplicas('noise-reduction', graphId)).toBe(3);
    await eventually(async () => (await deployments.getAvailableReplicas('noise-reduction', graphId)) === 3, 60_000, 'Karmada to report 3 available replicas');
  });

  it("writes and removes a graph's alert rules in its own PrometheusRule on a real API server, concurrent writers included", async () => {
    const graphId = 'lab-alerts';
    namespaces.push(graphId, 'monitoring');
    const { karmada } = labClusters(lab());
    await karmada.waitNamespaceGone('monitoring'); // deleted by an earlier run's afterAll
    await createNamespace(karmada, 'monitoring');
    // An earlier SMO kept every graph's rules in one CR, beside a rule of upstream's (no graph label).
    const earlier = smoAlertRule({ graphId: 'lab-earlier', serviceId: 'vo', eventId: 'e1', promQuery: 'vector(1)', gracePeriod: '1m', description: 'earlier' });
    const upstreams = { name: 'upstream', expr: 'vector(1)', for: '1m', labels: { service: 'vo' }, annotations: {} };
    await karmada.custom.deleteNamespacedCustomObject({ ...PROMETHEUS_RULES, namespace: 'monitoring', name: 'kube-prometheus-stack-0' }).catch(() => undefined);
    await karmada.custom.createNamespacedCustomObject({
      ...PROMETHEUS_RULES,
      namespace: 'monitoring',
      body: { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'kube-prometheus-stack-0' }, spec: { groups: [{ name: 'smo-alerts', rules: [earlier, upstreams].map(toStoredRule) }] } },
    });
    const smo = await startLabSmo(lab(), { SMO_ALERT_RULES: 'prometheus-rule', PROMETHEUS_RULE_KUBECONFIG: lab().karmadaKubeconfig });
    smos.push(smo);
    const rulesOf = (name: string) => readRules(karmada, 'monitoring', name);
    // Moved at start, before any rule is written: copied into the graph's CR, then taken out of the shared one
    // (two writes: the second may land a moment after the first is visible).
    await eventually(async () => (await rulesOf('smo-alerts-lab-earlier'))?.length === 1, 30_000, "the earlier SMO's rule moved to its graph's CR");
    await eventually(async () => (await rulesOf('kube-prometheus-stack-0'))?.length === 1, 30_000, "the earlier SMO's rule taken out of the shared CR");
    expect((await rulesOf('kube-prometheus-stack-0'))?.map((r) => r.alert)).toEqual(['upstream']);

    expect((await smoRequest(smo, 'POST', `/project/${graphId}/graphs`, brusselsDescriptor(lab(), graphId))).status).toBe(200);
    // The VO's event becomes one alerting rule, written by SMO into the graph's own CR.
    const written = await eventually(async () => {
      const rules = await rulesOf(`smo-alerts-${graphId}`);
      return rules?.some((r) => r.labels?.service === 'image-compression-vo') ? rules : null;
    }, 30_000, 'the VO alert rule');
    expect(written.find((r) => r.labels?.service === 'image-compression-vo')?.expr).toBe('absent(up{prometheus="kc1/kube-prometheus-operator"})');

    // Writers read-modify-write the same CR at once (the first create races too): resourceVersion conflicts
    // and AlreadyExists are retried, no rule is lost; the last removal deletes the CR.
    const writer = () => new PrometheusRuleAdapter(kubeConfig(lab().karmadaKubeconfig));
    const rule = (name: string): AlertRule => ({ name, expr: 'vector(1)', for: '1m', labels: { severity: 'none' }, annotations: {} });
    await Promise.all(['lab_a', 'lab_b', 'lab_c', 'lab_d'].map((name) => writer().upsertRules('lab-writers', [rule(name)])));
    expect((await rulesOf('smo-alerts-lab-writers'))?.map((r) => r.alert).sort()).toEqual(['lab_a', 'lab_b', 'lab_c', 'lab_d']);
    await Promise.all(['lab_a', 'lab_b', 'lab_c', 'lab_d'].map((name) => writer().removeRules('lab-writers', [name])));
    expect(await rulesOf('smo-alerts-lab-writers')).toBeNull();

    expect((await smoRequest(smo, 'DELETE', `/graphs/${graphId}`)).status).toBe(200);
    await eventually(async () => (await rulesOf(`smo-alerts-${graphId}`)) === null, 30_000, "the graph's CR deleted with its rules");
  });

  it('keeps more rules than one PrometheusRule can hold, moving those of a shared CR near its limit', async () => {
    // One CR refused SMO's 4,000th rule ("etcdserver: request is too large"). An older SMO's shared CR with
    // 3,000 rules of 30 graphs is moved out on first use; 30 more graphs bring the total to 6,000.
    const namespace = `monitoring-ceiling-${Date.now().toString(36)}`; // a namespace deleted by an earlier run may still be terminating
    namespaces.push(namespace);
    const { karmada } = labClusters(lab());
    await createNamespace(karmada, namespace);
    const graphs = Array.from({ length: 60 }, (_, i) => `ceiling-${i}`);
    const rulesOfGraph = (graphId: string) =>
      Array.from({ length: 100 }, (_, i) =>
        smoAlertRule({ graphId, serviceId: `service-${i % 10}`, eventId: `event-${i}`, promQuery: `sum(rate(http_requests_total{service="service-${i % 10}",graph="${graphId}"}[1m])) > ${i}`, gracePeriod: '30s', description: `load above ${i} requests per second on service-${i % 10} of ${graphId}` }),
      );
    const shared = graphs.slice(0, 30).flatMap(rulesOfGraph);
    const create = (name: string, rules: AlertRule[]) =>
      karmada.custom.createNamespacedCustomObject({
        ...PROMETHEUS_RULES, namespace,
        body: { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name, namespace }, spec: { groups: [{ name: 'smo-alerts', rules: rules.map(toStoredRule) }] } },
      });
    // What one CR for all of them meets: etcd refuses it ("request is too large" above 1.5 MiB; past 2 MiB, as
    // here, the API server's gRPC client already does).
    await expect(create('all-in-one', graphs.flatMap(rulesOfGraph))).rejects.toMatchObject({ code: 500 });
    await create('shared', shared);
    const adapter = new PrometheusRuleAdapter(kubeConfig(lab().karmadaKubeconfig), { namespace, sharedName: 'shared', timeoutMs: 30_000 });
    for (const graphId of graphs.slice(30)) await adapter.upsertRules(graphId, rulesOfGraph(graphId));

    expect(await readRules(karmada, namespace, 'shared')).toEqual([]);
    expect((await adapter.listRules()).map((r) => r.name).sort()).toEqual(graphs.flatMap(rulesOfGraph).map((r) => r.name).sort());
    for (const graphId of graphs) expect(await readRules(karmada, namespace, `smo-alerts-${graphId}`)).toHaveLength(100);

    for (const graphId of graphs) await adapter.removeRules(graphId, rulesOfGraph(graphId).map((r) => r.name));
    expect(await adapter.listRules()).toEqual([]);
  });

  it('recovers a release that a helm killed mid-install left pending-install on the real API server', async () => {
    const graphId = 'lab-recovery';
    namespaces.push(graphId);
    // A pre-install hook Job that never completes (karmada-apiserver runs no Job controller) holds helm
    // after it recorded the release as pending-install; then helm is killed, as when SMO crashes.
    const chart = join(tmp, 'noise-reduction');
    cpSync(join(__dirname, '..', 'fixtures', 'lab-charts', 'service'), chart, { recursive: true });
    writeFileSync(
      join(chart, 'templates', 'hook.yaml'),
      'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{ .Release.Name }}-hook\n  annotations: {"helm.sh/hook": pre-install}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: hook, image: busybox}]\n',
    );
    const helmEnv = { ...process.env, HELM_CACHE_HOME: join(tmp, 'helm'), HELM_CONFIG_HOME: join(tmp, 'helm'), HELM_DATA_HOME: join(tmp, 'helm') };
    // SMO's own install (its graph's label), killed mid-way.
    const helm = spawn(lab().helmBinary, ['install', 'noise-reduction', chart, '--namespace', graphId, '--create-namespace', '--labels', `smo.nephele.eu/graph=${graphId}`, '--kubeconfig', lab().karmadaKubeconfig, '--timeout', '10m'], {
      env: helmEnv,
      stdio: 'ignore',
    });
    const status = async () => {
      const { stdout } = await run(lab().helmBinary, ['status', 'noise-reduction', '--namespace', graphId, '--kubeconfig', lab().karmadaKubeconfig, '--output', 'json'], { env: helmEnv });
      return (JSON.parse(stdout) as { info: { status: string } }).info.status;
    };
    await eventually(async () => (await status()) === 'pending-install', 60_000, 'helm to record pending-install');
    helm.kill('SIGKILL');
    await new Promise((resolve) => helm.once('exit', resolve));
    expect(await status()).toBe('pending-install');

    const smo = await startLabSmo(lab());
    smos.push(smo);
    const deploy = await smoRequest(smo, 'POST', `/project/${graphId}/graphs`, brusselsDescriptor(lab(), graphId));
    expect(deploy.status).toBe(200);
    const graph = await getGraph(smo, graphId);
    expect(graph.services.find((s) => s.name === 'noise-reduction')?.status).toBe('Deployed');
    expect(await status()).toBe('deployed');
    const events = await smo.runtime.eventStore.readStream(`graph-${graphId}`);
    expect(events.filter((e) => e.type === 'HelmReleaseRecovered').map((e) => e.data)).toEqual([
      expect.objectContaining({ serviceId: 'noise-reduction', foundState: 'pending-install', action: 'uninstall', ok: true }),
    ]);
    await waitRunningIn(labClusters(lab())[graph.placement!['noise-reduction'] as MemberName], graphId, 'noise-reduction');
  });

  it("leaves a release of the same name that it did not install as it is, on deploy and on removal (real helm's --labels and list --selector)", async () => {
    const graphId = 'lab-foreign';
    namespaces.push(graphId);
    const helmEnv = { ...process.env, HELM_CACHE_HOME: join(tmp, 'helm'), HELM_CONFIG_HOME: join(tmp, 'helm'), HELM_DATA_HOME: join(tmp, 'helm') };
    const chart = join(__dirname, '..', 'fixtures', 'lab-charts', 'service');
    // Another team's release, installed by hand in the project's namespace.
    await run(lab().helmBinary, ['install', 'image-detection', chart, '--namespace', graphId, '--create-namespace', '--kubeconfig', lab().karmadaKubeconfig, '--set', 'team=b'], { env: helmEnv });
    const foreign = async () => {
      const { stdout } = await run(lab().helmBinary, ['status', 'image-detection', '--namespace', graphId, '--kubeconfig', lab().karmadaKubeconfig, '--output', 'json'], { env: helmEnv });
      const release = JSON.parse(stdout) as { version: number; info: { status: string }; config?: Record<string, unknown> };
      return { revision: release.version, status: release.info.status, config: release.config };
    };
    expect(await foreign()).toEqual({ revision: 1, status: 'deployed', config: { team: 'b' } });

    const smo = await startLabSmo(lab());
    smos.push(smo);
    expect((await smoRequest(smo, 'POST', `/project/${graphId}/graphs`, brusselsDescriptor(lab(), graphId))).status).toBe(200);
    const graph = await getGraph(smo, graphId);
    expect(graph.services.map((s) => [s.name, s.status])).toEqual([
      ['image-compression-vo', 'Pending'],
      ['noise-reduction', 'Deployed'],
      ['image-detection', 'Failed'],
    ]);
    expect(JSON.stringify(graph)).toContain('was not installed by graph lab-foreign');
    expect(await foreign()).toEqual({ revision: 1, status: 'deployed', config: { team: 'b' } });

    expect((await smoRequest(smo, 'DELETE', `/graphs/${graphId}`)).status).toBe(200);
    await smo.runtime.processing.whenIdle(60_000);
    expect(await foreign()).toEqual({ revision: 1, status: 'deployed', config: { team: 'b' } });
  });
});

type LabClusters = ReturnType<typeof labClusters>;

async function createNamespace(karmada: LabClusters['karmada'], name: string): Promise<void> {
  await karmada.core.createNamespace({ body: { metadata: { name } } }).catch((error: { code?: number }) => {
    if (error.code !== 409) throw error;
  });
}

/** SMO's group of a PrometheusRule, as stored; null when the CR does not exist. */
async function readRules(karmada: LabClusters['karmada'], namespace: string, name: string): Promise<Array<{ alert: string; expr: string; labels: Record<string, string> }> | null> {
  try {
    const object = (await karmada.custom.getNamespacedCustomObject({ ...PROMETHEUS_RULES, namespace, name })) as {
      spec: { groups: Array<{ name: string; rules: Array<{ alert: string; expr: string; labels: Record<string, string> }> }> };
    };
    return object.spec.groups.find((g) => g.name === 'smo-alerts')?.rules ?? [];
  } catch (error) {
    if ((error as { code?: number }).code === 404) return null;
    throw error;
  }
}
