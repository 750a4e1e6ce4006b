import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { FakeDelays } from '../loopback-server';
import { deployment, type DeploymentInput, type KubeObject } from './kube-objects';
import { applyPatch, PATCH_CONTENT_TYPES, PatchError } from './patches';

export * from './kube-objects';

/**
 * A loopback, plain-HTTP stand-in for the Karmada API server: just the paths SMO's adapters call,
 * with bearer-token auth, mutable state, injected failures and an outage switch.
 *
 * The real thing is tested in test/karmada (a Karmada v1.16 lab, `npm run test:karmada`). This fake
 * stays for what the lab cannot produce on demand — a 500, a server that never answers, a 409 at a
 * chosen moment, a cluster flipping state between two syncs — and for the many suites that need a
 * Karmada in milliseconds rather than a lab in a minute.
 *
 *   const api = new FakeKubeApi();
 *   const { kubeconfigPath } = await api.start();
 *   api.setClusters([karmadaCluster({ name: 'c1' })]);
 *   ...
 *   await api.stop();
 */

export interface RequestLogEntry {
  method: string;
  path: string;
  query: string;
  contentType: string | null;
  body: string;
  status: number;
}

export interface ScalePatch {
  namespace: string;
  name: string;
  contentType: string;
  patch: unknown;
  replicas: number;
}

export interface RunningFakeKubeApi {
  url: string;
  token: string;
  /** Written to a temp dir: server http://127.0.0.1:<port>, token auth, insecure-skip-tls-verify. */
  kubeconfigPath: string;
  kubeconfigYaml: string;
  stop(): Promise<void>;
}

type Handler = (request: ParsedRequest) => Reply | Promise<Reply>;
interface ParsedRequest {
  method: string;
  segments: string[];
  query: URLSearchParams;
  contentType: string | null;
  body: string;
}
interface Reply {
  status: number;
  body: unknown;
}

export class FakeKubeApi {
  readonly token = 'fake-kube-api-token';
  readonly requests: RequestLogEntry[] = [];
  readonly scalePatches: ScalePatch[] = [];

  private clusters: KubeObject[] = [];
  private readonly namespaced = new Map<string, KubeObject[]>(); // "<plural>/<ns>" → items
  private readonly deployments = new Map<string, KubeObject>(); // "<ns>/<name>"
  private readonly prometheusRules = new Map<string, KubeObject>();
  /** Prometheus and ThanosRuler objects by plural; a plural not set answers 404, as when its CRD is not installed. */
  private readonly ruleEvaluators = new Map<string, KubeObject[]>();
  private readonly namespaces = new Map<string, KubeObject>();
  private failures: Array<{ prefix: string; status: number; remaining: number; method?: string }> = [];
  private interceptions: Array<{ method: string; prefix: string; action: () => void }> = [];
  private delays: Array<{ prefix: string; ms: number; inFlight: number; peak: number }> = [];
  private readonly pendingDelays = new FakeDelays();
  private state: 'up' | 'down' | 'hang' = 'up';
  /** hang(method): only requests of this method go unanswered. */
  private hungMethod: string | null = null;
  /** Requests hang() left unanswered, counted as they arrive. */
  hungRequests = 0;
  private resourceVersion = 5000;

  private server: Server | null = null;
  private tempDir: string | null = null;
  private readonly sockets = new Set<Socket>();

