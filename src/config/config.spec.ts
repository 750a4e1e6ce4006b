import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('runs embedded with no variables: SQLite stores under ./data on port 8000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 8000, eventStore: 'sqlite', readStore: 'sqlite', sqliteSynchronous: 'full', bind: '127.0.0.1' });
    expect(config.dataDir).toBe(`${process.cwd()}/data`);
  });

  it('selects production stores', () => {
    const config = loadConfig({ SMO_EVENT_STORE: 'eventstoredb', ESDB_URL: 'esdb://localhost:2113?tls=false', SMO_READ_STORE: 'mongodb', MONGO_URL: 'mongodb://127.0.0.1/smo', PORT: '9000' });
    expect(config).toMatchObject({ eventStore: 'eventstoredb', readStore: 'mongodb', port: 9000 });
  });

  it('reads the cluster label keys of the intents, refusing what is no label key', () => {
    expect(loadConfig({}).karmada.intentLabels).toEqual({ trusted: 'smo.nephele.eu/trusted', carbonIntensity: 'smo.nephele.eu/carbon-intensity' });
    expect(loadConfig({ SMO_TRUSTED_LABEL: 'example.org/secure' }).karmada.intentLabels.trusted).toBe('example.org/secure');
    expect(() => loadConfig({ SMO_CARBON_INTENSITY_LABEL: 'bad key=1' })).toThrow(/SMO_CARBON_INTENSITY_LABEL/);
    expect(() => loadConfig({ SMO_ENERGY_QUERY: 'sum by (cluster) (kepler_node_platform_joules_total)' })).toThrow(/PROMETHEUS_HOST.*SMO_ENERGY_QUERY/);
    expect(() => loadConfig({ PROMETHEUS_HOST: 'http://p:9090', SMO_ENERGY_QUERY: 'x', SMO_ENERGY_CLUSTER_LABEL: 'bad-label' })).toThrow(/SMO_ENERGY_CLUSTER_LABEL/);
    expect(loadConfig({ PROMETHEUS_HOST: 'http://p:9090', SMO_ENERGY_QUERY: ' x ' }).prometheus.energy).toEqual({ query: 'x', clusterLabel: 'cluster' });
    expect(loadConfig({}).prometheus.energy).toBeUndefined();
  });

  it("names each graph's PrometheusRule by a prefix that leaves a valid object name, and the shared CR to move rules from", () => {
    expect(loadConfig({}).prometheus.rules).toMatchObject({ namePrefix: 'smo-alerts-', sharedName: 'kube-prometheus-stack-0', namespace: 'monitoring', group: 'smo-alerts' });
    expect(loadConfig({ PROMETHEUS_RULE_PREFIX: 'nephele.smo-', PROMETHEUS_RULE_NAME: 'smo' }).prometheus.rules).toMatchObject({ namePrefix: 'nephele.smo-', sharedName: 'smo' });
    for (const prefix of ['SMO-', 'smo..', '-smo', 'smo_', 'a'.repeat(191)]) expect(() => loadConfig({ PROMETHEUS_RULE_PREFIX: prefix })).toThrow(/PROMETHEUS_RULE_PREFIX/);
  });

  it('refuses a rules file it could never write: rules-file without SMO_RULES_FILE, or one in no existing directory', () => {
    expect(() => loadConfig({ SMO_ALERT_RULES: 'rules-file' })).toThrow(/^SMO_RULES_FILE: is required when SMO_ALERT_RULES=rules-file$/);
    expect(() => loadConfig({ SMO_RULES_FILE: '/nonexistent-smo-dir/x/rules.yml' })).toThrow(/^SMO_RULES_FILE: \/nonexistent-smo-dir\/x is not a directory/);
    const dir = mkdtempSync(join(tmpdir(), 'smo-rules-'));
    expect(loadConfig({ SMO_RULES_FILE: join(dir, 'rules.yml') }).prometheus.rules).toMatchObject({ mode: 'rules-file', file: join(dir, 'rules.yml') });
  });

  it('refuses an ultralow latency limit looser than the low one, and an alerts token shorter than an API token may be', () => {
    expect(loadConfig({ SMO_LATENCY_ULTRALOW_MS: '20' }).latency.limitsMs).toEqual({ ultralow: 20, low: 20 });
    expect(() => loadConfig({ SMO_LATENCY_ULTRALOW_MS: '50' })).toThrow(/^SMO_LATENCY_ULTRALOW_MS: must be at most SMO_LATENCY_LOW_MS \(20\)/);
    expect(() => loadConfig({ SMO_ALERTS_TOKEN: 'x' })).toThrow(/^SMO_ALERTS_TOKEN: must have at least 16 characters$/);
    expect(loadConfig({ SMO_ALERTS_TOKEN: 'alerts-token-0123456789' }).alertsToken).toBe('alerts-token-0123456789');
  });

  it('reads registry hosts, refusing what could never match a chart reference (a URL, a path) or no host at all', () => {
    expect(loadConfig({ SMO_ALLOWED_REGISTRIES: 'Registry.example.org, 10.0.3.53:5000,[::1]:5000' }).security.allowedRegistries).toEqual(['registry.example.org', '10.0.3.53:5000', '[::1]:5000']);
    for (const value of ['http://10.0.3.53:5000', '10.0.3.53:5000/test', 'a b', 'host:port']) {
      expect(() => loadConfig({ SMO_ALLOWED_REGISTRIES: value })).toThrow(/^SMO_ALLOWED_REGISTRIES: ".+" is not a host \(host or host:port, no scheme or path\)$/);
    }
    expect(() => loadConfig({ SMO_ALLOWED_REGISTRIES: ',,' })).toThrow(/^SMO_ALLOWED_REGISTRIES: holds no host/);
  });

  it('reads the NFVCL settings; without NFVCL_BASE_URL the NFVCL routes answer 503', () => {
    expect(loadConfig({}).nfvcl).toEqual({ baseUrl: undefined, timeoutSeconds: 30, pollIntervalMs: 10_000, provisionTimeoutSeconds: 3600, workerFlavor: { cpu: 4, memoryBytes: 8 * 2 ** 30 } });
    expect(loadConfig({ SMO_PROVISION_WORKER_CPU: '8', SMO_PROVISION_WORKER_MEMORY_GIB: '32' }).nfvcl.workerFlavor).toEqual({ cpu: 8, memoryBytes: 32 * 2 ** 30 });
    expect(loadConfig({ NFVCL_BASE_URL: 'http://192.168.12.64:5002/', NFVCL_POLL_INTERVAL_MS: '50' }).nfvcl).toMatchObject({ baseUrl: 'http://192.168.12.64:5002', pollIntervalMs: 50 });
  });

  it('keeps an in-memory event store with an in-memory read store only', () => {
    expect(loadConfig({ SMO_EVENT_STORE: 'memory', SMO_READ_STORE: 'memory' })).toMatchObject({ eventStore: 'memory', readStore: 'memory' });
  });

  it('binds to an IP address or localhost; 0.0.0.0 by default once API tokens are set (README, Configuration)', () => {
    for (const bind of ['0.0.0.0', '::', '::1', '10.0.0.7', 'localhost']) expect(loadConfig({ SMO_BIND: bind }).bind).toBe(bind);
    expect(loadConfig({ SMO_API_TOKENS: 'config-read-token-0123456789:read' }).bind).toBe('0.0.0.0');
    // Set but holding no token: refused, never an SMO with no authentication listening on every interface.
    for (const tokens of [',', ' , ,', ',\n']) expect(() => loadConfig({ SMO_API_TOKENS: tokens })).toThrow(/^SMO_API_TOKENS: holds no token/);
    expect(loadConfig({ SMO_API_TOKENS: ' ' }).bind).toBe('127.0.0.1');
    expect(loadConfig({ SMO_CLUSTER_LATENCIES: '{"c1": {"c2": 12}}' }).latency.clusterLatencyMs).toEqual({ c1: { c2: 12 } });
  });

  it('bounds helm calls: its own --timeout (SMO_HELM_TIMEOUT) and the shorter deadline of its read-only queries (SMO_HELM_QUERY_TIMEOUT)', () => {
    expect(loadConfig({}).helm).toMatchObject({ timeoutSeconds: 300, queryTimeoutSeconds: 30 });
    expect(loadConfig({ SMO_HELM_QUERY_TIMEOUT: '5' }).helm.queryTimeoutSeconds).toBe(5);
    expect(() => loadConfig({ SMO_HELM_QUERY_TIMEOUT: '0' })).toThrow(/SMO_HELM_QUERY_TIMEOUT/);
  });

  it('reads a boolean as true/false, t/f, yes/no or 1/0 in any case; unset keeps the default', () => {
    for (const yes of ['true', 'TRUE', 't', 'yes', 'Yes', '1', ' true ']) expect(loadConfig({ SMO_PROTECT_OPERATIONS: yes }).security.protectOperations).toBe(true);
    for (const no of ['false', 'F', 'no', '0', '']) expect(loadConfig({ SMO_PROTECT_OPERATIONS: no }).security.protectOperations).toBe(false);
    expect(loadConfig({}).security).toMatchObject({ protectOperations: false, swaggerUi: true });
    expect(loadConfig({ SMO_SWAGGER_UI: 'no' }).security.swaggerUi).toBe(false);
    expect(loadConfig({ INSECURE_REGISTRY: 'yes' }).helm.plainHttp).toBe(true);
    expect(loadConfig({ SCALING_ENABLED: '1', PROMETHEUS_HOST: 'http://p:9090' }).scaling.enabled).toBe(true);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ SMO_EVENT_STORE: 'postgres' }, 'SMO_EVENT_STORE'],
    [{ SMO_READ_STORE: 'redis' }, 'SMO_READ_STORE'],
    [{ SMO_EVENT_STORE: 'eventstoredb' }, 'ESDB_URL'],
    [{ SMO_READ_STORE: 'mongodb' }, 'MONGO_URL'],
    [{ MONGO_URL: 'http://x' }, 'MONGO_URL'],
    [{ ESDB_URL: 'not a url' }, 'ESDB_URL'],
    [{ SMO_SQLITE_SYNCHRONOUS: 'off' }, 'SMO_SQLITE_SYNCHRONOUS'],
    [{ NFVCL_BASE_URL: 'ftp://nfvcl' }, 'NFVCL_BASE_URL'],
    [{ NFVCL_BASE_URL: 'http://admin:secret@nfvcl:5002' }, 'NFVCL_BASE_URL'],
    [{ NFVCL_POLL_INTERVAL_MS: '5' }, 'NFVCL_POLL_INTERVAL_MS'],
    [{ NFVCL_TIMEOUT: '0' }, 'NFVCL_TIMEOUT'],
    // Events vanish at exit while the read models and their checkpoints would survive in ./data/smo.db (or MongoDB).
    [{ SMO_EVENT_STORE: 'memory' }, 'SMO_READ_STORE'],
    [{ SMO_EVENT_STORE: 'memory', SMO_READ_STORE: 'sqlite' }, 'SMO_READ_STORE'],
    [{ SMO_EVENT_STORE: 'memory', SMO_READ_STORE: 'mongodb', MONGO_URL: 'mongodb://127.0.0.1/smo' }, 'SMO_READ_STORE'],
    // A boolean that is neither true nor false was silently false: SMO_PROTECT_OPERATIONS=on left /health and /metrics open.
    [{ SMO_PROTECT_OPERATIONS: 'on' }, 'SMO_PROTECT_OPERATIONS'],
    [{ SMO_PROTECT_OPERATIONS: 'ture' }, 'SMO_PROTECT_OPERATIONS'],
    [{ SMO_SWAGGER_UI: 'off' }, 'SMO_SWAGGER_UI'],
    [{ INSECURE_REGISTRY: 'y' }, 'INSECURE_REGISTRY'],
    [{ SCALING_ENABLED: 'enabled', PROMETHEUS_HOST: 'http://p:9090' }, 'SCALING_ENABLED'],
    [{ SCALING_ENABLED: 'yes' }, 'PROMETHEUS_HOST'],
    // Not an address: only found when listen() failed, with a stack trace that named no variable.
    [{ SMO_BIND: 'not an address' }, 'SMO_BIND'],
    [{ SMO_BIND: '127.0.0.256' }, 'SMO_BIND'],
    // An array is not a {cluster: {cluster: ms}} map.
    [{ SMO_CLUSTER_LATENCIES: '[{"c2": 12}]' }, 'SMO_CLUSTER_LATENCIES'],
    [{ SMO_CLUSTER_LATENCIES: '{"c1": [12]}' }, 'SMO_CLUSTER_LATENCIES'],
    [{ SMO_CLUSTER_LATENCIES: '{"c1": {"c2": -1}}' }, 'SMO_CLUSTER_LATENCIES'],
  ])('refuses %j naming %s', (env, variable) => {
    const attempt = () => loadConfig(env);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(new RegExp(`^${variable}:`));
  });
});

