import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../../shared/atomic-file';
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

export async function loadReleases(dir: string): Promise<Map<string, SimulatedRelease>> {
  let text: string;
  try {
    text = await readFile(join(dir, SIMULATED_RELEASES_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  const file = JSON.parse(text) as ReleaseFile;
  return new Map(Object.entries(file.releases));
}

/** Writes a temporary file, syncs it and renames it over the old one: a crash leaves old or new, never half. */
export async function saveReleases(dir: string, releases: ReadonlyMap<string, SimulatedRelease>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file: ReleaseFile = { releases: Object.fromEntries(releases) };
  await writeFileAtomically(join(dir, SIMULATED_RELEASES_FILE), `${JSON.stringify(file, null, 2)}\n`, 0o600);
}
