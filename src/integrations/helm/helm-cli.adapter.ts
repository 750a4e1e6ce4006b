import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  VALUES_PLACEHOLDER,
  chartRequestProblem,
  graphIdProblem,
  goDuration,
  historyArgs,
  installArgs,
  ownedReleaseArgs,
  releaseRefProblem,
  revisionProblem,
  rollbackArgs,
  statusArgs,
  uninstallArgs,
  upgradeArgs,
  type HelmTarget,
} from './helm-arguments';
import { HelmQueryError } from './helm-query-error';
import { OUTPUT_TAIL_CHARS, runProgram, type ProgramResult } from '../../shared/run-program';
import { isReleaseNotFound, parseHistoryJson, parseStatusJson } from './helm-release-json';
import type { HelmChartRequest, HelmOutcome, HelmPort, ReleaseRevision, ReleaseStatus, UpgradeValues } from './helm.port';
import { renderValuesYaml } from './values-yaml';
import { PrivateCallDirs } from '../../shared/private-call-dirs';
import { redactUserinfo } from '../../shared/redact-userinfo';

export interface HelmCliOptions {
  /** Path of the helm v3 binary. */
  binary: string;
  /** The Karmada API server's kubeconfig (SMO configuration, never user input). */
  kubeconfig: string;
  plainHttp: boolean;
  /**
   * helm's own `--timeout` on install, upgrade, uninstall and rollback (SMO_HELM_TIMEOUT). SMO kills the process
   * group only at `helmKillDeadlineMs(timeoutMs)`, later, so helm gives up first and records the release's state.
   */
  timeoutMs: number;
  /**
   * When SMO kills `helm status`, `helm history` and `helm list` (SMO_HELM_QUERY_TIMEOUT; default 30 s). They only read, in an API
   * request or two, but helm gives a request no timeout of its own (no flag, no kubeconfig field): against an API
   * server that accepts connections and never answers they would otherwise hold a release's step until the kill.
   */
  queryTimeoutMs?: number;
  /** Added to the child's minimal environment (e.g. HELM_REGISTRY_CONFIG, or FAKE_HELM_* in tests). */
  env?: Record<string, string>;
  /**
   * Where helm keeps its cache, config and data (HELM_*_HOME) across calls. Without it each call
   * gets fresh ones inside its private temporary directory, so nothing leaks between calls.
   */
  stateDir?: string;
  /** Where each call's private directory is made; default the OS temp directory. */
  tempRoot?: string;
  /** Hears how many private directories of calls that never finished (SMO killed during them) were removed. */
  onLeftoversRemoved?: (removed: number) => void;
}

interface Ran {
  outcome: HelmOutcome;
  stdout: string;
}

/**
 * When SMO kills a helm call given `--timeout timeoutMs`: a grace of a tenth of it (5 to 30 s) later. Equal deadlines
 * were a race: helm giving up records the release `failed` (or, for uninstall, purges it), while a helm killed
 * mid-operation leaves it `pending-install`, `pending-upgrade` or `uninstalling`. The grace covers what helm does
 * after its wait gives up (recording the outcome is one API call). helm's --timeout bounds each wait (each hook's
 * Job, the uninstall's wait for deleted objects), not the whole call nor an API request that never answers: those
 * still end at this deadline, and `planRecovery` repairs what the kill left pending.
 */
export function helmKillDeadlineMs(timeoutMs: number): number {
  return timeoutMs + Math.min(30_000, Math.max(5_000, Math.round(timeoutMs / 10)));
}

export const DEFAULT_HELM_QUERY_TIMEOUT_MS = 30_000;

/** status -o json includes the rendered manifest, which can be large: keep enough to parse it. */
const QUERY_STDOUT_CHARS = 16 * 1024 * 1024;

/** Runs the real helm CLI against the Karmada API server (as upstream does, without its silent failures, B21). */
export class HelmCliAdapter implements HelmPort {
  readonly mode = 'real';
  private readonly target: HelmTarget;
  private readonly privateDirs: PrivateCallDirs;

