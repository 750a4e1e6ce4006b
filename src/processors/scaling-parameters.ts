import type { ExistingGraph } from '../domain/graph/state';

/** The capacity model of a service: r replicas serve alpha·r + beta requests/s, up to maxReplicas. */
export interface ScalingParameters {
  alpha: number;
  beta: number;
  maxReplicas: number;
  /** Whose request rate drives this service (upstream: the VO follows noise-reduction's traffic). */
  rateOf: string;
}

/** Upstream's hard-coded Brussels values, kept as defaults for those services. */
const BRUSSELS: Record<string, Omit<ScalingParameters, 'rateOf'> & { rateOf?: string }> = {
  'image-compression-vo': { maxReplicas: 3, alpha: 33.33, beta: -16.66, rateOf: 'noise-reduction' },
  'noise-reduction': { maxReplicas: 3, alpha: 0.533, beta: -0.416 },
  'image-detection': { maxReplicas: 3, alpha: 1.67, beta: -0.01 },
};

const GENERIC = { alpha: 10, beta: 0, maxReplicas: 3 };

/**
 * A service's scaling parameters: the descriptor extension
 * `services[].deployment.intent.scaling: {alpha, beta, maxReplicas, rateOf}` (each optional), over
 * the Brussels defaults for those service ids, over a generic default (10 req/s per replica, 3 max).
 */
export function scalingParameters(graph: ExistingGraph, serviceId: string): ScalingParameters {
  const base = { ...GENERIC, rateOf: serviceId, ...BRUSSELS[serviceId] };
  const extension = descriptorExtension(graph, serviceId);
  const number = (key: 'alpha' | 'beta', value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : base[key]);
  return {
    alpha: number('alpha', extension.alpha),
    beta: number('beta', extension.beta),
    maxReplicas: Number.isInteger(extension.maxReplicas) && (extension.maxReplicas as number) >= 1 ? (extension.maxReplicas as number) : base.maxReplicas,
    rateOf: typeof extension.rateOf === 'string' && extension.rateOf.length > 0 ? extension.rateOf : base.rateOf,
  };
}

function descriptorExtension(graph: ExistingGraph, serviceId: string): Record<string, unknown> {
  const services = (graph.descriptor as { services?: unknown }).services;
  if (!Array.isArray(services)) return {};
  const service = services.find((s: unknown) => (s as { id?: unknown })?.id === serviceId) as { deployment?: { intent?: { scaling?: unknown } } } | undefined;
  const scaling = service?.deployment?.intent?.scaling;
  return scaling && typeof scaling === 'object' && !Array.isArray(scaling) ? (scaling as Record<string, unknown>) : {};
}