  async start(): Promise<RunningFakeKubeApi> {
    const server = createServer((request, response) => {
      this.handle(request, response).catch(() => response.destroy());
    });
    server.on('connection', (socket) => {
      if (this.state === 'down') return socket.destroy();
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    this.tempDir = await mkdtemp(join(tmpdir(), 'fake-kube-api-'));
    const kubeconfigYaml = stringify(kubeconfigFor(url, this.token));
    const kubeconfigPath = join(this.tempDir, 'kubeconfig.yaml');
    await writeFile(kubeconfigPath, kubeconfigYaml, { mode: 0o600 });
    return { url, token: this.token, kubeconfigPath, kubeconfigYaml, stop: () => this.stop() };
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.pendingDelays.clear();
    if (server) {
      this.destroySockets();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (this.tempDir) await rm(this.tempDir, { recursive: true, force: true });
    this.tempDir = null;
  }

  // ---- state ----

  setClusters(items: KubeObject[]): void {
    this.clusters = structuredClone(items);
  }

  setSubmarinerClusters(items: KubeObject[], namespace = 'submariner-k8s-broker'): void {
    this.namespaced.set(`clusters/${namespace}`, structuredClone(items));
  }

  setGateways(items: KubeObject[], namespace = 'submariner-operator'): void {
    this.namespaced.set(`gateways/${namespace}`, structuredClone(items));
  }

  setDeployment(input: DeploymentInput | KubeObject): void {
    const object = 'metadata' in input ? structuredClone(input as KubeObject) : deployment(input as DeploymentInput);
    this.deployments.set(`${object.metadata?.namespace}/${object.metadata?.name}`, object);
  }

  getDeployment(namespace: string, name: string): KubeObject | undefined {
    return this.deployments.get(`${namespace}/${name}`);
  }

  /** Stores it as a server write would: with a new resourceVersion. */
  setPrometheusRule(object: KubeObject): void {
    this.prometheusRules.set(`${object.metadata?.namespace}/${object.metadata?.name}`, this.bump(structuredClone(object)));
  }

  deletePrometheusRule(namespace: string, name: string): void {
    this.prometheusRules.delete(`${namespace}/${name}`);
  }

  clearPrometheusRules(): void {
    this.prometheusRules.clear();
  }

  /** The cluster's `prometheuses` or `thanosrulers` (monitoring.coreos.com/v1), listed cluster-wide; null: the CRD is not installed (404). */
  setRuleEvaluators(plural: 'prometheuses' | 'thanosrulers', items: KubeObject[] | null): void {
    if (items === null) this.ruleEvaluators.delete(plural);
    else this.ruleEvaluators.set(plural, structuredClone(items));
  }

  /** A Namespace object served at /api/v1/namespaces/<name>. */
  setNamespace(name: string, labels: Record<string, string>): void {
    this.namespaces.set(name, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } });
  }

  prometheusRuleNames(namespace: string): string[] {
    return [...this.prometheusRules.values()].filter((object) => object.metadata?.namespace === namespace).map((object) => String(object.metadata?.name)).sort();
  }

  getPrometheusRule(namespace: string, name: string): KubeObject | undefined {
    return this.prometheusRules.get(`${namespace}/${name}`);
  }

  /** The next `times` requests (of `method`, when given) whose path starts with `pathPrefix` get `status` (a k8s Status body). */
  failNext(pathPrefix: string, status: number, times = 1, method?: string): void {
    this.failures.push({ prefix: pathPrefix, status, remaining: times, method });
  }

  /** Runs `action` once, just before the next `method` request under `pathPrefix` is served: another writer's change. */
  beforeNext(method: string, pathPrefix: string, action: () => void): void {
    this.interceptions.push({ method, prefix: pathPrefix, action });
  }

  /**
   * Answers requests under `pathPrefix` only after `ms`, counting how many wait at once (see peakInFlight): a server
   * that is slow, and what a client asks of it in parallel. Replaces an earlier delay of the same prefix.
   */
  delay(pathPrefix: string, ms: number): void {
    this.delays = [...this.delays.filter((d) => d.prefix !== pathPrefix), { prefix: pathPrefix, ms, inFlight: 0, peak: 0 }];
  }

  /** The most requests under a delayed `pathPrefix` that were in flight at once. */
  peakInFlight(pathPrefix: string): number {
    return this.delays.find((d) => d.prefix === pathPrefix)?.peak ?? 0;
  }

  /** Unreachable: open connections are cut and new ones closed at once. */
  down(): void {
    this.state = 'down';
    this.destroySockets();
  }

  /** Accepts requests and never answers (only those of `method`, when given: the others are served), to exercise client timeouts. */
  hang(method?: string): void {
    this.state = 'hang';
    this.hungMethod = method ?? null;
  }

  up(): void {
    if (this.state === 'hang') this.destroySockets();
    this.state = 'up';
  }

  // ---- HTTP ----

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    if (this.state === 'hang' && (this.hungMethod === null || request.method === this.hungMethod)) return void this.hungRequests++; // kept open until up() or stop()
    if (this.state === 'down') return void request.socket.destroy();

    const url = new URL(request.url ?? '/', 'http://fake');
    const contentType = request.headers['content-type']?.split(';')[0]?.trim() ?? null;
    const delay = this.delays.find((d) => url.pathname.startsWith(d.prefix));
    if (delay) {
      delay.peak = Math.max(delay.peak, ++delay.inFlight);
      await this.pendingDelays.sleep(delay.ms);
      delay.inFlight--;
    }
    const reply = await this.route(request, url.pathname, url.searchParams, contentType, body);
    this.requests.push({ method: request.method ?? '', path: url.pathname, query: url.search, contentType, body, status: reply.status });
    response.writeHead(reply.status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(reply.body));
  }