describe('secrets from files (<NAME>_FILE: Docker and Kubernetes secrets), not only from the environment', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'smo-secrets-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const secret = (name: string, content: string) => {
    const file = join(dir, name);
    writeFileSync(file, content, { mode: 0o600 });
    return file;
  };

  it('reads the API tokens, the alerts token, the Grafana credentials and the store URLs from files, the final newline dropped', () => {
    const fromFile = loadConfig({
      SMO_API_TOKENS_FILE: secret('tokens', 'file-operate-token-0123456789:operate\n'),
      SMO_ALERTS_TOKEN_FILE: secret('alerts', 'alertmanager-token\n'),
      GRAFANA_PASSWORD_FILE: secret('grafana', 'pa ss\n'),
      GRAFANA_API_TOKEN_FILE: secret('grafana-token', 'glsa_x'),
      SMO_EVENT_STORE: 'eventstoredb',
      ESDB_URL_FILE: secret('esdb', 'esdb://admin:changeit@esdb:2113?tls=false\n'),
      SMO_READ_STORE: 'mongodb',
      MONGO_URL_FILE: secret('mongo', 'mongodb://smo:secret@mongodb:27017/smo?replicaSet=rs0\r\n'),
    });
    const fromEnvironment = loadConfig({
      SMO_API_TOKENS: 'file-operate-token-0123456789:operate',
      SMO_ALERTS_TOKEN: 'alertmanager-token',
      GRAFANA_PASSWORD: 'pa ss',
      GRAFANA_API_TOKEN: 'glsa_x',
      SMO_EVENT_STORE: 'eventstoredb',
      ESDB_URL: 'esdb://admin:changeit@esdb:2113?tls=false',
      SMO_READ_STORE: 'mongodb',
      MONGO_URL: 'mongodb://smo:secret@mongodb:27017/smo?replicaSet=rs0',
    });
    expect(fromFile).toEqual(fromEnvironment);
  });

  it('refuses a variable given both ways, and a file it cannot read, naming the variable and never the content', () => {
    const file = secret('tokens', 'file-operate-token-0123456789:operate');
    expect(() => loadConfig({ SMO_API_TOKENS: 'env-operate-token-0123456789:operate', SMO_API_TOKENS_FILE: file })).toThrow(/^SMO_API_TOKENS_FILE: .*SMO_API_TOKENS/);
    const missing = join(dir, 'missing');
    expect(() => loadConfig({ GRAFANA_PASSWORD_FILE: missing })).toThrow(new RegExp(`^GRAFANA_PASSWORD_FILE: cannot read ${missing}`));
    const bad = secret('bad', 'short:operate');
    expect(() => loadConfig({ SMO_API_TOKENS_FILE: bad })).toThrow(ConfigError);
    expect(() => loadConfig({ SMO_API_TOKENS_FILE: bad })).not.toThrow(/short/);
  });
});

