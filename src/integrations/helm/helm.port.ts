/**
 * The Helm port: how SMO installs, upgrades and removes a service's chart on the Karmada API
 * server. Outcomes are values, never thrown, so the caller records each one as an event.
 */

export type ReleaseState =
  | 'not-found'
  | 'deployed'
  | 'failed'
  | 'pending-install'
  | 'pending-upgrade'
  | 'pending-rollback'
  | 'uninstalling'
  | 'superseded'
  | 'unknown';

export interface ReleaseStatus {
  state: ReleaseState;
  /** The release's current revision (helm's `version`), null when not found. */
  revision: number | null;
  /** With `unknown` from a helm that failed: why (its error's last line, or the deadline it missed). */
  reason?: string;
}

export interface ReleaseRevision {
  revision: number;
  state: ReleaseState;
}

export interface HelmChartRequest {
  /** Release name = the service id (a DNS-1123 label, never starting with '-'). */
  release: string;
  /** Chart reference, e.g. `oci://registry:5000/project/chart`. */
  chart: string;
  /** Namespace = the graph's project; created when missing. */
  namespace: string;
  /** Values written to a private temporary values file (never passed with --set). */
  values: Record<string, unknown>;
  /** The graph the release belongs to: its `smo.nephele.eu/graph` label (helm `--labels`), which `isOwnedBy` asks for. */
  graphId: string;
}

/** What an upgrade does with the release's current values: merge the new ones over them, or drop them. */
export type UpgradeValues = 'reuse' | 'reset';

export type HelmOutcome =
  | { ok: true; args: string[]; stdout: string }
  | { ok: false; args: string[]; exitCode: number | null; stderr: string; timedOut: boolean };

export interface HelmPort {
  /** `real` runs the helm binary against Karmada; `simulated` records what it would do. */
  readonly mode: 'real' | 'simulated';
  status(release: string, namespace: string): Promise<ReleaseStatus>;
  history(release: string, namespace: string): Promise<ReleaseRevision[]>;
  install(request: HelmChartRequest): Promise<HelmOutcome>;
  /**
   * `helm upgrade … --reuse-values`: the given values are merged over the release's current ones;
   * with `reset`, `--reset-values`: the release gets exactly the given values.
   */
  upgrade(request: HelmChartRequest, values?: UpgradeValues): Promise<HelmOutcome>;
  uninstall(release: string, namespace: string): Promise<HelmOutcome>;
  /**
   * Whether the release carries graph `graphId`'s label, i.e. SMO installed it for that graph: a release
   * SMO has not recorded is adopted, or uninstalled, only then. `{ unknown }` when helm could not tell, and why.
   */
  isOwnedBy(release: string, namespace: string, graphId: string): Promise<boolean | { unknown: string }>;
  rollback(release: string, namespace: string, revision: number): Promise<HelmOutcome>;
}
