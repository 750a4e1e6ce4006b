import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** How often the leftovers are looked for (at the first call, then at most this often). */
const SWEEP_INTERVAL_MS = 60 * 60_000;
/** The least age of a leftover: another SMO on this host may give its calls longer than this one does. */
const MIN_LEFTOVER_AGE_MS = 60 * 60_000;

/** mkdtemp's six random characters after the prefix: nothing else of that prefix is taken for one of these. */
const MKDTEMP_SUFFIX = /^[A-Za-z0-9]{6}$/;

export interface PrivateCallDirsOptions {
  /** Where the directories are made (the OS temp directory in production). */
  root: string;
  /** Their name's prefix, one per kind of call (`smo-helm-`). */
  prefix: string;
  /** The longest one call may take (its kill deadline). */
  longestCallMs: number;
  /** Hears how many leftovers a sweep removed (only when it removed some). */
  onLeftoversRemoved?: (removed: number) => void;
}

/**
 * The private directories of one external call each (helm's values file and HOME, hdarctl's pull): made 0700 by
 * mkdtemp, removed when the call ends. A process killed during a call (SIGKILL, the OOM killer, a power loss) leaves
 * its directory behind, and a values file in it can hold secrets. So the directories of this prefix that no call can
 * still be using (unchanged for twice the longest call, and an hour at least) are removed, in the background, when
 * the first call makes its directory and then at most once an hour. Only directories (never a symbolic link's
 * target) of this process's user, named as mkdtemp names them.
 */
export class PrivateCallDirs {
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: PrivateCallDirsOptions) {}

  /** A new private directory for one call; starts a sweep for leftovers when one is due. */
  async create(): Promise<string> {
    const now = Date.now();
    if (now - this.lastSweep >= SWEEP_INTERVAL_MS) {
      this.lastSweep = now;
      // Best effort: a leftover that cannot be removed now is tried again at the next sweep.
      void this.removeLeftovers(now).catch(() => undefined);
    }
    return mkdtemp(join(this.options.root, this.options.prefix));
  }

  /** Removes the leftovers as of `now`; resolves to how many it removed. */
  async removeLeftovers(now = Date.now()): Promise<number> {
    const { root, prefix, longestCallMs } = this.options;
    const staleAfterMs = Math.max(MIN_LEFTOVER_AGE_MS, 2 * longestCallMs);
    const uid = process.getuid?.();
    let removed = 0;
    for (const name of await readdir(root)) {
      if (!name.startsWith(prefix) || !MKDTEMP_SUFFIX.test(name.slice(prefix.length))) continue;
      const path = join(root, name);
      const stats = await lstat(path).catch(() => null);
      if (!stats?.isDirectory() || (uid !== undefined && stats.uid !== uid) || now - stats.mtimeMs < staleAfterMs) continue;
      await rm(path, { recursive: true, force: true });
      removed++;
    }
    if (removed > 0) this.options.onLeftoversRemoved?.(removed);
    return removed;
  }
}
