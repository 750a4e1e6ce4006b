import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeGrafana, type RunningFakeGrafana } from '../fakes/grafana/fake-grafana';
import { fakeHelm, type FakeHelm, type FakeHelmInvocation } from '../fakes/helm/fake-helm';
import { FakeKubeApi, karmadaCluster, type KarmadaClusterInput, type KubeObject, type RunningFakeKubeApi } from '../fakes/kubernetes/fake-kube-api';
import type { Logger } from '../../src/observability/logger';
import { startApp, type RunningApp } from './app';

export const GRAFANA_PASSWORD = 'canary-grafana-password-7f3a';

/**
 * SMO in-process with fakes only at the process boundary: a fake Karmada API server (reached
 * through a kubeconfig), a fake helm executable run by the real helm adapter, and a fake Grafana.
 */
export interface OrchestratorRig {
  smo: RunningApp;
  kube: FakeKubeApi;
  kubeApi: RunningFakeKubeApi;
  helm: FakeHelm;
  grafana: RunningFakeGrafana;
  dir: string;
  request(method: string, path: string, options?: { body?: string; contentType?: string; headers?: Record<string, string> }): Promise<Response>;
  /** helm calls of one kind (install, upgrade, uninstall, status…), in order. */
  helmCalls(command?: string): FakeHelmInvocation[];
  /** Waits until every processor and projection has handled everything. */
  idle(): Promise<void>;
  /**
   * Stops SMO and starts it again over the same data directory and fakes (`smo` is then the new one);
   * `whileDown` runs in between, e.g. to leave the state another instance would leave in the shared stores.
   */
  restart(whileDown?: (dataDir: string) => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

export const TWO_CLUSTERS: KarmadaClusterInput[] = [
  { name: 'c1', cpu: '4', memory: '8Gi', allocatedCpu: '0', allocatedMemory: '0', region: 'eu', zone: 'a' },
  { name: 'c2', cpu: '6', memory: '16Gi', allocatedCpu: '0', allocatedMemory: '0', region: 'eu', zone: 'b' },
];

export async function startRig(
  options: {
    clusters?: KarmadaClusterInput[];
    env?: Record<string, string>;
    karmadaDown?: boolean;
    dataDir?: string;
    logger?: Logger;
    /** Submariner Gateway objects; when given, the same fake API server acts as the Submariner cluster too. */
    gateways?: KubeObject[];
  } = {},
): Promise<OrchestratorRig> {
  const dir = mkdtempSync(join(tmpdir(), 'smo-rig-'));
  const kube = new FakeKubeApi();
  const kubeApi = await kube.start();
  kube.setClusters((options.clusters ?? TWO_CLUSTERS).map((c) => karmadaCluster(c)));
  if (options.karmadaDown) kube.down();
  if (options.gateways) kube.setGateways(options.gateways);
  const helm = fakeHelm(dir);
  const grafana = await FakeGrafana.start({ username: 'admin', password: GRAFANA_PASSWORD });
  const env = {
    KARMADA_KUBECONFIG: kubeApi.kubeconfigPath,
    ...(options.gateways ? { SUBMARINER_KUBECONFIG: kubeApi.kubeconfigPath } : {}),
    SMO_HELM_BINARY: helm.binary,
    SMO_HELM_PASS_ENV: Object.keys(helm.env).join(','),
    ...helm.env,
    GRAFANA_HOST: grafana.url,
    GRAFANA_USERNAME: 'admin',
    GRAFANA_PASSWORD,
    SMO_CLUSTER_SYNC_INTERVAL: '3600',
    SMO_DEPLOY_WAIT: '20',
    ...options.env,
  };
  const logger = options.logger ? { logger: options.logger } : {};
  const smo = await startApp(env, { ...(options.dataDir ? { dataDir: options.dataDir } : {}), ...logger });
  const rig: OrchestratorRig = {
    smo,
    kube,
    kubeApi,
    helm,
    grafana,
    dir,
    request: (method, path, { body, contentType, headers } = {}) =>
      fetch(`${rig.smo.url}${path}`, {
        method,
        headers: { ...(contentType ? { 'content-type': contentType } : {}), ...headers },
        ...(body !== undefined ? { body } : {}),
      }),
    helmCalls: (command) => helm.log().filter((call) => command === undefined || call.command === command),
    idle: () => rig.smo.runtime.processing.whenIdle(20_000),
    async restart(whileDown) {
      const { dataDir } = rig.smo;
      await rig.smo.close({ keepData: true });
      await whileDown?.(dataDir);
      rig.smo = await startApp(env, { dataDir, ...logger });
    },
    async stop() {
      await rig.smo.close();
      await grafana.stop();
      await kube.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return rig;
}
