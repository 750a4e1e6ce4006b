import { rateOfRule, SCALING_RULES } from '../domain/graph/descriptor-extensions';
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
 * the Brussels defaults for those service ids, over a generic default (10 req/s per replica, 3 max). The validator
 * refuses members that break SCALING_RULES; a graph recorded before it did gets the default for such a member.
 */
export function scalingParameters(graph: ExistingGraph, serviceId: string): ScalingParameters {
  const base: ScalingParameters = { ...GENERIC, rateOf: serviceId, ...BRUSSELS[serviceId] };
  const services = descriptorServices(graph);
  const extension = descriptorExtension(services, serviceId);
  const rateOf = rateOfRule(new Set(services.flatMap((s) => (typeof s.id === 'string' ? [s.id] : []))));
  const valid = (rule: (value: unknown) => string | undefined, value: unknown) => value !== undefined && rule(value) === undefined;
  return {
    alpha: valid(SCALING_RULES.alpha, extension.alpha) ? (extension.alpha as number) : base.alpha,
    beta: valid(SCALING_RULES.beta, extension.beta) ? (extension.beta as number) : base.beta,
    maxReplicas: valid(SCALING_RULES.maxReplicas, extension.maxReplicas) ? (extension.maxReplicas as number) : base.maxReplicas,
    rateOf: valid(rateOf, extension.rateOf) ? (extension.rateOf as string) : base.rateOf,
  };
}

type DescriptorService = { id?: unknown; deployment?: { intent?: { scaling?: unknown } } };

function descriptorServices(graph: ExistingGraph): DescriptorService[] {
  const services = (graph.descriptor as { services?: unknown }).services;
  return Array.isArray(services) ? services.filter((s: unknown): s is DescriptorService => typeof s === 'object' && s !== null) : [];
}

function descriptorExtension(services: readonly DescriptorService[], serviceId: string): Record<string, unknown> {
  const scaling = services.find((s) => s.id === serviceId)?.deployment?.intent?.scaling;
  return scaling && typeof scaling === 'object' && !Array.isArray(scaling) ? (scaling as Record<string, unknown>) : {};
}