  private async route(request: IncomingMessage, path: string, query: URLSearchParams, contentType: string | null, body: string): Promise<Reply> {
    if (request.headers.authorization !== `Bearer ${this.token}`) return statusReply(401, 'Unauthorized');
    const interception = this.interceptions.find((i) => i.method === request.method && path.startsWith(i.prefix));
    if (interception) {
      this.interceptions = this.interceptions.filter((i) => i !== interception);
      interception.action();
    }
    const failure = this.failures.find(
      (f) => f.remaining > 0 && path.startsWith(f.prefix) && (f.method === undefined || f.method === request.method),
    );
    if (failure) {
      failure.remaining -= 1;
      return statusReply(failure.status, `injected failure for ${failure.prefix}`);
    }
    const segments = path.split('/').filter(Boolean);
    const handler = this.handlerFor(request.method ?? 'GET', segments);
    if (handler === null) return statusReply(404, `the server could not find the requested resource (${request.method} ${path})`);
    try {
      return await handler({ method: request.method ?? 'GET', segments, query, contentType, body });
    } catch (error) {
      if (error instanceof PatchError || error instanceof SyntaxError) return statusReply(400, error.message);
      return statusReply(500, (error as Error).message);
    }
  }

  private handlerFor(method: string, s: string[]): Handler | null {
    const [apis, group, version, kind, ns, plural, name, sub] = s;
    if (apis === 'api' && group === 'v1' && version === 'namespaces' && s.length === 4 && method === 'GET') return () => this.one(this.namespaces.get(kind ?? ''), 'namespaces', kind);
    if (apis !== 'apis') return null;
    if (group === 'monitoring.coreos.com' && version === 'v1' && s.length === 4 && method === 'GET' && this.ruleEvaluators.has(kind ?? '')) {
      return () => ({ status: 200, body: list('monitoring.coreos.com/v1', 'List', this.ruleEvaluators.get(kind ?? '') ?? []) });
    }
    if (group === 'cluster.karmada.io' && version === 'v1alpha1' && kind === 'clusters' && method === 'GET') {
      if (s.length === 4) return () => ({ status: 200, body: list('cluster.karmada.io/v1alpha1', 'ClusterList', this.clusters) });
      if (s.length === 5) return () => this.one(this.clusters.find((c) => c.metadata?.name === ns), 'clusters', ns);
    }
    if (kind !== 'namespaces' || ns === undefined) return null;
    if (group === 'submariner.io' && version === 'v1' && s.length === 6 && method === 'GET') {
      if (plural === 'clusters') return () => ({ status: 200, body: list('submariner.io/v1', 'ClusterList', this.namespaced.get(`clusters/${ns}`) ?? []) });
      if (plural === 'gateways') return () => ({ status: 200, body: list('submariner.io/v1', 'GatewayList', this.namespaced.get(`gateways/${ns}`) ?? []) });
    }
    if (group === 'apps' && version === 'v1' && plural === 'deployments' && name !== undefined) {
      if (s.length === 7 && method === 'GET') return () => this.one(this.deployments.get(`${ns}/${name}`), 'deployments.apps', name);
      if (s.length === 7 && method === 'PATCH') return (r) => this.patchDeployment(ns, name, r);
      if (s.length === 8 && sub === 'scale' && method === 'GET') return () => this.readScale(ns, name);
      if (s.length === 8 && sub === 'scale' && method === 'PATCH') return (r) => this.patchScale(ns, name, r);
    }
    if (group === 'monitoring.coreos.com' && version === 'v1' && plural === 'prometheusrules') {
      if (s.length === 6 && method === 'POST') return (r) => this.createRule(ns, r);
      if (s.length === 6 && method === 'GET') return (r) => this.listRules(ns, r.query);
      if (s.length === 7 && method === 'GET') return () => this.one(this.prometheusRules.get(`${ns}/${name}`), 'prometheusrules.monitoring.coreos.com', name);
      if (s.length === 7 && method === 'PUT') return (r) => this.replaceRule(ns, name ?? '', r);
      if (s.length === 7 && method === 'DELETE') return (r) => this.deleteRule(ns, name ?? '', r);
    }
    return null;
  }

