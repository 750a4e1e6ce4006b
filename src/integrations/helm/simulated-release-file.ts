import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically, type WrittenFile } from '../../shared/atomic-file';
import { deepFreeze } from '../../shared/deep-freeze';
import type { ReleaseState } from './helm.port';

/** The releases the simulated helm keeps, one JSON file per directory, so a restart keeps them. */

export interface SimulatedRevision {
  revision: number;
  state: ReleaseState;
  chart: string;
  /** The values in effect for this revision (after `--reuse-values` merging). */
  values: Record<string, unknown>;
}

export interface SimulatedRelease {
  release: string;
  namespace: string;
  chart: string;
  values: Record<string, unknown>;
  revision: number;
  state: ReleaseState;
  history: SimulatedRevision[];
  /** helm's release labels (`--labels`); absent in files written before SMO labelled its releases. */
  labels?: Record<string, string>;
}

interface ReleaseFile {
  releases: Record<string, SimulatedRelease>;
}

export const SIMULATED_RELEASES_FILE = 'helm-releases.json';

export function releaseKey(release: string, namespace: string): string {
  return `${namespace}/${release}`;
}

/** All simulated releases, ordered by namespace then name; empty when the file does not exist yet. */
export async function readSimulatedReleases(dir: string): Promise<SimulatedRelease[]> {
  const releases = await loadReleases(dir);
  return [...releases.values()].sort((a, b) => releaseKey(a.release, a.namespace).localeCompare(releaseKey(b.release, b.namespace)));
}

/**
 * The releases of each directory's file as last read or written here, with the file's version then. The file
 * holds every release, and a deploy asks it about each release before changing it: parsed at every question, a
 * deploy of 300 services spent 0.8 s parsing it. A `stat` tells whether it changed since (here or in another process).
 */
const parsed = new Map<string, { version: WrittenFile; releases: ReadonlyMap<string, SimulatedRelease> }>();

/**
 * The releases of a directory's file, empty when there is none: a Map of its own, of frozen releases shared
 * with other readers (a change replaces a release, never alters one).
 */
export async function loadReleases(dir: string): Promise<Map<string, SimulatedRelease>> {
  const path = join(dir, SIMULATED_RELEASES_FILE);
  let version: WrittenFile;
  try {
    version = versionOf(await stat(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    parsed.delete(dir);
    return new Map();
  }
  const known = parsed.get(dir);
  if (known && sameVersion(known.version, version)) return new Map(known.releases);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  const releases = new Map(Object.entries(deepFreeze(JSON.parse(text) as ReleaseFile).releases));
  // Kept only if the file did not change while it was read.
  if (sameVersion(versionOf(await stat(path)), version)) parsed.set(dir, { version, releases });
  return new Map(releases);
}

/**
 * Writes a temporary file, syncs it and renames it over the old one: a crash leaves old or new, never half. Kept as
 * the file's parse afterwards, each release as its JSON reads back and frozen (those the change made are the
 * caller's objects: copied, not frozen in place).
 */
export async function saveReleases(dir: string, releases: ReadonlyMap<string, SimulatedRelease>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file: ReleaseFile = { releases: Object.fromEntries(releases) };
  parsed.delete(dir);
  const written = await writeFileAtomically(join(dir, SIMULATED_RELEASES_FILE), `${JSON.stringify(file, null, 2)}\n`, 0o600);
  const asRead = [...releases].map(([key, release]) => [key, Object.isFrozen(release) ? release : deepFreeze(JSON.parse(JSON.stringify(release)) as SimulatedRelease)] as const);
  parsed.set(dir, { version: written, releases: new Map(asRead) });
}

/** The file's version (see WrittenFile): each save renames a new file in (a new inode), so another writer's shows too. */
function versionOf({ ino, size, mtimeMs }: WrittenFile): WrittenFile {
  return { ino, size, mtimeMs };
}

function sameVersion(a: WrittenFile, b: WrittenFile): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}
