import { randomUUID } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';

/**
 * Writes a temporary file beside the target, syncs it and renames it over the target: a reader
 * (Prometheus reloading) or a crash sees the old or the new content, never half of it.
 * Default mode 0644: Prometheus usually runs as another user.
 */
export async function writeFileAtomically(target: string, content: string, mode = 0o644): Promise<void> {
  const temporary = `${target}.${randomUUID()}.tmp`;
  try {
    const handle = await open(temporary, 'wx', mode);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
