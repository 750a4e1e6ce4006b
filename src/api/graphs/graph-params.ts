import { isDnsLabel } from '../../shared/dns-name';
import { toProblemDetails } from '../../descriptor';
import { ProblemException } from '../problem';
import { wholeNumberParam } from '../validation/query-number';
import type { Keyset } from '../../readstore/read-store';

/** The graph lists answer at most this many graphs (`?limit`, default and maximum). */
export const MAX_GRAPHS_PER_LIST = 1000;

/** A list's `?limit`: 1 to MAX_GRAPHS_PER_LIST, that maximum when absent; 400 problem otherwise. */
export function listSize(limit: string | undefined): number {
  return wholeNumberParam(limit, 'limit', 1, MAX_GRAPHS_PER_LIST) ?? MAX_GRAPHS_PER_LIST;
}

/** Which graph list a page belongs to: a project's (by name) or every project's (by project, then name). */
export type ListScope = 'project' | 'all';

/** The longest `?after` a list reads: a project and a graph name, each at most a DNS label's 63 characters, and their slash. */
const MAX_CURSOR_LENGTH = 127;

/**
 * A list's `?after`: the last graph of the page before, as its `Link: rel="next"` gives it (`<name>` in a
 * project's list, `<project>/<name>` in every project's); a 400 problem naming `after` otherwise.
 */
export function listCursor(after: string | undefined, scope: ListScope): Keyset | undefined {
  if (after === undefined) return undefined;
  const parts = after.split('/');
  const wellFormed = after.length <= MAX_CURSOR_LENGTH && parts.length === (scope === 'all' ? 2 : 1) && parts.every((part) => part.length > 0);
  if (!wellFormed) {
    const shape = scope === 'all' ? '<project>/<graph name>' : 'a graph name';
    throw new ProblemException({ ...toProblemDetails(400, [{ pointer: '/after', message: `must be ${shape}: the last graph of the page before, as its Link rel="next" gives it` }]) });
  }
  const name = parts[parts.length - 1]!;
  // A graph's name is its document's id.
  return { values: parts, id: name };
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
