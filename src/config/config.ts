import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { serviceBaseUrl } from '../shared/base-url';
import { DNS_LABEL_MAX_LENGTH, DNS_SUBDOMAIN_MAX_LENGTH, isDnsSubdomainPrefix } from '../shared/dns-name';
import { projectRoot } from '../shared/project-root';
import { DEFAULT_SNAPSHOT_EVERY } from '../application/aggregate-loader';
import { DEFAULT_WORKER_FLAVOR } from '../domain/graph/cluster-provisioning';
import { LABEL_NAME } from '../integrations/prometheus/promql';

/** SMO's configuration, read once from the environment at start-up. */
export interface SmoConfig {
  port: number;
  /** Address the HTTP server binds to. */
  bind: string;
  dataDir: string;
  eventStore: 'sqlite' | 'eventstoredb' | 'memory';
  readStore: 'sqlite' | 'mongodb' | 'memory';
  esdbUrl: string | undefined;
  mongoUrl: string | undefined;
  /** fsync policy of the embedded store (see README, Durability). */
  sqliteSynchronous: 'full' | 'normal';
  logLevel: string;
  maxBodyBytes: number;
  /** Seconds a processor lease lives without renewal before another instance may take over. */
  leaseTtlSeconds: number;
  /** Seconds POST /project/{p}/graphs waits for the graph to settle before answering 202. */
  deployWaitSeconds: number;
  /** Events folded after an aggregate's latest snapshot before a new one is written (0: no snapshots). */
  snapshotEvery: number;
  solver: 'highs' | 'glpk';
  /** How long a placement proposal can be approved. */
  proposalTtlSeconds: number;
  /** Seconds SMO's own placements count against a cluster until Karmada's allocated figures show them (README, Placement ledger). */
  placementLedgerTtlSeconds: number;
  /** Round-trip times between clusters (SMO_CLUSTER_LATENCIES, JSON {"c1": {"c2": 12}}) and the qos limits. */
  latency: { clusterLatencyMs: Record<string, Record<string, number>> | undefined; limitsMs: { ultralow: number; low: number } };
  karmada: {
    /** Absolute path of the Karmada API server kubeconfig; unset → simulated clusters and helm. */
    kubeconfig: string | undefined;
    context: string | undefined;
    /** Simulated inventory (embedded mode). */
    simulatedClustersFile: string;
    syncIntervalSeconds: number;
    /** Seconds one Karmada API call (inventory list, scale, replicas) may take. */
    timeoutSeconds: number;
    /** Label (key=value) marking a cluster as accelerated when it reports no GPU resource. */
    accelerationLabel: { key: string; value: string };
    /** Cluster label keys the placement intents read (SMO_TRUSTED_LABEL, SMO_CARBON_INTENSITY_LABEL). */
    intentLabels: { trusted: string; carbonIntensity: string };
  };
  submariner: { kubeconfig: string | undefined };
  /** `passEnv`: variables handed to helm besides PATH and HOME (SMO_HELM_PASS_ENV lists their names). */
  /** `timeoutSeconds`: helm's own --timeout (SMO kills it a tenth later); `queryTimeoutSeconds`: when SMO kills helm status/history. */
  helm: { binary: string; timeoutSeconds: number; queryTimeoutSeconds: number; plainHttp: boolean; passEnv: Record<string, string>; concurrency: number; graphsAtOnce: number };
  hdarctl: { binary: string; timeoutSeconds: number };
  /** Bearer token the Alertmanager webhook must present (unset: open). */
  alertsToken: string | undefined;
  security: {
    /** API tokens, kept only as SHA-256 digests. None configured: every request is allowed (and SMO binds to loopback). */
    tokens: Array<{ digest: string; role: 'read' | 'operate' }>;
    /** Whether /health and /metrics need a token too. */
    protectOperations: boolean;
    /** Requests per second allowed per token (or per client address without tokens); bursts of twice that. */
    rateLimitPerSecond: number;
    swaggerUi: boolean;
    /** Registries (host or host:port) charts and artifacts may come from; empty: any (a warning is logged). */
    allowedRegistries: string[];
    /** The most services × clusters one placement solve may have (a guard; 1,000 × 200 is proven optimal in well under 1 s). */
    maxSolveCells: number;
    /** The most Server-Sent Event streams open at once (each holds a connection and a subscription to the store). */
    maxEventStreams: number;
  };
  prometheus: {
    host: string | undefined;
    timeoutSeconds: number;
    /** SMO_ENERGY_QUERY: PromQL giving the energyEfficiency figure per cluster (label SMO_ENERGY_CLUSTER_LABEL, default `cluster`). */
    energy: { query: string; clusterLabel: string } | undefined;
    /** Where alerting rules go: a PrometheusRule CR, a rules file, or memory (embedded mode). */
    rules: {
      mode: 'prometheus-rule' | 'rules-file' | 'memory';
      kubeconfig: string | undefined;
      /** Each graph's rules go to the PrometheusRule `<namePrefix><graph id>`. */
      namePrefix: string;
      /** The one PrometheusRule earlier SMO versions kept every rule in: SMO's rules there move to their graphs' CRs. */
      sharedName: string;
      namespace: string;
      group: string;
      /** Labels of a PrometheusRule SMO creates: they must match the Prometheus' ruleSelector. */
      labels: Record<string, string>;
      file: string | undefined;
    };
  };
  scaling: { enabled: boolean; intervalSeconds: number; metric: string; namespaceLabel: string | null };
  grafana: { host: string | undefined; username: string | undefined; password: string | undefined; apiToken: string | undefined; datasourceUid: string; timeoutSeconds: number };
  /**
   * NFVCL (VIMs and OpenStack Kubernetes clusters); unset `baseUrl` → the NFVCL routes answer 503.
   * `pollIntervalMs`: between task/blueprint polls; `provisionTimeoutSeconds`: how long a new
   * cluster may take to become ready before it is recorded as failed.
   */
  nfvcl: {
    baseUrl: string | undefined;
    timeoutSeconds: number;
    pollIntervalMs: number;
    provisionTimeoutSeconds: number;
    /** Worker node size assumed when sizing a proposed cluster from a capacity gap. */
    workerFlavor: { cpu: number; memoryBytes: number };
  };
}

