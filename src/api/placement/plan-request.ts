import type { ClusterLatencyMs, LatencyQos, LatencyRequirement, PlacementIntents, PlanRequest } from '../../optimizer';
import { parseQuantity } from '../../integrations/kubernetes/quantity';
import type { Problem } from '../../shared/problem-details';

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const TOP_FIELDS = ['clusters', 'services', 'currentPlacement', 'previousPlacement', 'algorithm', 'clusterLatencyMs', 'intents', 'previousClusterSets'];
const CLUSTER_FIELDS = ['name', 'cpu', 'memory', 'memoryBytes', 'gpu', 'available', 'labels'];
const SERVICE_FIELDS = ['id', 'cpu', 'memory', 'memoryBytes', 'gpu', 'replicas', 'latencies', 'connectionPoints', 'coLocation', 'highAvailability'];
const INTENT_FIELDS = ['security', 'highAvailability', 'energyEfficiency', 'highPerformance'] as const;
const LATENCY_FIELDS = ['connectionPoint', 'qos'];
const QOS: readonly LatencyQos[] = ['ultralow', 'low', 'best-effort'];
const MAX_ITEMS = 1000;

type Parsed = { ok: true; request: PlanRequest } | { ok: false; problems: Problem[] };

/**
 * Reads the body of POST /placement/plan, reporting every problem at once with a JSON pointer.
 * Unknown fields are refused, so a typo is never silently ignored. For the same reason a latency
 * `connectionPoint` must name a service of the request, and `clusterLatencyMs` may only name clusters of
 * the request (the optimiser itself ignores both, as the HDAG validation does with a warning).
 */
export function parsePlanRequest(body: unknown): Parsed {
  const problems: Problem[] = [];
  const problem = (pointer: string, message: string) => problems.push({ pointer, message });
  if (!isObject(body)) return { ok: false, problems: [{ pointer: '', message: 'must be a JSON object' }] };
  unknownFields(body, TOP_FIELDS, '', problem);

  const clusters = list(body.clusters, '/clusters', problem, true).map((item, i) => {
    const at = `/clusters/${i}`;
    if (!isObject(item)) return void problem(at, 'must be an object');
    unknownFields(item, CLUSTER_FIELDS, at, problem);
    return {
      name: name(item.name, `${at}/name`, problem),
      cpu: amount(item.cpu, `${at}/cpu`, problem, true) ?? 0,
      memoryBytes: memoryOf(item, at, problem),
      gpu: count(item.gpu, `${at}/gpu`, problem) ?? 0,
      available: flag(item.available, `${at}/available`, problem) ?? true,
      ...labelsOf(item.labels, `${at}/labels`, problem),
    };
  });
  const services = list(body.services, '/services', problem, true).map((item, i) => {
    const at = `/services/${i}`;
    if (!isObject(item)) return void problem(at, 'must be an object');
    unknownFields(item, SERVICE_FIELDS, at, problem);
    const replicas = count(item.replicas, `${at}/replicas`, problem) ?? 1;
    if (replicas < 1) problem(`${at}/replicas`, 'must be at least 1');
    const latencies = latencyList(item.latencies, `${at}/latencies`, problem);
    const connectionPoints = item.connectionPoints === undefined ? undefined : names(item.connectionPoints, `${at}/connectionPoints`, problem);
    const coLocation = item.coLocation === undefined ? undefined : names(item.coLocation, `${at}/coLocation`, problem);
    const highAvailability = item.highAvailability === undefined ? undefined : flag(item.highAvailability, `${at}/highAvailability`, problem);
    return {
      id: name(item.id, `${at}/id`, problem),
      cpu: amount(item.cpu, `${at}/cpu`, problem, true) ?? 0,
      memoryBytes: memoryOf(item, at, problem) ?? 0,
      gpu: flag(item.gpu, `${at}/gpu`, problem) ?? false,
      replicas,
      ...(latencies === undefined ? {} : { latencies }),
      ...(connectionPoints === undefined ? {} : { connectionPoints }),
      ...(coLocation === undefined ? {} : { coLocation }),
      ...(highAvailability === undefined ? {} : { highAvailability }),
    };
  });
  const serviceIds = new Set(services.flatMap((s) => (s?.id === undefined ? [] : [s.id])));
  services.forEach((service, i) =>
    service?.latencies?.forEach((latency, j) => {
      if (!serviceIds.has(latency.connectionPoint)) problem(`/services/${i}/latencies/${j}/connectionPoint`, 'must name a service of this request');
    }),
  );
  services.forEach((service, i) => {
    for (const field of ['connectionPoints', 'coLocation'] as const) {
      service?.[field]?.forEach((id, j) => {
        if (!serviceIds.has(id)) problem(`/services/${i}/${field}/${j}`, 'must name a service of this request');
      });
    }
  });
  const intents = intentsOf(body.intents, problem);
  const previousClusterSets = clusterSetsOf(body.previousClusterSets, problem);
  const clusterNames = new Set(clusters.flatMap((c) => (c?.name === undefined ? [] : [c.name])));
  const clusterLatencyMs = latencyMatrix(body.clusterLatencyMs, clusterNames, problem);
  // `previousPlacement` is what recorded decisions call it (their `inputs` can be pasted as they are); null means none.
  if (body.currentPlacement !== undefined && body.previousPlacement !== undefined) problem('/previousPlacement', 'give currentPlacement or previousPlacement, not both');
  const [placementField, givenPlacement] = body.previousPlacement !== undefined ? ['previousPlacement', body.previousPlacement] : ['currentPlacement', body.currentPlacement];
  let currentPlacement: Record<string, string> | undefined;
  if (givenPlacement !== undefined && !(placementField === 'previousPlacement' && givenPlacement === null)) {
    if (!isObject(givenPlacement)) problem(`/${placementField}`, 'must be an object mapping service ids to cluster names');
    else {
      currentPlacement = {};
      for (const [service, cluster] of Object.entries(givenPlacement)) {
        if (typeof cluster !== 'string') problem(`/${placementField}/${escape(service)}`, 'must be a cluster name');
        else currentPlacement[service] = cluster;
      }
    }
  }
  if (body.algorithm !== undefined && body.algorithm !== 'naive' && body.algorithm !== 'milp') problem('/algorithm', 'must be "naive" or "milp"');
  unique(clusters.map((c) => c?.name), '/clusters', 'name', problem);
  unique(services.map((s) => s?.id), '/services', 'id', problem);
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    request: {
      clusters: clusters.map((c) => ({ ...c!, name: c!.name!, memoryBytes: c!.memoryBytes ?? null })),
      services: services.map((s) => ({ ...s!, id: s!.id! })),
      ...(currentPlacement ? { currentPlacement } : {}),
      ...(body.algorithm ? { algorithm: body.algorithm as 'naive' | 'milp' } : {}),
      ...(clusterLatencyMs ? { clusterLatencyMs } : {}),
      ...(intents ? { intents } : {}),
      ...(previousClusterSets ? { previousClusterSets } : {}),
    },
  };
}

