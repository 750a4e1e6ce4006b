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
import { NfvclHttpClient } from '../integrations/nfvcl/nfvcl-http.client';
import type { NfvclPort } from '../integrations/nfvcl/nfvcl.port';
import { homedir } from 'node:os';
import { KarmadaDeployments } from '../integrations/kubernetes/deployment-scale';
import type { AlertRulesPort } from '../integrations/prometheus/alert-rules.port';
import { FileRulesAdapter } from '../integrations/prometheus/file-rules.adapter';
import { InMemoryRulesAdapter } from '../integrations/prometheus/in-memory-rules.adapter';
import { PrometheusClient } from '../integrations/prometheus/prometheus-client';
import { PrometheusRuleAdapter } from '../integrations/prometheus/prometheus-rule.adapter';
import type { ReplicaScaler } from '../processors/scaling.scheduler';
import type { DemandByCluster } from '../processors/placed-demand';
import { locateExecutable } from '../shared/locate-executable';

/** How an external integration is run in this process, as /health reports it. */
export interface IntegrationMode {
  name: string;
  /** `absent`: configured to run for real, but its program is not there (detail says why). */
  mode: 'real' | 'simulated' | 'disabled' | 'absent';
  detail?: string;
}

export interface Integrations {
  helm: HelmPort;
  alertRules: AlertRulesPort;
  prometheus: PrometheusClient | null;
  scaler: ReplicaScaler;
  grafana: GrafanaPort | null;
  /** NFVCL (VIMs, OpenStack Kubernetes clusters); null when NFVCL_BASE_URL is not set. */
  nfvcl: NfvclPort | null;
  inventory: ClusterInventoryPort;
  artifacts: ArtifactResolver;
  modes: IntegrationMode[];
}

const LEFTOVERS_REMOVED = (program: string) => `removed the private directories of ${program} calls that never finished (SMO was killed during them)`;

/**
 * Builds the adapters from the configuration. Without a Karmada kubeconfig SMO runs embedded:
 * clusters come from a YAML file and helm is simulated (releases and values are recorded in the
 * data directory). Grafana is used only when GRAFANA_HOST is set.
 */
export function createIntegrations(config: SmoConfig, logger: Logger, simulation: { placedDemand?: () => Promise<DemandByCluster> } = {}): Integrations {
  const kubeconfig = config.karmada.kubeconfig;
  const submariner = createSubmariner(config);
  const helm: HelmPort = kubeconfig
    ? new HelmCliAdapter({
        binary: config.helm.binary,
        kubeconfig,
        plainHttp: config.helm.plainHttp,
        timeoutMs: config.helm.timeoutSeconds * 1000,
        queryTimeoutMs: config.helm.queryTimeoutSeconds * 1000,
        stateDir: join(config.dataDir, 'helm'),
        env: config.helm.passEnv,
        onLeftoversRemoved: (removed) => logger.warn({ removed }, LEFTOVERS_REMOVED('helm')),
      })
    : new SimulatedHelmAdapter({ dir: join(config.dataDir, 'simulation'), plainHttp: config.helm.plainHttp });
  const inventory: ClusterInventoryPort = kubeconfig
    ? KarmadaInventoryAdapter.fromKubeconfigFile(kubeconfig, {
        ...(config.karmada.context ? { context: config.karmada.context } : {}),
        accelerationLabel: config.karmada.accelerationLabel,
        timeoutMs: config.karmada.timeoutSeconds * 1000,
        ...(submariner ? { networks: submariner } : {}),
        onIssue: (issue) => logger.warn({ cluster: issue.cluster }, issue.message),
      })
    : new SimulatedInventoryAdapter(config.karmada.simulatedClustersFile, simulation.placedDemand);
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
    onLeftoversRemoved: (removed) => logger.warn({ removed }, LEFTOVERS_REMOVED('hdarctl')),
    ...(config.security.allowedRegistries.length > 0 ? { allowedHosts: config.security.allowedRegistries } : {}),
  });
  const alertRules = createAlertRules(config);
  const prometheus = config.prometheus.host ? new PrometheusClient({ baseUrl: config.prometheus.host, timeoutMs: config.prometheus.timeoutSeconds * 1000 }) : null;
  const scaler: ReplicaScaler = kubeconfig
    ? karmadaScaler(new KarmadaDeployments(loadKubeconfigFile(kubeconfig, { trusted: true, ...(config.karmada.context ? { context: config.karmada.context } : {}) }), { timeoutMs: config.karmada.timeoutSeconds * 1000 }))
    : { mode: 'simulated', scale: async (name, namespace, replicas) => logger.info({ name, namespace, replicas }, 'simulated scale') };
  const nfvcl = createNfvcl(config);
  const configuredModes = (): IntegrationMode[] => [
    kubeconfig
      ? { name: 'karmada', mode: 'real', detail: kubeconfig }
      : { name: 'karmada', mode: 'simulated', detail: `clusters from ${config.karmada.simulatedClustersFile}` },
    kubeconfig ? programMode('helm', config.helm.binary) : { name: 'helm', mode: 'simulated', detail: 'releases recorded in the data directory, nothing installed' },
    config.submariner.kubeconfig ? { name: 'submariner', mode: 'real' } : { name: 'submariner', mode: 'disabled', detail: 'SUBMARINER_KUBECONFIG not set' },
    grafana ? { name: 'grafana', mode: 'real', detail: config.grafana.host } : { name: 'grafana', mode: 'disabled', detail: 'GRAFANA_HOST not set' },
    programMode('hdarctl', config.hdarctl.binary),
    nfvcl ? { name: 'nfvcl', mode: 'real', detail: config.nfvcl.baseUrl } : { name: 'nfvcl', mode: 'disabled', detail: 'NFVCL_BASE_URL not set' },
    prometheus ? { name: 'prometheus', mode: 'real', detail: config.prometheus.host } : { name: 'prometheus', mode: 'disabled', detail: 'PROMETHEUS_HOST not set' },
    alertRules.mode === 'simulated'
      ? { name: 'alert-rules', mode: 'simulated', detail: 'rules kept in memory (no PrometheusRule, no rules file)' }
      : { name: 'alert-rules', mode: 'real', detail: alertRules.mode },
    config.scaling.enabled ? { name: 'scaling', mode: scaler.mode, detail: `every ${config.scaling.intervalSeconds}s` } : { name: 'scaling', mode: 'disabled', detail: 'SCALING_ENABLED not set' },
  ];
  return {
    helm,
    alertRules,
    prometheus,
    scaler,
    grafana,
    nfvcl,
    inventory,
    artifacts,
    // Looked at again on each read: a program installed (or removed) later is reported as it is.
    get modes() {
      return configuredModes();
    },
  };
}