describe("the README's Configuration table", () => {
  /** The variables loadConfig reads, as it reads them (an environment that records each name asked for). */
  const readBy = (env: Record<string, string>): Set<string> => {
    const names = new Set<string>();
    loadConfig(new Proxy(env, { get: (target, name) => (typeof name === 'string' && names.add(name), target[name as string]) }));
    return names;
  };
  const read = new Set([
    ...readBy({}),
    // Branches: a bare kubeconfig name is looked up in SMO_KUBE_DIR; Prometheus-dependent settings.
    ...readBy({ KARMADA_KUBECONFIG: 'karmada-apiserver.config', PROMETHEUS_HOST: 'http://p:9090', SMO_ENERGY_QUERY: 'x', SCALING_ENABLED: 'true' }),
  ]);
  // Not SMO's own settings: where a bare kubeconfig name is looked up when SMO_KUBE_DIR is unset.
  read.delete('HOME');
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Configuration\n'), readme.indexOf('\n### ', readme.indexOf('\n## Configuration\n')));
  const documented = new Set(section.split('\n').filter((line) => line.startsWith('| `')).flatMap((line) => [...line.split('|')[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((match) => match[1]!)));

  it('has a row for every variable SMO reads (undocumented ones: GRAFANA_TIMEOUT, PROMETHEUS_TIMEOUT, SMO_HDARCTL_TIMEOUT…)', () => {
    expect([...read].filter((name) => !documented.has(name)).sort()).toEqual([]);
  });

  it('documents no variable SMO does not read', () => {
    expect(documented.size).toBeGreaterThan(30);
    expect([...documented].filter((name) => !read.has(name)).sort()).toEqual([]);
  });
});
