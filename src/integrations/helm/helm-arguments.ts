import type { HelmChartRequest, UpgradeValues } from './helm.port';
import { DNS_LABEL_MAX_LENGTH, HELM_RELEASE_MAX_LENGTH, isDnsLabel } from '../../shared/dns-name';

/**
 * The exact helm argument lists SMO runs, and the checks on their positional
 * arguments: a positional that starts with '-' would be read as a flag.
 */

/** Stands in for the private values file path, so a recorded command is the same on every run. */
export const VALUES_PLACEHOLDER = '<values>';

export interface HelmTarget {
  readonly kubeconfig: string;
  /** `--plain-http` for an http (not https) OCI registry (INSECURE_REGISTRY upstream). */
  readonly plainHttp: boolean;
  /**
   * helm's own `--timeout` (a Go duration) for the commands that wait (install, upgrade, uninstall, rollback):
   * how long helm waits for a hook's Job or for deleted objects to go before it gives up and records the outcome.
   */
  readonly timeout?: string;
}

/** Milliseconds as a Go duration helm's --timeout takes: `300s`, or `2500ms` when not whole seconds. */
export function goDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function timeoutArgs(target: HelmTarget): string[] {
  return target.timeout === undefined ? [] : ['--timeout', target.timeout];
}

const MAX_CHART_LENGTH = 512;
/** Scheme, host[:port], then path segments; a segment may end in `:tag` or `@sha256:…`. */
const CHART_REFERENCE = /^(oci|https?):\/\/[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?(?:\/[A-Za-z0-9._~+:@-]+)+$/;

/** Returns why a release name is refused, or null. */
export function releaseProblem(release: string): string | null {
  if (release.length > HELM_RELEASE_MAX_LENGTH) return `release name is longer than ${HELM_RELEASE_MAX_LENGTH} characters`;
  if (!isDnsLabel(release, HELM_RELEASE_MAX_LENGTH)) return `release name ${JSON.stringify(release)} is not a DNS-1123 label`;
  return null;
}

export function namespaceProblem(namespace: string): string | null {
  if (namespace.length > DNS_LABEL_MAX_LENGTH) return `namespace is longer than ${DNS_LABEL_MAX_LENGTH} characters`;
  if (!isDnsLabel(namespace)) return `namespace ${JSON.stringify(namespace)} is not a DNS-1123 label`;
  return null;
}

export function chartProblem(chart: string): string | null {
  const shown = JSON.stringify(chart.slice(0, 100));
  if (chart.length > MAX_CHART_LENGTH) return `chart reference is longer than ${MAX_CHART_LENGTH} characters`;
  if (!CHART_REFERENCE.test(chart)) return `chart reference ${shown} is not an oci://, http:// or https:// reference`;
  if (chart.includes('..')) return `chart reference ${shown} contains '..'`;
  return null;
}

export function revisionProblem(revision: number): string | null {
  return Number.isSafeInteger(revision) && revision >= 1 ? null : `revision ${String(revision)} is not a positive integer`;
}

export function releaseRefProblem(release: string, namespace: string): string | null {
  return releaseProblem(release) ?? namespaceProblem(namespace);
}

/**
 * The label SMO puts on every release it installs or upgrades (helm `--labels`, kept in the release's
 * storage Secret): the graph it belongs to. A release without it was not installed by that graph.
 */
export const RELEASE_GRAPH_LABEL = 'smo.nephele.eu/graph';

/** A graph id becomes a label value: a DNS-1123 label fits one. */
export function graphIdProblem(graphId: string): string | null {
  return isDnsLabel(graphId) ? null : `graph id ${JSON.stringify(graphId.slice(0, 100))} is not a DNS-1123 label`;
}

export function chartRequestProblem(request: HelmChartRequest): string | null {
  return releaseRefProblem(request.release, request.namespace) ?? chartProblem(request.chart) ?? graphIdProblem(request.graphId);
}

function chartArgs(command: 'install' | 'upgrade', request: HelmChartRequest, valuesFile: string, target: HelmTarget): string[] {
  return [
    command,
    request.release,
    request.chart,
    '--values',
    valuesFile,
    '--namespace',
    request.namespace,
    '--create-namespace',
    // On an upgrade helm merges these into the release's labels: one installed before SMO labelled them gets it too.
    '--labels',
    `${RELEASE_GRAPH_LABEL}=${request.graphId}`,
    '--kubeconfig',
    target.kubeconfig,
    ...(target.plainHttp ? ['--plain-http'] : []),
    ...timeoutArgs(target),
  ];
}

export function installArgs(request: HelmChartRequest, valuesFile: string, target: HelmTarget): string[] {
  return chartArgs('install', request, valuesFile, target);
}

/**
 * `--reuse-values` together with `--values`: the new values are merged over the release's current
 * ones. `reset` (`--reset-values`): the release gets exactly the given values, as when SMO adopts a
 * release it did not record (its values are not SMO's to keep).
 */
export function upgradeArgs(request: HelmChartRequest, valuesFile: string, target: HelmTarget, values: UpgradeValues = 'reuse'): string[] {
  return [...chartArgs('upgrade', request, valuesFile, target), values === 'reset' ? '--reset-values' : '--reuse-values'];
}

/**
 * `--wait`: returns only once the release's objects are gone. Karmada holds a deleted
 * PropagationPolicy with a finalizer until its controller gets to it; an install of the same
 * release before then adopts the terminating policy (same helm ownership annotations), which then
 * vanishes — the release is `deployed` but its Deployment never leaves karmada-apiserver.
 */
export function uninstallArgs(release: string, namespace: string, target: HelmTarget): string[] {
  return ['uninstall', release, '--namespace', namespace, '--kubeconfig', target.kubeconfig, '--wait', ...timeoutArgs(target)];
}

/** The release, in any state, only if it carries the graph's label: `[]` (JSON) when it does not. */
export function ownedReleaseArgs(release: string, namespace: string, graphId: string, target: HelmTarget): string[] {
  return ['list', '--namespace', namespace, '--kubeconfig', target.kubeconfig, '--all', '--filter', `^${release}$`, '--selector', `${RELEASE_GRAPH_LABEL}=${graphId}`, '--output', 'json'];
}

export function statusArgs(release: string, namespace: string, target: HelmTarget): string[] {
  return ['status', release, '--namespace', namespace, '--kubeconfig', target.kubeconfig, '--output', 'json'];
}

export function historyArgs(release: string, namespace: string, target: HelmTarget): string[] {
  return ['history', release, '--namespace', namespace, '--kubeconfig', target.kubeconfig, '--output', 'json'];
}

export function rollbackArgs(release: string, namespace: string, revision: number, target: HelmTarget): string[] {
  return ['rollback', release, String(revision), '--namespace', namespace, '--kubeconfig', target.kubeconfig, ...timeoutArgs(target)];
}