/** `{"smo.nephele.eu/trusted": "true"}`: a cluster's labels, strings only. */
function labelsOf(value: unknown, at: string, problem: Report): { labels?: Record<string, string> } {
  if (value === undefined) return {};
  if (!isObject(value)) return problem(at, 'must map label keys to strings'), {};
  const labels: Record<string, string> = {};
  for (const [key, text] of Object.entries(value)) {
    if (typeof text !== 'string') problem(`${at}/${escape(key)}`, 'must be a string');
    else labels[key] = text;
  }
  return { labels };
}

function names(value: unknown, at: string, problem: Report): string[] {
  return list(value, at, problem, true).flatMap((item, j) => (typeof item === 'string' ? [item] : (problem(`${at}/${j}`, 'must be a service id'), [])));
}

/** `{"security": true, …}`: the graph intents, booleans (a recorded decision's `inputs.intents` as it is). */
function intentsOf(value: unknown, problem: Report): PlacementIntents | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) return void problem('/intents', `must be an object with booleans ${INTENT_FIELDS.join(', ')}`);
  unknownFields(value, [...INTENT_FIELDS], '/intents', problem);
  const intents: Record<string, boolean> = {};
  for (const name of INTENT_FIELDS) {
    const given = flag(value[name], `/intents/${name}`, problem);
    if (given !== undefined) intents[name] = given;
  }
  return intents;
}

/** `{"svc": ["c1", "c2"]}`: where highAvailability services run now. */
function clusterSetsOf(value: unknown, problem: Report): Record<string, string[]> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) return void problem('/previousClusterSets', 'must map service ids to lists of cluster names');
  const sets: Record<string, string[]> = {};
  for (const [service, clusters] of Object.entries(value)) {
    const at = `/previousClusterSets/${escape(service)}`;
    sets[service] = list(clusters, at, problem, true).flatMap((name, j) => (typeof name === 'string' ? [name] : (problem(`${at}/${j}`, 'must be a cluster name'), [])));
  }
  return sets;
}

