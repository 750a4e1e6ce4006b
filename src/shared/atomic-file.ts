import { randomUUID } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';

/** Which version of a file this is: a later write in place or a rename over it changes one of them. */
export interface WrittenFile {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

/**
 * Writes a temporary file beside the target, syncs it and renames it over the target: a reader
 * (Prometheus reloading) or a crash sees the old or the new content, never half of it.
 * Default mode 0644: Prometheus usually runs as another user. Answers the file's inode, size and
 * modification time as written (a rename keeps them): what a later `stat` of the target shows until
 * someone else writes it.
 */
export async function writeFileAtomically(target: string, content: string, mode = 0o644): Promise<WrittenFile> {
  const temporary = `${target}.${randomUUID()}.tmp`;
  try {
    const handle = await open(temporary, 'wx', mode);
    let written: WrittenFile;
    try {
      await handle.writeFile(content);
      await handle.sync();
      const { ino, size, mtimeMs } = await handle.stat();
      written = { ino, size, mtimeMs };
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
    return written;
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
