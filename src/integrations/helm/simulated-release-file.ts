import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically, type WrittenFile } from '../../shared/atomic-file';
import { deepFreeze } from '../../shared/deep-freeze';
import { HELM_RELEASE_MAX_LENGTH, isDnsLabel } from '../../shared/dns-name';
import type { ReleaseState } from './helm.port';

/**
 * The releases the simulated helm keeps, so a restart keeps them: one JSON file a release,
 * `<dir>/helm-releases/<namespace>/<release>.json`, as helm keeps a release in its namespace. A change writes its
 * release's file only: with one file of every release, rewritten at each change, a deploy of N services wrote N
 * files of up to N releases (a fifth of a 1,000-service deploy's time in embedded mode).
 */

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

export const SIMULATED_RELEASES_DIR = 'helm-releases';

/** The one file of every release that SMO wrote before it kept a file a release: split at first use, then removed. */
export const SINGLE_RELEASES_FILE = 'helm-releases.json';

export function releaseKey(release: string, namespace: string): string {
  return `${namespace}/${release}`;
}

/** A release's file. Its names are DNS labels (checked before any helm command is run), so neither can leave the directory. */
export function releaseFile(dir: string, release: string, namespace: string): string {
  if (!isReleaseName(release) || !isDnsLabel(namespace)) throw new Error(`not a release reference: ${JSON.stringify(releaseKey(release, namespace))}`);
  return join(dir, SIMULATED_RELEASES_DIR, namespace, `${release}.json`);
}

/** All simulated releases, ordered by namespace then name; empty when there is none yet. */
export async function readSimulatedReleases(dir: string): Promise<SimulatedRelease[]> {
  await splitSingleFile(dir);
  const releases: SimulatedRelease[] = [];
  // What else the directories hold (a write's temporary file, an operator's copy) is no release.
  for (const namespace of (await namesIn(join(dir, SIMULATED_RELEASES_DIR))).filter((name) => isDnsLabel(name)).sort()) {
    const names = (await namesIn(join(dir, SIMULATED_RELEASES_DIR, namespace))).filter((file) => file.endsWith('.json')).map((file) => file.slice(0, -'.json'.length)).filter(isReleaseName).sort();
    for (const name of names) {
      const found = await loadRelease(dir, name, namespace);
      if (found) releases.push(found);
    }
  }
  return releases;
}

/**
 * Each release file's parse as last read or written here, with the file's version then. A deploy asks about each
 * release before changing it: a `stat` tells whether its file changed since (here or in another process).
 */
const parsed = new Map<string, { version: WrittenFile; release: SimulatedRelease }>();

/** A release as its file holds it, undefined when there is none: frozen, shared with other readers (a change replaces a release, never alters one). */
export async function loadRelease(dir: string, release: string, namespace: string): Promise<SimulatedRelease | undefined> {
  await splitSingleFile(dir);
  const path = releaseFile(dir, release, namespace);
  let version: WrittenFile;
  try {
    version = versionOf(await stat(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    parsed.delete(path);
    return undefined;
  }
  const known = parsed.get(path);
  if (known && sameVersion(known.version, version)) return known.release;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const found = deepFreeze(JSON.parse(text) as SimulatedRelease);
  // Kept only if the file did not change while it was read.
  if (sameVersion(versionOf(await stat(path)), version)) parsed.set(path, { version, release: found });
  return found;
}

/**
 * Writes a temporary file, syncs it and renames it over the old one: a crash leaves old or new, never half. Kept as
 * the file's parse afterwards, as its JSON reads back and frozen (the caller's object is copied, not frozen in place).
 */
export async function saveRelease(dir: string, release: SimulatedRelease): Promise<void> {
  const path = releaseFile(dir, release.release, release.namespace);
  await mkdir(join(dir, SIMULATED_RELEASES_DIR, release.namespace), { recursive: true, mode: 0o700 });
  parsed.delete(path);
  const text = `${JSON.stringify(release, null, 2)}\n`;
  const written = await writeFileAtomically(path, text, 0o600);
  parsed.set(path, { version: written, release: deepFreeze(JSON.parse(text) as SimulatedRelease) });
}

export async function deleteRelease(dir: string, release: string, namespace: string): Promise<void> {
  const path = releaseFile(dir, release, namespace);
  parsed.delete(path);
  await rm(path, { force: true });
}

/**
 * The single file of an earlier SMO, split into a file a release, then removed (once per directory and process).
 * A release that already has its file keeps it: a crash while splitting leaves the single file, split again at the
 * next start.
 */
async function splitSingleFile(dir: string): Promise<void> {
  let splitting = splits.get(dir);
  if (!splitting) {
    splitting = split(dir);
    splits.set(dir, splitting);
    splitting.catch(() => splits.delete(dir));
  }
  await splitting;
}

const splits = new Map<string, Promise<void>>();

async function split(dir: string): Promise<void> {
  const single = join(dir, SINGLE_RELEASES_FILE);
  let text: string;
  try {
    text = await readFile(single, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const { releases } = JSON.parse(text) as { releases: Record<string, SimulatedRelease> };
  for (const release of Object.values(releases)) {
    const exists = await stat(releaseFile(dir, release.release, release.namespace)).then(
      () => true,
      (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? false : Promise.reject(error)),
    );
    if (!exists) await saveRelease(dir, release);
  }
  await rm(single, { force: true });
}

function isReleaseName(name: string): boolean {
  return isDnsLabel(name, HELM_RELEASE_MAX_LENGTH);
}

async function namesIn(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** The file's version (see WrittenFile): each save renames a new file in (a new inode), so another writer's shows too. */
function versionOf({ ino, size, mtimeMs }: WrittenFile): WrittenFile {
  return { ino, size, mtimeMs };
}

function sameVersion(a: WrittenFile, b: WrittenFile): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}