/** Per service, as in the HDAG's `intent.network.latencies`: `[{"connectionPoint": "b", "qos": "ultralow"}]`. */
function latencyList(value: unknown, at: string, problem: Report): LatencyRequirement[] | undefined {
  if (value === undefined) return undefined;
  return list(value, at, problem, true).flatMap((item, j) => {
    const pointer = `${at}/${j}`;
    if (!isObject(item)) return problem(pointer, 'must be an object with connectionPoint and qos'), [];
    unknownFields(item, LATENCY_FIELDS, pointer, problem);
    const connectionPoint = typeof item.connectionPoint === 'string' ? item.connectionPoint : undefined;
    if (connectionPoint === undefined) problem(`${pointer}/connectionPoint`, 'must be a service id');
    const qos = QOS.find((known) => known === item.qos);
    if (qos === undefined) problem(`${pointer}/qos`, `must be one of ${QOS.join(', ')}`);
    return connectionPoint === undefined || qos === undefined ? [] : [{ connectionPoint, qos }];
  });
}

/** `{"c1": {"c2": 12}}`: round-trip milliseconds ≥ 0 between clusters of the request. */
function latencyMatrix(value: unknown, clusters: ReadonlySet<string>, problem: Report): ClusterLatencyMs | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) return void problem('/clusterLatencyMs', 'must map cluster names to {cluster name: milliseconds}');
  const matrix: Record<string, Record<string, number>> = {};
  for (const [from, row] of Object.entries(value)) {
    const at = `/clusterLatencyMs/${escape(from)}`;
    if (!clusters.has(from)) problem(at, 'must name a cluster of this request');
    if (!isObject(row)) {
      problem(at, 'must map cluster names to milliseconds');
      continue;
    }
    for (const [to, ms] of Object.entries(row)) {
      const pointer = `${at}/${escape(to)}`;
      if (!clusters.has(to)) problem(pointer, 'must name a cluster of this request');
      const value = amount(ms, pointer, problem, true);
      if (value !== undefined) (matrix[from] ??= {})[to] = value;
    }
  }
  return matrix;
}

type Report = (pointer: string, message: string) => void;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownFields(object: Record<string, unknown>, known: readonly string[], at: string, problem: Report): void {
  for (const key of Object.keys(object)) if (!known.includes(key)) problem(`${at}/${escape(key)}`, `unknown field; expected one of ${known.join(', ')}`);
}

function list(value: unknown, at: string, problem: Report, required: boolean): unknown[] {
  if (value === undefined && !required) return [];
  if (!Array.isArray(value)) return problem(at, 'must be an array'), [];
  if (value.length > MAX_ITEMS) return problem(at, `must have at most ${MAX_ITEMS} items`), [];
  return value;
}

function name(value: unknown, at: string, problem: Report): string | undefined {
  if (typeof value !== 'string' || !NAME.test(value)) return void problem(at, 'must be a lowercase DNS name');
  return value;
}

function amount(value: unknown, at: string, problem: Report, required: boolean): number | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return void problem(at, 'must be a number ≥ 0');
  return value;
}

function count(value: unknown, at: string, problem: Report): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) return void problem(at, 'must be a whole number ≥ 0');
  return value;
}

function flag(value: unknown, at: string, problem: Report): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') return void problem(at, 'must be true or false');
  return value;
}

/**
 * Memory as `memory` (bytes or a quantity) or `memoryBytes` (bytes; null: not reported), the name the optimiser and
 * recorded decisions' `inputs` use. Both are accepted so an input can be pasted; the recorded events keep `memoryBytes`.
 */
function memoryOf(item: Record<string, unknown>, at: string, problem: Report): number | undefined {
  if (item.memory !== undefined && item.memoryBytes !== undefined) return void problem(`${at}/memoryBytes`, 'give memory or memoryBytes, not both');
  if (item.memoryBytes === null) return undefined;
  if (item.memoryBytes !== undefined) return amount(item.memoryBytes, `${at}/memoryBytes`, problem, true);
  return quantity(item.memory, `${at}/memory`, problem);
}

/** Bytes, as a number or a Kubernetes quantity ("512Mi", "8Gi"). */
function quantity(value: unknown, at: string, problem: Report): number | undefined {
  if (value === undefined) return undefined;
  try {
    const bytes = typeof value === 'number' || typeof value === 'string' ? parseQuantity(value) : Number.NaN;
    if (!Number.isFinite(bytes) || bytes < 0) throw new Error();
    return bytes;
  } catch {
    return void problem(at, 'must be bytes or a Kubernetes quantity such as "512Mi"');
  }
}

function unique(values: Array<string | undefined>, at: string, field: string, problem: Report): void {
  const seen = new Set<string>();
  values.forEach((value, i) => {
    if (value === undefined) return;
    if (seen.has(value)) problem(`${at}/${i}/${field}`, `duplicate ${field} ${value}`);
    seen.add(value);
  });
}

function escape(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}