  constructor(private readonly options: HelmCliOptions) {
    this.target = { kubeconfig: options.kubeconfig, plainHttp: options.plainHttp, timeout: goDuration(options.timeoutMs) };
    this.privateDirs = new PrivateCallDirs({
      root: options.tempRoot ?? tmpdir(),
      prefix: 'smo-helm-',
      longestCallMs: Math.max(helmKillDeadlineMs(options.timeoutMs), options.queryTimeoutMs ?? DEFAULT_HELM_QUERY_TIMEOUT_MS),
      ...(options.onLeftoversRemoved && { onLeftoversRemoved: options.onLeftoversRemoved }),
    });
  }

  async status(release: string, namespace: string): Promise<ReleaseStatus> {
    if (releaseRefProblem(release, namespace) !== null) return { state: 'unknown', revision: null };
    const { outcome, stdout } = await this.query(statusArgs(release, namespace, this.target));
    if (outcome.ok) return parseStatusJson(stdout);
    if (isReleaseNotFound(outcome.exitCode, outcome.stderr)) return { state: 'not-found', revision: null };
    return { state: 'unknown', revision: null, reason: lastLine(outcome.stderr) };
  }

  /** Rejects with HelmQueryError when helm fails for another reason than "not found". */
  async history(release: string, namespace: string): Promise<ReleaseRevision[]> {
    const problem = releaseRefProblem(release, namespace);
    const args = historyArgs(release, namespace, this.target);
    if (problem !== null) throw new HelmQueryError(refused(args, problem));
    const { outcome, stdout } = await this.query(args);
    if (outcome.ok) return parseHistoryJson(stdout);
    if (isReleaseNotFound(outcome.exitCode, outcome.stderr)) return [];
    throw new HelmQueryError(outcome);
  }

  install(request: HelmChartRequest): Promise<HelmOutcome> {
    return this.applyChart(request, (valuesFile) => installArgs(request, valuesFile, this.target));
  }

  upgrade(request: HelmChartRequest, values: UpgradeValues = 'reuse'): Promise<HelmOutcome> {
    return this.applyChart(request, (valuesFile) => upgradeArgs(request, valuesFile, this.target, values));
  }

  async uninstall(release: string, namespace: string): Promise<HelmOutcome> {
    const args = uninstallArgs(release, namespace, this.target);
    const problem = releaseRefProblem(release, namespace);
    return problem !== null ? refused(args, problem) : (await this.run(args)).outcome;
  }

  async isOwnedBy(release: string, namespace: string, graphId: string): Promise<boolean | { unknown: string }> {
    const problem = releaseRefProblem(release, namespace) ?? graphIdProblem(graphId);
    if (problem !== null) return { unknown: problem };
    const { outcome, stdout } = await this.query(ownedReleaseArgs(release, namespace, graphId, this.target));
    if (!outcome.ok) return { unknown: lastLine(outcome.stderr) };
    try {
      const listed = JSON.parse(stdout) as unknown;
      if (Array.isArray(listed)) return listed.some((entry) => (entry as { name?: unknown } | null)?.name === release);
    } catch {
      // Told below.
    }
    return { unknown: 'helm list did not answer a JSON list' };
  }

  async rollback(release: string, namespace: string, revision: number): Promise<HelmOutcome> {
    const args = rollbackArgs(release, namespace, revision, this.target);
    const problem = releaseRefProblem(release, namespace) ?? revisionProblem(revision);
    return problem !== null ? refused(args, problem) : (await this.run(args)).outcome;
  }

