import { close, closeSync, fdatasync, fsync, open } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

const openFile = promisify(open);
const closeFile = promisify(close);
const syncData = promisify(fdatasync);
const syncFile = promisify(fsync);

/**
 * Makes a WAL-mode SQLite file's commits durable off the event loop. node:sqlite runs a commit's
 * fsync (synchronous=FULL) on the event loop's thread, which then answers nothing for as long as the
 * disk takes: a fraction of a millisecond on an idle disk, hundreds on a busy one. Committed at
 * synchronous=NORMAL instead, a transaction's frames are written to the WAL file but not flushed;
 * fdatasync on that file from libuv's thread pool then flushes them (and every frame before them)
 * exactly as SQLite's own sync at FULL would, while the event loop goes on.
 *
 * Syncs are coalesced: one is in flight at a time, and every caller that arrives meanwhile shares the
 * next one, which starts after it (the one in flight may have begun before the caller's commit).
 */
export class WalSync {
  private fd: Promise<number> | null = null;
  private inFlight: Promise<void> | null = null;
  private next: Promise<void> | null = null;
  private closing = false;

  constructor(private readonly walPath: string) {}

  /** Resolves once every commit made before the call is on disk; rejects if the flush failed. */
  sync(): Promise<void> {
    if (this.closing) return Promise.reject(new Error('the database is closed'));
    if (!this.inFlight) return this.start();
    this.next ??= this.inFlight
      .catch(() => undefined)
      .then(() => {
        this.next = null;
        return this.start();
      });
    return this.next;
  }

  /** Closes the WAL descriptor once the sync in flight (if any) has settled. */
  close(): void {
    this.closing = true;
    const fd = this.fd;
    this.fd = null;
    if (!fd) return;
    const settled = this.next ?? this.inFlight ?? Promise.resolve();
    void settled
      .catch(() => undefined)
      .then(() => fd)
      .then((descriptor) => closeSync(descriptor))
      .catch(() => undefined);
  }

  private start(): Promise<void> {
    const flush = this.flush().finally(() => {
      if (this.inFlight === flush) this.inFlight = null;
    });
    this.inFlight = flush;
    return flush;
  }

  private async flush(): Promise<void> {
    this.fd ??= this.openWal().catch((error: unknown) => {
      this.fd = null;
      throw error;
    });
    await syncData(await this.fd);
  }

  /** Opened after the first commit has created the WAL; its directory entry is flushed once, as SQLite does at FULL. */
  private async openWal(): Promise<number> {
    const fd = await openFile(this.walPath, 'r+');
    const directory = await openFile(dirname(this.walPath), 'r');
    try {
      await syncFile(directory);
    } finally {
      await closeFile(directory);
    }
    return fd;
  }
}
