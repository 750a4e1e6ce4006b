import { isDnsLabel } from '../../shared/dns-name';
import { toProblemDetails } from '../../descriptor';
import { ProblemException } from '../problem';
import { wholeNumberParam } from '../validation/query-number';
import { cursorParam } from '../paging';
import type { Keyset } from '../../readstore/read-store';

/** The graph lists answer at most this many graphs (`?limit`, default and maximum). */
export const MAX_GRAPHS_PER_LIST = 1000;

/** A list's `?limit`: 1 to MAX_GRAPHS_PER_LIST, that maximum when absent; 400 problem otherwise. */
export function listSize(limit: string | undefined): number {
  return wholeNumberParam(limit, 'limit', 1, MAX_GRAPHS_PER_LIST) ?? MAX_GRAPHS_PER_LIST;
}

/** Which graph list a page belongs to: a project's (by name) or every project's (by project, then name). */
export type ListScope = 'project' | 'all';

const CURSOR_SHAPES: Record<ListScope, { parts: number; described: string }> = {
  project: { parts: 1, described: 'a graph name' },
  all: { parts: 2, described: '<project>/<graph name>' },
};

/** A graph list's `?after` (`<name>` in a project's list, `<project>/<name>` in every project's) as the keyset it starts after; a 400 problem naming `after` otherwise. */
export function listCursor(after: string | undefined, scope: ListScope): Keyset | undefined {
  const parts = cursorParam(after, CURSOR_SHAPES[scope]);
  // A graph's name is its document's id.
  return parts && { values: parts, id: parts[parts.length - 1]! };
}

/** The `?after` of the page that follows the graph `last`. */
export function cursorAfter(last: { project: string; name: string }, scope: ListScope): string {
  return scope === 'all' ? `${last.project}/${last.name}` : last.name;
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