  private one(object: KubeObject | undefined, resource: string, name: string | undefined): Reply {
    return object ? { status: 200, body: object } : statusReply(404, `${resource} "${name}" not found`);
  }

  private patchDeployment(ns: string, name: string, request: ParsedRequest): Reply {
    const current = this.deployments.get(`${ns}/${name}`);
    if (!current) return statusReply(404, `deployments.apps "${name}" not found`);
    const type = request.contentType === null ? undefined : PATCH_CONTENT_TYPES[request.contentType];
    if (type === undefined) return statusReply(415, `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_CONTENT_TYPES).join(', ')}`);
    const patched = applyPatch(current, JSON.parse(request.body), type) as KubeObject;
    this.deployments.set(`${ns}/${name}`, this.bump(patched));
    return { status: 200, body: patched };
  }

  private readScale(ns: string, name: string): Reply {
    const current = this.deployments.get(`${ns}/${name}`);
    return current ? { status: 200, body: scaleOf(current) } : statusReply(404, `deployments.apps "${name}" not found`);
  }

  private patchScale(ns: string, name: string, request: ParsedRequest): Reply {
    const current = this.deployments.get(`${ns}/${name}`);
    if (!current) return statusReply(404, `deployments.apps "${name}" not found`);
    const type = request.contentType === null ? undefined : PATCH_CONTENT_TYPES[request.contentType];
    if (type === undefined) return statusReply(415, `unsupported patch content type ${request.contentType}`);
    const patch: unknown = JSON.parse(request.body);
    const patched = applyPatch(scaleOf(current), patch, type) as { spec?: { replicas?: unknown } };
    const replicas = patched.spec?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      return statusReply(422, `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}`);
    }
    const spec = (current.spec ?? {}) as Record<string, unknown>;
    this.deployments.set(`${ns}/${name}`, this.bump({ ...current, spec: { ...spec, replicas } }));
    this.scalePatches.push({ namespace: ns, name, contentType: request.contentType ?? '', patch, replicas });
    return { status: 200, body: scaleOf(this.deployments.get(`${ns}/${name}`) as KubeObject) };
  }

  private createRule(ns: string, request: ParsedRequest): Reply {
    const object = JSON.parse(request.body) as KubeObject;
    const name = object.metadata?.name;
    if (typeof name !== 'string') return statusReply(422, 'metadata.name: Required value');
    if (this.prometheusRules.has(`${ns}/${name}`)) return statusReply(409, `prometheusrules.monitoring.coreos.com "${name}" already exists`, 'AlreadyExists');
    const stored = this.bump({ ...object, metadata: { ...object.metadata, namespace: ns, uid: `pr-${name}` } });
    this.prometheusRules.set(`${ns}/${name}`, stored);
    return { status: 201, body: stored };
  }

  private replaceRule(ns: string, name: string, request: ParsedRequest): Reply {
    const current = this.prometheusRules.get(`${ns}/${name}`);
    if (!current) return statusReply(404, `prometheusrules.monitoring.coreos.com "${name}" not found`);
    const object = JSON.parse(request.body) as KubeObject;
    if (object.metadata?.name !== name) return statusReply(400, 'the name of the object does not match the name on the URL');
    const sent = object.metadata.resourceVersion;
    if (sent !== undefined && sent !== current.metadata?.resourceVersion) {
      return statusReply(409, `Operation cannot be fulfilled on prometheusrules.monitoring.coreos.com "${name}": the object has been modified; please apply your changes to the latest version and try again`, 'Conflict');
    }
    const stored = this.bump({ ...object, metadata: { ...object.metadata, namespace: ns, uid: current.metadata?.uid } });
    this.prometheusRules.set(`${ns}/${name}`, stored);
    return { status: 200, body: stored };
  }

  /** Equality label selectors, and pages by name (`limit`, `continue`: the last name of the page before). */
  private listRules(ns: string, query: URLSearchParams): Reply {
    const selector = (query.get('labelSelector') ?? '').split(',').filter(Boolean).map((term) => term.split('='));
    const matching = [...this.prometheusRules.values()]
      .filter((object) => object.metadata?.namespace === ns && selector.every(([key, value]) => (object.metadata?.labels as Record<string, string> | undefined)?.[key!] === value))
      .sort((a, b) => (String(a.metadata?.name) < String(b.metadata?.name) ? -1 : 1)); // by key, as the API server lists
    const after = query.get('continue');
    const rest = after ? matching.filter((object) => String(object.metadata?.name) > after) : matching;
    const limit = Number(query.get('limit') ?? '0');
    const page = limit > 0 ? rest.slice(0, limit) : rest;
    const body = list('monitoring.coreos.com/v1', 'PrometheusRuleList', page);
    if (page.length < rest.length) body.metadata = { ...body.metadata, continue: String(page.at(-1)?.metadata?.name) };
    return { status: 200, body };
  }

  private deleteRule(ns: string, name: string, request: ParsedRequest): Reply {
    const current = this.prometheusRules.get(`${ns}/${name}`);
    if (!current) return statusReply(404, `prometheusrules.monitoring.coreos.com "${name}" not found`);
    const options = (request.body ? JSON.parse(request.body) : {}) as { preconditions?: { resourceVersion?: string } };
    const expected = options.preconditions?.resourceVersion;
    if (expected !== undefined && expected !== current.metadata?.resourceVersion) {
      return statusReply(409, `Operation cannot be fulfilled on prometheusrules.monitoring.coreos.com "${name}": the ResourceVersion in the precondition (${expected}) does not match the ResourceVersion in record (${String(current.metadata?.resourceVersion)}). The object might have been modified`, 'Conflict');
    }
    this.prometheusRules.delete(`${ns}/${name}`);
    return statusReply(200, `prometheusrules.monitoring.coreos.com "${name}" deleted`, '', 'Success');
  }

  private bump(object: KubeObject): KubeObject {
    return { ...object, metadata: { ...object.metadata, resourceVersion: String(++this.resourceVersion) } };
  }

  private destroySockets(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }
}

function kubeconfigFor(url: string, token: string) {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    // client-node refuses http:// servers unless insecure-skip-tls-verify is set.
    clusters: [{ name: 'fake', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'fake-user', user: { token } }],
    contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake-user', namespace: 'default' } }],
    'current-context': 'fake',
  };
}

function list(apiVersion: string, kind: string, items: KubeObject[]): { apiVersion: string; kind: string; metadata: Record<string, string>; items: KubeObject[] } {
  return { apiVersion, kind, metadata: { resourceVersion: '5000' }, items };
}

function scaleOf(object: KubeObject) {
  const spec = (object.spec ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  const status = (object.status ?? {}) as { replicas?: number };
  const selector = Object.entries(spec.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: object.metadata?.name, namespace: object.metadata?.namespace, resourceVersion: object.metadata?.resourceVersion },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector },
  };
}

const REASONS: Record<number, string> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed', 409: 'Conflict',
  415: 'UnsupportedMediaType', 422: 'Invalid', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout',
};

function statusReply(code: number, message: string, reason = REASONS[code] ?? 'Unknown', status = 'Failure'): Reply {
  return { status: code, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status, message, reason, code } };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
