import { resolve } from 'node:path';
import { Mutex } from '../../shared/mutex';
import {
  RELEASE_GRAPH_LABEL,
  VALUES_PLACEHOLDER,
  chartRequestProblem,
  graphIdProblem,
  historyArgs,
  installArgs,
  releaseRefProblem,
  revisionProblem,
  rollbackArgs,
  uninstallArgs,
  upgradeArgs,
  type HelmTarget,
} from './helm-arguments';
import { HelmQueryError } from './helm-query-error';
import type { HelmChartRequest, HelmOutcome, HelmPort, ReleaseRevision, ReleaseStatus, UpgradeValues } from './helm.port';
import { mergeValues } from './merge-values';
import { deleteRelease, loadRelease, saveRelease, type SimulatedRelease } from './simulated-release-file';

export { readSimulatedReleases, type SimulatedRelease, type SimulatedRevision } from './simulated-release-file';

export interface SimulatedHelmOptions {
  /** Directory of the release file (created when missing). */
  dir: string;
  /** Only shown in the recorded commands, so they read exactly like the real ones. */
  kubeconfig?: string;
  plainHttp?: boolean;
}

/** Release directories shared by every adapter of this process: one writer at a time per directory. */
const fileLocks = new Map<string, Mutex>();

/**
 * Embedded mode's helm: answers like helm (same commands, same error messages, same revision
 * numbering) but only records releases and their merged values, in a JSON file a release.
 * It renders nothing: charts are OCI references that cannot be pulled offline, so `helm template`
 * would fail here; recording the values is what embedded mode needs.
 */
export class SimulatedHelmAdapter implements HelmPort {
  readonly mode = 'simulated';
  private readonly dir: string;
  private readonly target: HelmTarget;
  private readonly lock: Mutex;

  constructor(options: SimulatedHelmOptions) {
    this.dir = resolve(options.dir);
    this.target = { kubeconfig: options.kubeconfig ?? '<simulated>', plainHttp: options.plainHttp ?? false };
    this.lock = fileLocks.get(this.dir) ?? new Mutex();
    fileLocks.set(this.dir, this.lock);
  }

  async status(release: string, namespace: string): Promise<ReleaseStatus> {
    if (releaseRefProblem(release, namespace) !== null) return { state: 'unknown', revision: null };
    const found = await this.find(release, namespace).catch(() => 'unusable' as const);
    if (found === 'unusable') return { state: 'unknown', revision: null };
    return found ? { state: found.state, revision: found.revision } : { state: 'not-found', revision: null };
  }

  async history(release: string, namespace: string): Promise<ReleaseRevision[]> {
    const problem = releaseRefProblem(release, namespace);
    const args = historyArgs(release, namespace, this.target);
    if (problem !== null) throw new HelmQueryError(failed(args, problem, null));
    let found: SimulatedRelease | undefined;
    try {
      found = await this.find(release, namespace);
    } catch (error) {
      throw new HelmQueryError(failed(args, unusableFile(error), null));
    }
    return (found?.history ?? []).map(({ revision, state }) => ({ revision, state }));
  }

  install(request: HelmChartRequest): Promise<HelmOutcome> {
    const args = installArgs(request, VALUES_PLACEHOLDER, this.target);
    return this.change(args, chartRequestProblem(request), request, (current) => {
      if (current) return { outcome: failed(args, 'Error: INSTALLATION FAILED: cannot re-use a name that is still in use') };
      const first = { revision: 1, state: 'deployed' as const, chart: request.chart, values: request.values };
      const next = { release: request.release, namespace: request.namespace, ...first, history: [first], labels: { [RELEASE_GRAPH_LABEL]: request.graphId } };
      return { outcome: succeeded(args, deployedNotes(request.release, request.namespace, 1)), next };
    });
  }

  upgrade(request: HelmChartRequest, values: UpgradeValues = 'reuse'): Promise<HelmOutcome> {
    const args = upgradeArgs(request, VALUES_PLACEHOLDER, this.target, values);
    return this.change(args, chartRequestProblem(request), request, (current) => {
      if (!current) return { outcome: failed(args, `Error: UPGRADE FAILED: "${request.release}" has no deployed releases`) };
      if (current.state.startsWith('pending-')) return { outcome: failed(args, 'Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress') };
      const next = nextRevision(current, request.chart, values === 'reset' ? request.values : mergeValues(current.values, request.values));
      const notes = `Release "${request.release}" has been upgraded. Happy Helming!\n`;
      return { outcome: succeeded(args, notes + deployedNotes(request.release, request.namespace, current.revision + 1)), next: { ...next, labels: { ...current.labels, [RELEASE_GRAPH_LABEL]: request.graphId } } };
    });
  }

