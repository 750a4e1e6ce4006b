import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeKubeApi, type RunningFakeKubeApi } from '../../test/fakes/kubernetes/fake-kube-api';
import { silentLogger } from '../../test/support/stores';
import { loadConfig } from '../config/config';
import { createIntegrations, createSubmariner } from './integrations';

describe('Kubernetes adapters built from the configuration', () => {
  const kube = new FakeKubeApi();
  let running: RunningFakeKubeApi;
  let dataDir: string;
  beforeAll(async () => {
    running = await kube.start();
    dataDir = mkdtempSync(join(tmpdir(), 'smo-integrations-'));
    // Loads client-node's request modules: under Jest the first call spends seconds requiring them.
    await createIntegrations(config(), silentLogger).inventory.listClusters();
  });
  afterAll(async () => {
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  // Every call answers at once but Submariner's and the PrometheusRules', which take longer than SMO_KUBE_TIMEOUT (1 s) and far less than 10 s.
  const config = () =>
    loadConfig({
      SMO_DATA_DIR: dataDir,
      KARMADA_KUBECONFIG: running.kubeconfigPath,
      SUBMARINER_KUBECONFIG: running.kubeconfigPath,
      PROMETHEUS_RULE_KUBECONFIG: running.kubeconfigPath,
      SMO_KUBE_TIMEOUT: '1',
    });
  const timed = async <T>(call: () => Promise<T>) => {
    const started = performance.now();
    const outcome = await call().then(
      (value) => ({ value, error: null }),
      (error: unknown) => ({ value: null, error }),
    );
    return { ...outcome, ms: performance.now() - started };
  };

  it('Submariner (the inventory\'s CIDRs) and PrometheusRule calls give up after SMO_KUBE_TIMEOUT, as the Karmada ones do', async () => {
    kube.delay('/apis/submariner.io', 12_000);
    kube.delay('/apis/monitoring.coreos.com', 12_000);
    const integrations = createIntegrations(config(), silentLogger);

    const clusters = await timed(() => integrations.inventory.listClusters());
    expect(clusters.error).toBeNull(); // the CIDRs are best effort
    expect(clusters.ms).toBeLessThan(5_000);

    const rules = await timed(() => integrations.alertRules.listRules());
    expect(String(rules.error)).toContain('no answer within 1000 ms');
    expect(rules.ms).toBeLessThan(5_000);

    // The gateways placement reads its latencies from (processing.composition.ts) come from the same adapter.
    const gateways = await timed(async () => (await createSubmariner(config())!.readGatewayLatencies()).error);
    expect(String(gateways.value)).toContain('no answer within 1000 ms');
    expect(gateways.ms).toBeLessThan(5_000);
  }, 40_000);
});