/** A configuration problem that stops start-up; the message names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

type Env = Record<string, string | undefined>;

/** The variables that hold secrets: each may come from a file instead, named by `<NAME>_FILE` (see secretFiles). */
export const SECRET_VARIABLES = ['SMO_API_TOKENS', 'SMO_ALERTS_TOKEN', 'GRAFANA_PASSWORD', 'GRAFANA_API_TOKEN', 'MONGO_URL', 'ESDB_URL'] as const;

export function loadConfig(environment: Env = process.env): SmoConfig {
  const env = secretFiles(environment);
  const eventStore = oneOf(env, 'SMO_EVENT_STORE', ['sqlite', 'eventstoredb', 'memory'] as const, 'sqlite');
  const readStore = oneOf(env, 'SMO_READ_STORE', ['sqlite', 'mongodb', 'memory'] as const, 'sqlite');
  const esdbUrl = url(env, 'ESDB_URL', ['esdb:', 'esdb+discover:', 'kurrentdb:', 'kurrentdb+discover:']);
  const mongoUrl = url(env, 'MONGO_URL', ['mongodb:', 'mongodb+srv:']);
  if (eventStore === 'eventstoredb' && !esdbUrl) throw new ConfigError('ESDB_URL', 'is required when SMO_EVENT_STORE=eventstoredb');
  if (readStore === 'mongodb' && !mongoUrl) throw new ConfigError('MONGO_URL', 'is required when SMO_READ_STORE=mongodb');
  // The read models keep checkpoints (event positions): over events that vanish at exit, a kept read store would be ahead
  // of the next run's events and never show them.
  if (eventStore === 'memory' && readStore !== 'memory') {
    throw new ConfigError('SMO_READ_STORE', `must be memory when SMO_EVENT_STORE=memory (got ${readStore}${env.SMO_READ_STORE?.trim() ? '' : ', the default'}): the read models' checkpoints would outlive the events`);
  }
  const tokens = apiTokens(env, 'SMO_API_TOKENS');
  return {
    port: integer(env, ['PORT', 'FLASK_RUN_PORT'], 8000, 0, 65535),
    // Without API tokens SMO only listens on loopback, unless told otherwise explicitly: judged by the tokens read, not
    // by the variable being set (`SMO_API_TOKENS=,` had SMO listen on every interface with no authentication).
    bind: bindAddress(env, 'SMO_BIND', tokens.length > 0 ? '0.0.0.0' : '127.0.0.1'),
    dataDir: resolve(text(env, 'SMO_DATA_DIR', './data')),
    eventStore,
    readStore,
    esdbUrl,
    mongoUrl,
    sqliteSynchronous: oneOf(env, 'SMO_SQLITE_SYNCHRONOUS', ['full', 'normal'] as const, 'full'),
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    maxBodyBytes: integer(env, ['SMO_MAX_BODY_BYTES'], 1_048_576, 1024, 64 * 1_048_576),
    leaseTtlSeconds: integer(env, ['SMO_LEASE_TTL'], 30, 1, 3600),
    deployWaitSeconds: integer(env, ['SMO_DEPLOY_WAIT'], 60, 0, 3600),
    snapshotEvery: integer(env, ['SMO_SNAPSHOT_EVERY'], DEFAULT_SNAPSHOT_EVERY, 0, 100_000),
    solver: oneOf(env, 'SMO_SOLVER', ['highs', 'glpk'] as const, 'highs'),
    proposalTtlSeconds: integer(env, ['SMO_PROPOSAL_TTL'], 86_400, 1, 30 * 86_400),
    placementLedgerTtlSeconds: integer(env, ['SMO_PLACEMENT_LEDGER_TTL'], 300, 1, 86_400),
    latency: {
      clusterLatencyMs: latencyMatrix(env, 'SMO_CLUSTER_LATENCIES'),
      limitsMs: latencyLimits(env),
    },
    karmada: {
      kubeconfig: kubeconfigPath(env, 'KARMADA_KUBECONFIG'),
      context: env.KARMADA_CONTEXT?.trim() || undefined,
      simulatedClustersFile: resolve(text(env, 'SMO_SIMULATED_CLUSTERS', join(projectRoot(), 'config', 'simulated-clusters.yaml'))),
      syncIntervalSeconds: integer(env, ['SMO_CLUSTER_SYNC_INTERVAL'], 30, 1, 86_400),
      timeoutSeconds: integer(env, ['SMO_KUBE_TIMEOUT'], 10, 1, 300),
      accelerationLabel: labelSelector(env, 'SMO_ACCELERATION_LABEL', 'smo.nephele.eu/acceleration=true'),
      intentLabels: { trusted: labelKey(env, 'SMO_TRUSTED_LABEL', 'smo.nephele.eu/trusted'), carbonIntensity: labelKey(env, 'SMO_CARBON_INTENSITY_LABEL', 'smo.nephele.eu/carbon-intensity') },
    },
    submariner: { kubeconfig: kubeconfigPath(env, 'SUBMARINER_KUBECONFIG') },
    helm: {
      binary: text(env, 'SMO_HELM_BINARY', 'helm'),
      timeoutSeconds: integer(env, ['SMO_HELM_TIMEOUT'], 300, 1, 3600),
      queryTimeoutSeconds: integer(env, ['SMO_HELM_QUERY_TIMEOUT'], 30, 1, 3600),
      plainHttp: flag(env, 'INSECURE_REGISTRY', false),
      passEnv: passedEnvironment(env, 'SMO_HELM_PASS_ENV'),
      concurrency: integer(env, ['SMO_HELM_CONCURRENCY'], 4, 1, 64),
      graphsAtOnce: integer(env, ['SMO_DEPLOY_GRAPHS_AT_ONCE'], 4, 1, 64),
    },
    hdarctl: { binary: text(env, 'SMO_HDARCTL_BINARY', 'hdarctl'), timeoutSeconds: integer(env, ['SMO_HDARCTL_TIMEOUT'], 120, 1, 3600) },
    alertsToken: alertsToken(env),
    security: {
      tokens,
      protectOperations: flag(env, 'SMO_PROTECT_OPERATIONS', false),
      rateLimitPerSecond: integer(env, ['SMO_RATE_LIMIT'], 200, 1, 1_000_000),
      swaggerUi: flag(env, 'SMO_SWAGGER_UI', true),
      allowedRegistries: registryHosts(env, 'SMO_ALLOWED_REGISTRIES'),
      maxSolveCells: integer(env, ['SMO_MAX_SOLVE_CELLS'], 200_000, 1, 10_000_000),
      maxEventStreams: integer(env, ['SMO_MAX_EVENT_STREAMS'], 200, 1, 100_000),
    },
    prometheus: prometheusConfig(env),
    scaling: {
      enabled: flag(env, 'SCALING_ENABLED', false),
      intervalSeconds: integer(env, ['SCALING_INTERVAL'], 30, 1, 86_400),
      metric: text(env, 'SMO_SCALING_METRIC', 'flask_http_request_total'),
      namespaceLabel: labelName(env, 'SMO_SCALING_NAMESPACE_LABEL', 'namespace'),
    },
    grafana: {
      host: url(env, 'GRAFANA_HOST', ['http:', 'https:']),
      username: env.GRAFANA_USERNAME || undefined,
      password: env.GRAFANA_PASSWORD || undefined,
      apiToken: env.GRAFANA_API_TOKEN || undefined,
      datasourceUid: text(env, 'GRAFANA_DATASOURCE_UID', 'prometheus'),
      timeoutSeconds: integer(env, ['GRAFANA_TIMEOUT'], 10, 1, 300),
    },
    nfvcl: {
      baseUrl: serviceUrl(env, 'NFVCL_BASE_URL', 'NFVCL'),
      timeoutSeconds: integer(env, ['NFVCL_TIMEOUT'], 30, 1, 600),
      pollIntervalMs: integer(env, ['NFVCL_POLL_INTERVAL_MS'], 10_000, 10, 600_000),
      provisionTimeoutSeconds: integer(env, ['NFVCL_PROVISION_TIMEOUT'], 3600, 1, 86_400),
      workerFlavor: {
        cpu: integer(env, ['SMO_PROVISION_WORKER_CPU'], DEFAULT_WORKER_FLAVOR.cpu, 1, 1024),
        memoryBytes: integer(env, ['SMO_PROVISION_WORKER_MEMORY_GIB'], DEFAULT_WORKER_FLAVOR.memoryBytes / 2 ** 30, 1, 4096) * 2 ** 30,
      },
    },
  };
}

