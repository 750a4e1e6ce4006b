import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KarmadaDeployments } from '../../src/integrations/kubernetes/deployment-scale';
import { PrometheusRuleAdapter } from '../../src/integrations/prometheus/prometheus-rule.adapter';
import type { AlertRule } from '../../src/integrations/prometheus/alert-rules.port';
import type { RunningApp } from '../support/app';
import { eventually } from '../support/smo-process';
import { describeLab } from './describe-lab';
import { brusselsDescriptor, getGraph, kubeConfig, labClusters, smoRequest, startLabSmo, waitRunningIn, type MemberName } from './lab';

const run = promisify(execFile);

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

  it('writes and removes alert rules in a PrometheusRule on a real API server, concurrent writers included', async () => {
    const graphId = 'lab-alerts';
    namespaces.push(graphId, 'monitoring');
    const { karmada } = labClusters(lab());
    await karmada.core.createNamespace({ body: { metadata: { name: 'monitoring' } } }).catch((error: { code?: number }) => {
      if (error.code !== 409) throw error;
    });
    const smo = await startLabSmo(lab(), { SMO_ALERT_RULES: 'prometheus-rule', PROMETHEUS_RULE_KUBECONFIG: lab().karmadaKubeconfig });
    smos.push(smo);
    expect((await smoRequest(smo, 'POST', `/project/${graphId}/graphs`, brusselsDescriptor(lab(), graphId))).status).toBe(200);
    const rulesNow = async () => {
      const object = (await karmada.custom.getNamespacedCustomObject({ group: 'monitoring.coreos.com', version: 'v1', plural: 'prometheusrules', namespace: 'monitoring', name: 'kube-prometheus-stack-0' })) as {
        spec: { groups: Array<{ name: string; rules: Array<{ alert: string; expr: string; labels: Record<string, string> }> }> };
      };
      return object.spec.groups.find((g) => g.name === 'smo-alerts')?.rules ?? [];
    };
    // The VO's event becomes one alerting rule, written by SMO into the real CR.
    const written = await eventually(async () => {
      const rules = await rulesNow();
      return rules.some((r) => r.labels?.service === 'image-compression-vo') ? rules : null;
    }, 30_000, 'the VO alert rule');
    expect(written.find((r) => r.labels?.service === 'image-compression-vo')?.expr).toBe('absent(up{prometheus="kc1/kube-prometheus-operator"})');

    // Two writers read-modify-write the same CR at once: resourceVersion conflicts are retried, no rule is lost.
    const writer = () => new PrometheusRuleAdapter(kubeConfig(lab().karmadaKubeconfig));
    const rule = (name: string): AlertRule => ({ name, expr: 'vector(1)', for: '1m', labels: { severity: 'none' }, annotations: {} });
    await Promise.all(['lab_a', 'lab_b', 'lab_c', 'lab_d'].map((name) => writer().upsertRules([rule(name)])));
    expect((await rulesNow()).map((r) => r.alert)).toEqual(expect.arrayContaining(['lab_a', 'lab_b', 'lab_c', 'lab_d']));
    await writer().removeRules(['lab_a', 'lab_b', 'lab_c', 'lab_d']);

    expect((await smoRequest(smo, 'DELETE', `/graphs/${graphId}`)).status).toBe(200);
    await eventually(async () => !(await rulesNow()).some((r) => r.labels?.service === 'image-compression-vo' || r.alert.startsWith('lab_')), 30_000, 'the rules removed');
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
    const helm = spawn(lab().helmBinary, ['install', 'noise-reduction', chart, '--namespace', graphId, '--create-namespace', '--kubeconfig', lab().karmadaKubeconfig, '--timeout', '10m'], { env: helmEnv, stdio: 'ignore' });
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
});
