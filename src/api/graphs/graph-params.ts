import { isDnsLabel } from '../../shared/dns-name';
import { toProblemDetails } from '../../descriptor';
import { ProblemException } from '../problem';
import { wholeNumberParam } from '../validation/query-number';

/** The graph lists answer at most this many graphs (`?limit`, default and maximum). */
export const MAX_GRAPHS_PER_LIST = 1000;

/** A list's `?limit`: 1 to MAX_GRAPHS_PER_LIST, that maximum when absent; 400 problem otherwise. */
export function listSize(limit: string | undefined): number {
  return wholeNumberParam(limit, 'limit', 1, MAX_GRAPHS_PER_LIST) ?? MAX_GRAPHS_PER_LIST;
}

/**
 * Namespaces of the control plane: Kubernetes keeps `kube-` ones for itself, Karmada runs in `karmada-` ones.
 * A graph deployed there would run its charts, with SMO's Karmada identity, beside the system's own workloads.
 */
const SYSTEM_NAMESPACE = /^(kube|karmada)-/;

/** A project becomes a Kubernetes namespace: a DNS-1123 label, and for a deploy none of the system's; else a 400 problem naming it. */
export function checkProject(project: string, use: 'read' | 'deploy' = 'read'): void {
  if (!isDnsLabel(project)) {
    throw new ProblemException({ ...toProblemDetails(400, [{ pointer: '/project', message: 'must be a DNS-1123 label: it becomes the Kubernetes namespace' }]) });
  }
  if (use === 'deploy' && SYSTEM_NAMESPACE.test(project)) {
    throw new ProblemException({ ...toProblemDetails(400, [{ pointer: '/project', message: 'must not start with kube- or karmada-: those namespaces belong to the control plane' }]) });
  }
}