/**
 * Secrets from files, as Docker and Kubernetes mount them (`SMO_API_TOKENS_FILE=/run/secrets/smo-tokens`), so they
 * need not sit in the environment (`docker inspect`, /proc/<pid>/environ). The file's final newline is dropped.
 * Both ways at once is refused, and an unreadable file is named; the content never is.
 */
function secretFiles(env: Env): Env {
  const fromFiles: Env = {};
  for (const name of SECRET_VARIABLES) {
    const file = env[`${name}_FILE`]?.trim();
    if (!file) continue;
    if (env[name]?.trim()) throw new ConfigError(`${name}_FILE`, `is set together with ${name}: set one of them`);
    try {
      fromFiles[name] = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new ConfigError(`${name}_FILE`, `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
  }
  return Object.keys(fromFiles).length === 0 ? env : { ...env, ...fromFiles };
}

/**
 * Upstream gave kubeconfig file names inside ~/.kube (`karmada-apiserver.config`); a bare name is
 * still looked up there (or in SMO_KUBE_DIR), a path is taken as it is.
 */
function kubeconfigPath(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  if (value.includes('/')) return resolve(value);
  return resolve(env.SMO_KUBE_DIR?.trim() || join(env.HOME ?? homedir(), '.kube'), value);
}

function text(env: Env, name: string, fallback: string): string {
  const value = env[name]?.trim();
  return value ? value : fallback;
}

/** A Prometheus label name, or `none` (null). */
function labelName(env: Env, name: string, fallback: string): string | null {
  const value = text(env, name, fallback);
  if (value === 'none') return null;
  if (!LABEL_NAME.test(value)) throw new ConfigError(name, `must be a Prometheus label name, or none (got ${JSON.stringify(value)})`);
  return value;
}

/** An address to listen on: an IPv4 or IPv6 address, or `localhost` (found otherwise only when listen() fails). */
function bindAddress(env: Env, name: string, fallback: string): string {
  const value = text(env, name, fallback);
  if (value.toLowerCase() !== 'localhost' && isIP(value) === 0) throw new ConfigError(name, `must be an IP address such as 127.0.0.1, 0.0.0.0 or ::, or localhost (got ${JSON.stringify(value)})`);
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = env[name]?.trim();
  if (!value) return fallback;
  const match = allowed.find((option) => option === value.toLowerCase());
  if (!match) throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
  return match;
}

function integer(env: Env, names: readonly string[], fallback: number, min: number, max: number): number {
  for (const name of names) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) throw new ConfigError(name, `must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
    return value;
  }
  return fallback;
}

function url(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) throw new ConfigError(name, `must use one of ${protocols.join(', ')}`);
  return raw;
}

/** A service's base URL checked by serviceBaseUrl (http(s), no credentials, query or fragment); its message names the variable. */
function serviceUrl(env: Env, name: string, service: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  try {
    return serviceBaseUrl(raw, service);
  } catch (error) {
    throw new ConfigError(name, (error as Error).message);
  }
}

const TRUE_WORDS = ['true', 't', 'yes', '1'];
const FALSE_WORDS = ['false', 'f', 'no', '0'];

/**
 * A boolean variable: true/false (upstream's t too), yes/no or 1/0, case-insensitive; unset or empty → `fallback`.
 * Anything else is refused: a security switch must not be silently off (SMO_PROTECT_OPERATIONS=on would leave /health open).
 */
export function flag(env: Env, name: string, fallback: boolean): boolean {
  const value = env[name]?.trim().toLowerCase();
  if (!value) return fallback;
  if (TRUE_WORDS.includes(value)) return true;
  if (FALSE_WORDS.includes(value)) return false;
  throw new ConfigError(name, `must be true or false (or yes/no, 1/0; got ${JSON.stringify(env[name])})`);
}

function labelSelector(env: Env, name: string, fallback: string): { key: string; value: string } {
  const raw = text(env, name, fallback);
  const match = /^([A-Za-z0-9./_-]+)=([A-Za-z0-9._-]*)$/.exec(raw);
  if (!match) throw new ConfigError(name, `must be key=value (got ${JSON.stringify(raw)})`);
  return { key: match[1]!, value: match[2]! };
}

function labelKey(env: Env, name: string, fallback: string): string {
  const raw = text(env, name, fallback);
  if (!/^[A-Za-z0-9./_-]+$/.test(raw)) throw new ConfigError(name, `must be a label key (got ${JSON.stringify(raw)})`);
  return raw;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Variables to pass to a child process, by name, from a comma-separated list. */
function passedEnvironment(env: Env, name: string): Record<string, string> {
  const names = (env[name] ?? '').split(',').map((n) => n.trim()).filter(Boolean);
  const invalid = names.find((n) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(n));
  if (invalid) throw new ConfigError(name, `${JSON.stringify(invalid)} is not a variable name`);
  return Object.fromEntries(names.filter((n) => env[n] !== undefined).map((n) => [n, env[n]!]));
}

function prometheusConfig(env: Env): SmoConfig['prometheus'] {
  const host = url(env, 'PROMETHEUS_HOST', ['http:', 'https:']);
  const file = env.SMO_RULES_FILE?.trim() ? resolve(env.SMO_RULES_FILE.trim()) : undefined;
  const kubeconfig = kubeconfigPath(env, 'PROMETHEUS_RULE_KUBECONFIG') ?? kubeconfigPath(env, 'KUBECONFIG');
  // The operator's PrometheusRule needs the management cluster's kubeconfig; without one, rules stay in memory.
  const fallback = file ? 'rules-file' : kubeconfig ? 'prometheus-rule' : 'memory';
  if (flag(env, 'SCALING_ENABLED', false) && !host) throw new ConfigError('PROMETHEUS_HOST', 'is required when SCALING_ENABLED is true (scaling reads request rates from Prometheus)');
  const energyQuery = env.SMO_ENERGY_QUERY?.trim();
  if (energyQuery && !host) throw new ConfigError('PROMETHEUS_HOST', 'is required when SMO_ENERGY_QUERY is set (the energy figures are read from Prometheus)');
  const mode = oneOf(env, 'SMO_ALERT_RULES', ['prometheus-rule', 'rules-file', 'memory'] as const, fallback);
  if (mode === 'rules-file' && !file) throw new ConfigError('SMO_RULES_FILE', 'is required when SMO_ALERT_RULES=rules-file');
  // Every rule write would fail (its temporary file goes beside it), each recorded as AlertRulesFailed while SMO runs on.
  if (file && !isDirectory(dirname(file))) throw new ConfigError('SMO_RULES_FILE', `${dirname(file)} is not a directory: the rules file goes in one that exists`);
  const clusterLabel = text(env, 'SMO_ENERGY_CLUSTER_LABEL', 'cluster');
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(clusterLabel)) throw new ConfigError('SMO_ENERGY_CLUSTER_LABEL', `${JSON.stringify(clusterLabel)} is not a Prometheus label name`);
  return {
    host,
    timeoutSeconds: integer(env, ['PROMETHEUS_TIMEOUT'], 5, 1, 300),
    energy: energyQuery ? { query: energyQuery, clusterLabel } : undefined,
    rules: {
      mode,
      kubeconfig,
      namePrefix: dnsSubdomainPrefix(env, 'PROMETHEUS_RULE_PREFIX', 'smo-alerts-'),
      sharedName: text(env, 'PROMETHEUS_RULE_NAME', 'kube-prometheus-stack-0'),
      namespace: text(env, 'PROMETHEUS_RULE_NAMESPACE', 'monitoring'),
      group: text(env, 'PROMETHEUS_RULE_GROUP', 'smo-alerts'),
      labels: labelList(env, 'PROMETHEUS_RULE_LABELS', 'release=kube-prometheus-stack'),
      file,
    },
  };
}

function dnsSubdomainPrefix(env: Env, name: string, fallback: string): string {
  const value = text(env, name, fallback);
  if (!isDnsSubdomainPrefix(value)) throw new ConfigError(name, `${JSON.stringify(value)} must begin a Kubernetes object name with room for a graph id (lowercase letters, digits, "-" and ".", at most ${DNS_SUBDOMAIN_MAX_LENGTH - DNS_LABEL_MAX_LENGTH} characters)`);
  return value;
}

function labelList(env: Env, name: string, fallback: string): Record<string, string> {
  const entries = text(env, name, fallback).split(',').map((item) => item.trim()).filter(Boolean);
  return Object.fromEntries(
    entries.map((entry) => {
      const label = /^([A-Za-z0-9./_-]+)=([A-Za-z0-9._-]*)$/.exec(entry);
      if (!label) throw new ConfigError(name, `must be key=value pairs separated by commas (got ${JSON.stringify(entry)})`);
      return [label[1]!, label[2]!];
    }),
  );
}

/** The latency intents' limits: `ultralow` is the stricter of the two, or it would place more loosely than `low`. */
function latencyLimits(env: Env): { ultralow: number; low: number } {
  const limits = { ultralow: integer(env, ['SMO_LATENCY_ULTRALOW_MS'], 10, 1, 10_000), low: integer(env, ['SMO_LATENCY_LOW_MS'], 20, 1, 10_000) };
  if (limits.ultralow > limits.low) throw new ConfigError('SMO_LATENCY_ULTRALOW_MS', `must be at most SMO_LATENCY_LOW_MS (${limits.low}): ultralow latency is the stricter limit (got ${limits.ultralow})`);
  return limits;
}

/** The Alertmanager webhook's token: as long as an API token must be (it guards a route that deploys services). */
function alertsToken(env: Env): string | undefined {
  const token = env.SMO_ALERTS_TOKEN?.trim() || undefined;
  if (token !== undefined && token.length < 16) throw new ConfigError('SMO_ALERTS_TOKEN', 'must have at least 16 characters');
  return token;
}

/**
 * Registry hosts (`host` or `host:port`), comma-separated, lowercased: what a chart's or an artifact's reference is
 * compared with. A URL or a path could never match one, so every deploy would be refused: such a value is refused here.
 */
function registryHosts(env: Env, name: string): string[] {
  const hosts = (env[name] ?? '').split(',').map((host) => host.trim().toLowerCase()).filter(Boolean);
  if (hosts.length === 0 && env[name]?.trim()) throw new ConfigError(name, 'holds no host: give hosts (host or host:port), comma-separated, or leave it unset');
  const bad = hosts.find((host) => !/^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)(:\d{1,5})?$/.test(host));
  if (bad !== undefined) throw new ConfigError(name, `${JSON.stringify(bad.slice(0, 100))} is not a host (host or host:port, no scheme or path)`);
  return hosts;
}

