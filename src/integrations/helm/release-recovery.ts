import type { ReleaseRevision, ReleaseStatus } from './helm.port';

/**
 * What to do with a release left half-done by a helm process that died (SMO crash, timeout kill).
 * helm is not crash-safe: it records `pending-*` before touching the cluster and only replaces it
 * when it finishes, and while a release is pending every upgrade fails with "another operation
 * (install/upgrade/rollback) is in progress" and every install with "cannot re-use a name".
 * See README.md in this folder.
 */
export type RecoveryPlan =
  | { action: 'none' }
  /** Remove the release; the caller then installs it again. */
  | { action: 'uninstall'; reason: string }
  /** Go back to the last good revision; the caller then upgrades again. */
  | { action: 'rollback'; revision: number; reason: string };

export function planRecovery(status: ReleaseStatus, history: ReleaseRevision[]): RecoveryPlan {
  switch (status.state) {
    case 'pending-install':
      return { action: 'uninstall', reason: 'an install never finished: nothing good to keep' };
    case 'uninstalling':
      // Not pending for helm, but a release stuck here can neither be installed nor upgraded.
      return { action: 'uninstall', reason: 'an uninstall never finished' };
    case 'pending-upgrade':
    case 'pending-rollback': {
      const lastGood = lastGoodRevision(history);
      return lastGood === null
        ? { action: 'uninstall', reason: `${status.state} with no deployed or superseded revision to go back to` }
        : { action: 'rollback', revision: lastGood, reason: `${status.state} never finished; revision ${lastGood} was the last good one` };
    }
    default:
      return { action: 'none' };
  }
}

/** The highest revision that was ever fully deployed (`superseded` ones were deployed before). */
function lastGoodRevision(history: ReleaseRevision[]): number | null {
  let lastGood: number | null = null;
  for (const { revision, state } of history) {
    if ((state === 'deployed' || state === 'superseded') && (lastGood === null || revision > lastGood)) lastGood = revision;
  }
  return lastGood;
}