/** An integration that runs a program: real only when the program is there to run. */
function programMode(name: string, binary: string): IntegrationMode {
  const located = locateExecutable(binary);
  return located.found ? { name, mode: 'real', detail: located.path } : { name, mode: 'absent', detail: located.reason };
}

function createAlertRules(config: SmoConfig): AlertRulesPort {
  const { rules, host } = config.prometheus;
  if (rules.mode === 'rules-file') {
    // loadConfig refuses rules-file without SMO_RULES_FILE.
    return new FileRulesAdapter({ path: rules.file!, group: rules.group, ...(host ? { prometheusUrl: host } : {}) });
  }
  if (rules.mode === 'prometheus-rule') {
    const kubeconfig = rules.kubeconfig ?? join(homedir(), '.kube', 'config');
    return new PrometheusRuleAdapter(loadKubeconfigFile(kubeconfig, { trusted: true }), {
      namePrefix: rules.namePrefix,
      sharedName: rules.sharedName,
      namespace: rules.namespace,
      group: rules.group,
      labels: rules.labels,
      ...(host ? { prometheusUrl: host } : {}),
      timeoutMs: config.karmada.timeoutSeconds * 1000,
    });
  }
  return new InMemoryRulesAdapter(rules.group);
}

/** Submariner's objects (SUBMARINER_KUBECONFIG), each call bounded by SMO_KUBE_TIMEOUT; null when not configured. */
export function createSubmariner(config: SmoConfig): SubmarinerBrokerAdapter | null {
  const { kubeconfig } = config.submariner;
  return kubeconfig ? new SubmarinerBrokerAdapter(loadKubeconfigFile(kubeconfig, { trusted: true }), { timeoutMs: config.karmada.timeoutSeconds * 1000 }) : null;
}

function karmadaScaler(deployments: KarmadaDeployments): ReplicaScaler {
  return { mode: 'real', scale: (name, namespace, replicas, signal) => deployments.scale(name, namespace, replicas, signal) };
}

function createNfvcl(config: SmoConfig): NfvclPort | null {
  const { baseUrl, timeoutSeconds, pollIntervalMs } = config.nfvcl;
  if (!baseUrl) return null;
  // GETs are retried a few times, no longer apart than a poll interval.
  const retry = { attempts: 3, initialDelayMs: Math.min(200, pollIntervalMs), maxDelayMs: Math.min(2000, pollIntervalMs * 4) };
  return new NfvclHttpClient({ baseUrl, timeoutMs: timeoutSeconds * 1000, retry });
}
