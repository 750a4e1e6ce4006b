import { parseQuantity } from '../integrations/kubernetes/quantity';
import { isRecord, JsonRecord, member } from './json-value';
import { HelmValues, Implementer, ResourceDemand } from './types';

/**
 * B27: upstream translates intents but never hands them to the chart, so they do not shape the pods.
 * When a graph or service opts in (see README), SMO writes Kubernetes requests and limits derived from
 * the intents into the Helm values, where charts conventionally read `.Values.resources`.
 */
export interface ResourceInjectionOptions {
  /** Extended resource for `gpu.enabled`; default `nvidia.com/gpu`. */
  readonly gpuResourceName?: string;
}

export const DEFAULT_GPU_RESOURCE = 'nvidia.com/gpu';

export type ResourceRequirements = {
  requests: { cpu: string; memory: string };
  limits: { [resource: string]: string | number };
};

/** 0.5 cores → "500m", 4 → "4". */
export function cpuQuantity(cores: number): string {
  return Number.isInteger(cores) ? String(cores) : `${Math.round(cores * 1000)}m`;
}

/** 500 MiB → "500Mi", 2 GiB → "2Gi": binary suffixes, as the intents are defined in MiB/GiB. */
export function memoryQuantity(bytes: number): string {
  if (bytes % 1024 ** 3 === 0) return `${bytes / 1024 ** 3}Gi`;
  if (bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2}Mi`;
  return String(bytes);
}

/**
 * Requests equal limits (Guaranteed QoS: what the intent asks for is what the pod gets). Storage is
 * not injected: charts use it for different things (PVC size, ephemeral storage), see README.
 */
export function resourceRequirements(demand: ResourceDemand, options: ResourceInjectionOptions = {}): ResourceRequirements {
  const requests = { cpu: cpuQuantity(demand.cpuCores), memory: memoryQuantity(demand.memoryBytes) };
  const gpu = demand.gpu ? { [options.gpuResourceName ?? DEFAULT_GPU_RESOURCE]: 1 } : {};
  return { requests, limits: { ...requests, ...gpu } };
}

/**
 * Returns new Helm values with derived `resources` merged in: at the top level for HELM charts, under
 * `voChartOverwrite` for WOT virtual objects. Values the descriptor already sets win over derived ones.
 */
export function injectResources(
  values: HelmValues,
  implementer: Implementer,
  demand: ResourceDemand,
  options: ResourceInjectionOptions = {},
): HelmValues {
  const derived = resourceRequirements(demand, options);
  if (implementer === 'HELM') return withResources(values, derived);
  const chartValues = member(values, 'voChartOverwrite');
  return { ...structuredClone(values), voChartOverwrite: withResources(isRecord(chartValues) ? chartValues : {}, derived) };
}

function withResources(values: JsonRecord, derived: JsonRecord): JsonRecord {
  const given = member(values, 'resources');
  return { ...structuredClone(values), resources: mergeUnder(fittedToGiven(derived, given), given) };
}

/**
 * The derived requirements fitted to what the descriptor sets for a resource without setting its pair:
 * a derived limit is replaced by the descriptor's request (requests equal limits, as derived), and a
 * derived request above the descriptor's limit is lowered to it. Kubernetes refuses a pod whose request
 * is above its limit: `requests.cpu: "2"` on a small service (derived limit 1), or `limits.cpu: 250m`
 * (derived request 1).
 */
function fittedToGiven(derived: JsonRecord, given: unknown): JsonRecord {
  if (!isRecord(given)) return derived;
  const givenRequests = member(given, 'requests');
  const givenLimits = member(given, 'limits');
  const requests = { ...(member(derived, 'requests') as JsonRecord) };
  const limits = { ...(member(derived, 'limits') as JsonRecord) };
  const setsOwn = (set: unknown, resource: string) => isRecord(set) && Object.hasOwn(set, resource);
  for (const [resource, quantity] of Object.entries(isRecord(givenRequests) ? givenRequests : {})) {
    if (Object.hasOwn(limits, resource) && !setsOwn(givenLimits, resource)) limits[resource] = quantity as JsonRecord[string];
  }
  for (const [resource, quantity] of Object.entries(isRecord(givenLimits) ? givenLimits : {})) {
    const request = member(requests, resource);
    if (request === undefined || setsOwn(givenRequests, resource)) continue;
    if (isBelow(quantity, request)) requests[resource] = quantity as JsonRecord[string];
  }
  return { ...derived, requests, limits };
}

/** Whether quantity `a` is below `b`; false when either is not a Kubernetes quantity (Kubernetes then judges). */
function isBelow(a: unknown, b: unknown): boolean {
  if ((typeof a !== 'string' && typeof a !== 'number') || (typeof b !== 'string' && typeof b !== 'number')) return false;
  try {
    return parseQuantity(a) < parseQuantity(b);
  } catch {
    return false;
  }
}

/** Deep merge where `given` wins; built with fromEntries so a "__proto__" key stays a plain key. */
function mergeUnder(derived: JsonRecord, given: unknown): unknown {
  if (given === undefined) return structuredClone(derived);
  if (!isRecord(given)) return structuredClone(given);
  const keys = new Set([...Object.keys(derived), ...Object.keys(given)]);
  return Object.fromEntries(
    [...keys].map((key) => {
      const base = member(derived, key);
      const override = member(given, key);
      return [key, isRecord(base) ? mergeUnder(base, override) : structuredClone(override ?? base)];
    }),
  );
}
