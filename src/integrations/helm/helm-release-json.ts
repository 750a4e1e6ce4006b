import type { ReleaseRevision, ReleaseState, ReleaseStatus } from './helm.port';
import { isRecord } from '../../shared/is-record';

/** Reads `helm status|history --output json`; anything unexpected becomes `unknown`, never an exception. */

const HELM_STATES: ReadonlySet<string> = new Set<ReleaseState>([
  'deployed',
  'failed',
  'pending-install',
  'pending-upgrade',
  'pending-rollback',
  'uninstalling',
  'superseded',
]);

export function releaseStateOf(helmStatus: unknown): ReleaseState {
  return typeof helmStatus === 'string' && HELM_STATES.has(helmStatus) ? (helmStatus as ReleaseState) : 'unknown';
}

/** `{"name":…,"info":{"status":"deployed",…},"version":3,"namespace":…}` */
export function parseStatusJson(stdout: string): ReleaseStatus {
  const document = parseJson(stdout);
  if (!isRecord(document)) return { state: 'unknown', revision: null };
  const info = isRecord(document.info) ? document.info : {};
  return { state: releaseStateOf(info.status), revision: revisionOf(document.version) };
}

/** `[{"revision":1,"status":"superseded",…},…]`, returned sorted by revision. */
export function parseHistoryJson(stdout: string): ReleaseRevision[] {
  const document = parseJson(stdout);
  if (!Array.isArray(document)) return [];
  const revisions: ReleaseRevision[] = [];
  for (const entry of document) {
    const revision = isRecord(entry) ? revisionOf(entry.revision) : null;
    if (isRecord(entry) && revision !== null) revisions.push({ revision, state: releaseStateOf(entry.status) });
  }
  return revisions.sort((a, b) => a.revision - b.revision);
}

/** helm's "release: not found" (pkg/storage/driver ErrReleaseNotFound), as printed by status and history. */
export function isReleaseNotFound(exitCode: number | null, stderr: string): boolean {
  return exitCode === 1 && /release: not found/.test(stderr);
}

function revisionOf(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 ? value : null;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