/** `token:role` pairs, comma-separated; only their SHA-256 digests are kept. */
function apiTokens(env: Env, name: string): SmoConfig['security']['tokens'] {
  const entries = (env[name] ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  // Set but holding no entry (`,`): a mistake, not a wish for no authentication (that is the variable unset).
  if (entries.length === 0 && env[name]?.trim()) throw new ConfigError(name, 'holds no token: give token:read or token:operate pairs, comma-separated, or leave it unset');
  return entries.map((entry, index) => {
    const separator = entry.lastIndexOf(':');
    const token = separator > 0 ? entry.slice(0, separator) : '';
    const role = entry.slice(separator + 1);
    // The message names the entry's position, never the token itself.
    if (!token || (role !== 'read' && role !== 'operate')) throw new ConfigError(name, `entry ${index + 1} must be token:read or token:operate`);
    if (token.length < 16) throw new ConfigError(name, `entry ${index + 1}: a token must have at least 16 characters`);
    return { digest: createHash('sha256').update(token).digest('hex'), role };
  });
}

function latencyMatrix(env: Env, name: string): Record<string, Record<string, number>> | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(name, 'must be JSON such as {"c1": {"c2": 12}}');
  }
  const isMap = (value: unknown): value is object => typeof value === 'object' && value !== null && !Array.isArray(value);
  const valid = isMap(parsed) && Object.values(parsed).every((row) => isMap(row) && Object.values(row).every((ms) => typeof ms === 'number' && Number.isFinite(ms) && ms >= 0));
  if (!valid) throw new ConfigError(name, 'must map cluster names to {cluster: milliseconds ≥ 0}');
  return parsed as Record<string, Record<string, number>>;
}
