import type { PlanRequest } from '../../optimizer';
import { parseQuantity } from '../../integrations/kubernetes/quantity';
import type { Problem } from '../../shared/problem-details';

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const TOP_FIELDS = ['clusters', 'services', 'currentPlacement', 'algorithm'];
const CLUSTER_FIELDS = ['name', 'cpu', 'memory', 'gpu', 'available'];
const SERVICE_FIELDS = ['id', 'cpu', 'memory', 'gpu', 'replicas'];
const MAX_ITEMS = 1000;

type Parsed = { ok: true; request: PlanRequest } | { ok: false; problems: Problem[] };

/**
 * Reads the body of POST /placement/plan, reporting every problem at once with a JSON pointer.
 * Unknown fields are refused, so a typo is never silently ignored.
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
      memoryBytes: quantity(item.memory, `${at}/memory`, problem),
      gpu: count(item.gpu, `${at}/gpu`, problem) ?? 0,
      available: flag(item.available, `${at}/available`, problem) ?? true,
    };
  });
  const services = list(body.services, '/services', problem, true).map((item, i) => {
    const at = `/services/${i}`;
    if (!isObject(item)) return void problem(at, 'must be an object');
    unknownFields(item, SERVICE_FIELDS, at, problem);
    const replicas = count(item.replicas, `${at}/replicas`, problem) ?? 1;
    if (replicas < 1) problem(`${at}/replicas`, 'must be at least 1');
    return {
      id: name(item.id, `${at}/id`, problem),
      cpu: amount(item.cpu, `${at}/cpu`, problem, true) ?? 0,
      memoryBytes: quantity(item.memory, `${at}/memory`, problem) ?? 0,
      gpu: flag(item.gpu, `${at}/gpu`, problem) ?? false,
      replicas,
    };
  });
  let currentPlacement: Record<string, string> | undefined;
  if (body.currentPlacement !== undefined) {
    if (!isObject(body.currentPlacement)) problem('/currentPlacement', 'must be an object mapping service ids to cluster names');
    else {
      currentPlacement = {};
      for (const [service, cluster] of Object.entries(body.currentPlacement)) {
        if (typeof cluster !== 'string') problem(`/currentPlacement/${escape(service)}`, 'must be a cluster name');
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
    },
  };
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