  private async applyChart(request: HelmChartRequest, argsFor: (valuesFile: string) => string[]): Promise<HelmOutcome> {
    const shown = argsFor(VALUES_PLACEHOLDER);
    const problem = chartRequestProblem(request);
    if (problem !== null) return refused(shown, problem);
    const { outcome } = await this.inPrivateDir(shown, async (dir) => {
      const valuesFile = join(dir, 'values.yaml');
      await writeFile(valuesFile, renderValuesYaml(request.values), { mode: 0o600, flag: 'wx' });
      const killAfterMs = helmKillDeadlineMs(this.options.timeoutMs);
      const result = await runProgram(this.options.binary, argsFor(valuesFile), this.processOptions(dir, killAfterMs));
      return { outcome: toOutcome(shown, result, killAfterMs), stdout: result.stdout };
    });
    return outcome;
  }

  /** status, history and list: SMO's query deadline, and enough stdout for a large release. */
  private query(args: string[]): Promise<Ran> {
    return this.run(args, this.options.queryTimeoutMs ?? DEFAULT_HELM_QUERY_TIMEOUT_MS, QUERY_STDOUT_CHARS);
  }

  private run(args: string[], killAfterMs = helmKillDeadlineMs(this.options.timeoutMs), maxStdoutChars = OUTPUT_TAIL_CHARS): Promise<Ran> {
    return this.inPrivateDir(args, async (dir) => {
      const result = await runProgram(this.options.binary, args, { ...this.processOptions(dir, killAfterMs), maxStdoutChars });
      return { outcome: toOutcome(args, result, killAfterMs), stdout: result.stdout };
    });
  }

  /** A 0700 directory for the values file and helm's HOME, removed whatever happens. */
  private async inPrivateDir(shownArgs: string[], work: (dir: string) => Promise<Ran>): Promise<Ran> {
    let dir: string | undefined;
    try {
      dir = await this.privateDirs.create();
      return await work(dir);
    } catch (error) {
      // Only preparing the call can throw (e.g. a full disk): still an outcome, never an exception.
      return { outcome: refused(shownArgs, `cannot prepare the helm call: ${error instanceof Error ? error.message : String(error)}`), stdout: '' };
    } finally {
      // A leftover directory must not turn a finished helm call into an error.
      if (dir !== undefined) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  private processOptions(dir: string, killAfterMs: number): { env: Record<string, string>; cwd: string; timeoutMs: number } {
    const stateDir = this.options.stateDir ?? join(dir, 'helm');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: dir,
      HELM_CACHE_HOME: join(stateDir, 'cache'),
      HELM_CONFIG_HOME: join(stateDir, 'config'),
      HELM_DATA_HOME: join(stateDir, 'data'),
      ...this.options.env,
    };
    return { env, cwd: dir, timeoutMs: killAfterMs };
  }
}

function refused(args: string[], reason: string): Extract<HelmOutcome, { ok: false }> {
  return { ok: false, args, exitCode: null, stderr: reason, timedOut: false };
}

/**
 * helm's stderr goes into events, a log line and the graph's answers: a registry URL it quotes with a user and
 * password (`https://robot:…@registry/v2/…`) keeps neither.
 */
function toOutcome(args: string[], result: ProgramResult, killAfterMs: number): HelmOutcome {
  if (result.spawnError !== null) return { ok: false, args, exitCode: null, stderr: `cannot run helm: ${result.spawnError}`, timedOut: false };
  if (result.exitCode === 0 && !result.timedOut) return { ok: true, args, stdout: result.stdout };
  const killedBy = result.signal !== null ? `\n(helm was killed by ${result.signal})` : '';
  const timedOut = `\n(helm ${args[0] ?? ''} did not finish within ${seconds(killAfterMs)}: SMO killed its process group)`;
  return { ok: false, args, exitCode: result.exitCode, stderr: redactUserinfo(result.stderr) + (result.timedOut ? timedOut : killedBy), timedOut: result.timedOut };
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** The last non-empty line of helm's stderr: its error, or the note of the kill. */
function lastLine(stderr: string): string {
  return stderr.trim().split('\n').at(-1)?.replace(/^\(|\)$/g, '') ?? '';
}