  uninstall(release: string, namespace: string): Promise<HelmOutcome> {
    const args = uninstallArgs(release, namespace, this.target);
    return this.change(args, releaseRefProblem(release, namespace), { release, namespace }, (current) => {
      if (!current) return { outcome: failed(args, `Error: uninstall: Release not loaded: ${release}: release: not found`) };
      return { outcome: succeeded(args, `release "${release}" uninstalled\n`), next: null };
    });
  }

  async isOwnedBy(release: string, namespace: string, graphId: string): Promise<boolean | { unknown: string }> {
    const problem = releaseRefProblem(release, namespace) ?? graphIdProblem(graphId);
    if (problem !== null) return { unknown: problem };
    try {
      return (await this.find(release, namespace))?.labels?.[RELEASE_GRAPH_LABEL] === graphId;
    } catch (error) {
      return { unknown: unusableFile(error) };
    }
  }

  rollback(release: string, namespace: string, revision: number): Promise<HelmOutcome> {
    const args = rollbackArgs(release, namespace, revision, this.target);
    const problem = releaseRefProblem(release, namespace) ?? revisionProblem(revision);
    return this.change(args, problem, { release, namespace }, (current) => {
      if (!current) return { outcome: failed(args, 'Error: release: not found') };
      const target = current.history.find((entry) => entry.revision === revision);
      if (!target) return { outcome: failed(args, `Error: release has no ${revision} version`) };
      return { outcome: succeeded(args, 'Rollback was a success! Happy Helming!\n'), next: nextRevision(current, target.chart, target.values) };
    });
  }

  private find(release: string, namespace: string): Promise<SimulatedRelease | undefined> {
    return loadRelease(this.dir, release, namespace);
  }

  /**
   * Validates, then, under the directory's lock, applies `apply` to the release as its file holds it: `next` is the
   * release to write (null: remove it), left out when nothing changes.
   */
  private async change(
    args: string[],
    problem: string | null,
    { release, namespace }: { release: string; namespace: string },
    apply: (current: SimulatedRelease | undefined) => { outcome: HelmOutcome; next?: SimulatedRelease | null },
  ): Promise<HelmOutcome> {
    if (problem !== null) return failed(args, problem, null);
    return this.lock.run(async (): Promise<HelmOutcome> => {
      try {
        const { outcome, next } = apply(await loadRelease(this.dir, release, namespace));
        if (outcome.ok && next === null) await deleteRelease(this.dir, release, namespace);
        else if (outcome.ok && next) await saveRelease(this.dir, next);
        return outcome;
      } catch (error) {
        return failed(args, unusableFile(error), null);
      }
    });
  }
}

/**
 * The revisions helm keeps of a release: `helm upgrade` and `helm rollback` keep the last 10 (`--history-max`,
 * which SMO does not set), the new deployed one among them. Kept whole, a release SMO upgrades at every scaling
 * round would make its file, rewritten at every change, grow for as long as the graph runs.
 */
const HELM_HISTORY_MAX = 10;

/** A new deployed revision; every earlier deployed one becomes superseded, and the oldest beyond HELM_HISTORY_MAX go, as helm records it. */
function nextRevision(current: SimulatedRelease, chart: string, values: Record<string, unknown>): SimulatedRelease {
  const revision = current.revision + 1;
  const history = current.history.map((entry) => (entry.state === 'deployed' || entry.state.startsWith('pending-') ? { ...entry, state: 'superseded' as const } : entry));
  history.push({ revision, state: 'deployed', chart, values });
  return { ...current, chart, values, revision, state: 'deployed', history: history.slice(-HELM_HISTORY_MAX) };
}

function deployedNotes(release: string, namespace: string, revision: number): string {
  return `NAME: ${release}\nNAMESPACE: ${namespace}\nSTATUS: deployed\nREVISION: ${revision}\nTEST SUITE: None\n`;
}

function succeeded(args: string[], stdout: string): HelmOutcome {
  return { ok: true, args, stdout };
}

/** helm exits 1 on every failure; null when nothing ran (refused input, unusable file). */
function failed(args: string[], stderr: string, exitCode: number | null = 1): Extract<HelmOutcome, { ok: false }> {
  return { ok: false, args, exitCode, stderr, timedOut: false };
}

function unusableFile(error: unknown): string {
  return `simulated helm: release file unusable: ${error instanceof Error ? error.message : String(error)}`;
}
