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
  return { ...structuredClone(values), resources: mergeUnder(limitedAsRequested(derived, member(values, 'resources')), member(values, 'resources')) };
}

/**
 * The derived requirements, a derived limit replaced by the request the descriptor sets for that resource
 * when it sets no limit of its own: requests equal limits, as derived, and a request above the derived
 * limit (`requests.cpu: "2"` on a small service, limit 1) would make Kubernetes refuse the pod.
 */
function limitedAsRequested(derived: JsonRecord, given: unknown): JsonRecord {
  const requests = isRecord(given) ? member(given, 'requests') : undefined;
  if (!isRecord(requests)) return derived;
  const givenLimits = member(given as JsonRecord, 'limits');
  const limits = { ...(member(derived, 'limits') as JsonRecord) };
  for (const [resource, quantity] of Object.entries(requests)) {
    if (resource in limits && !(isRecord(givenLimits) && resource in givenLimits)) limits[resource] = quantity as JsonRecord[string];
  }
  return { ...derived, limits };
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
