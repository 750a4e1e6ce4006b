import { constants } from 'node:fs';
import { open, readdir, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { ArtifactContentUnsafe, ArtifactDescriptorInvalid } from './artifact-errors';
import { problemAt } from './problem';

/**
 * Finds the HDAG descriptor in a pulled artifact the way upstream does: the first
 * `*.yml`, or else the first `*.yaml`, in a top-down walk (a directory's files before its
 * subdirectories), here in sorted name order so the choice is deterministic. The walk refuses
 * symbolic links, special files and anything outside `root`, and gives up after `maxEntries` entries.
 * Returns the descriptor's path relative to `root`, or undefined.
 */
export async function findDescriptorFile(root: string, maxEntries: number): Promise<string | undefined> {
  const realRoot = await realpath(root);
  let firstYml: string | undefined;
  let firstYaml: string | undefined;
  let seen = 0;
  const pending = [realRoot];
  for (let directory = pending.pop(); directory !== undefined; directory = pending.pop()) {
    const entries = (await readdir(directory, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    seen += entries.length;
    if (seen > maxEntries) throw new ArtifactContentUnsafe(`it has more than ${maxEntries} files and directories`);
    const subdirectories: string[] = [];
    for (const entry of entries) {
      const path = join(directory, entry.name);
      const shown = insideRoot(realRoot, path);
      if (entry.isSymbolicLink()) throw new ArtifactContentUnsafe(`"${shown}" is a symbolic link`);
      if (entry.isDirectory()) subdirectories.push(path);
      else if (!entry.isFile()) throw new ArtifactContentUnsafe(`"${shown}" is not a regular file or directory`);
      else if (firstYml === undefined && entry.name.endsWith('.yml')) firstYml = shown;
      else if (firstYaml === undefined && entry.name.endsWith('.yaml')) firstYaml = shown;
    }
    pending.push(...subdirectories.reverse());
  }
  return firstYml ?? firstYaml;
}

/**
 * Reads the descriptor as UTF-8 text, at most `maxBytes`. O_NOFOLLOW and the realpath check keep the
 * read inside `root` even if the tree changed after the walk.
 */
export async function readDescriptorText(root: string, file: string, maxBytes: number): Promise<string> {
  const realRoot = await realpath(root);
  const path = join(realRoot, file);
  insideRoot(realRoot, await realpath(path));
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new ArtifactContentUnsafe(`"${file}" is not a regular file`);
    if (stats.size > maxBytes) {
      throw new ArtifactDescriptorInvalid(file, [problemAt([], `it is ${stats.size} bytes; the limit is ${maxBytes}`)]);
    }
    const bytes = await handle.readFile();
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new ArtifactDescriptorInvalid(file, [problemAt([], 'it is not valid UTF-8')]);
    }
  } finally {
    await handle.close();
  }
}

/** The path relative to root, for messages; refuses anything that resolves outside root. */
function insideRoot(realRoot: string, path: string): string {
  const shown = relative(realRoot, path);
  if (shown === '' || shown === '..' || shown.startsWith(`..${sep}`) || isAbsolute(shown)) {
    throw new ArtifactContentUnsafe('an entry lies outside the pull directory');
  }
  return shown;
}
