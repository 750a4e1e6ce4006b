import { join } from 'node:path';
import type { SmoConfig } from '../config/config';
import { HdarctlArtifactResolver, type ArtifactResolver } from '../descriptor';
import { GrafanaHttpAdapter } from '../integrations/grafana/grafana-http.adapter';
import type { GrafanaPort } from '../integrations/grafana/grafana.port';
import { HelmCliAdapter } from '../integrations/helm/helm-cli.adapter';
import type { HelmPort } from '../integrations/helm/helm.port';
import { SimulatedHelmAdapter } from '../integrations/helm/simulated-helm.adapter';
import type { ClusterInventoryPort } from '../integrations/karmada/cluster-inventory.port';
import { KarmadaInventoryAdapter } from '../integrations/karmada/karmada-inventory.adapter';
import { SimulatedInventoryAdapter } from '../integrations/karmada/simulated-inventory.adapter';
import { SubmarinerBrokerAdapter } from '../integrations/karmada/submariner-broker.adapter';
import { loadKubeconfigFile } from '../integrations/kubernetes/kubeconfig';
import type { Logger } from '../observability/logger';

/** How an external integration is run in this process, as /health reports it. */
export interface IntegrationMode {
  name: string;
  mode: 'real' | 'simulated' | 'disabled';
  detail?: string;
}

export interface Integrations {
  helm: HelmPort;
  grafana: GrafanaPort | null;
  inventory: ClusterInventoryPort;
  artifacts: ArtifactResolver;
  modes: IntegrationMode[];
}

/**
 * Builds the adapters from the configuration. Without a Karmada kubeconfig SMO runs embedded:
 * clusters come from a YAML file and helm is simulated (releases and values are recorded in the
 * data directory). Grafana is used only when GRAFANA_HOST is set.
 */
export function createIntegrations(config: SmoConfig, logger: Logger): Integrations {
  const kubeconfig = config.karmada.kubeconfig;
  const helm: HelmPort = kubeconfig
    ? new HelmCliAdapter({
        binary: config.helm.binary,
        kubeconfig,
        plainHttp: config.helm.plainHttp,
        timeoutMs: config.helm.timeoutSeconds * 1000,
        stateDir: join(config.dataDir, 'helm'),
        env: config.helm.passEnv,
      })
    : new SimulatedHelmAdapter({ dir: join(config.dataDir, 'simulation'), plainHttp: config.helm.plainHttp });
  const inventory: ClusterInventoryPort = kubeconfig
    ? KarmadaInventoryAdapter.fromKubeconfigFile(kubeconfig, {
        ...(config.karmada.context ? { context: config.karmada.context } : {}),
        accelerationLabel: config.karmada.accelerationLabel,
        ...(config.submariner.kubeconfig
          ? { networks: new SubmarinerBrokerAdapter(loadKubeconfigFile(config.submariner.kubeconfig, { trusted: true })) }
          : {}),
        onIssue: (issue) => logger.warn({ cluster: issue.cluster }, issue.message),
      })
    : new SimulatedInventoryAdapter(config.karmada.simulatedClustersFile);
  const grafana = config.grafana.host
    ? new GrafanaHttpAdapter({
        baseUrl: config.grafana.host,
        ...(config.grafana.username ? { username: config.grafana.username } : {}),
        ...(config.grafana.password ? { password: config.grafana.password } : {}),
        ...(config.grafana.apiToken ? { apiToken: config.grafana.apiToken } : {}),
        datasourceUid: config.grafana.datasourceUid,
        timeoutMs: config.grafana.timeoutSeconds * 1000,
      })
    : null;
  const artifacts = new HdarctlArtifactResolver({
    binary: config.hdarctl.binary,
    timeoutMs: config.hdarctl.timeoutSeconds * 1000,
    maxDescriptorBytes: config.maxBodyBytes,
  });
  const modes: IntegrationMode[] = [
    kubeconfig
      ? { name: 'karmada', mode: 'real', detail: kubeconfig }
      : { name: 'karmada', mode: 'simulated', detail: `clusters from ${config.karmada.simulatedClustersFile}` },
    kubeconfig ? { name: 'helm', mode: 'real', detail: config.helm.binary } : { name: 'helm', mode: 'simulated', detail: 'releases recorded in the data directory, nothing installed' },
    config.submariner.kubeconfig ? { name: 'submariner', mode: 'real' } : { name: 'submariner', mode: 'disabled', detail: 'SUBMARINER_KUBECONFIG not set' },
    grafana ? { name: 'grafana', mode: 'real', detail: config.grafana.host } : { name: 'grafana', mode: 'disabled', detail: 'GRAFANA_HOST not set' },
    { name: 'hdarctl', mode: 'real', detail: config.hdarctl.binary },
  ];
  return { helm, grafana, inventory, artifacts, modes };
}
