import { setImmediate } from 'node:timers/promises';

/** Longest stretch of synchronous work a runner does before letting the HTTP server answer. */
const SLICE_MS = 10;

/**
 * Catching up reads, folds and writes synchronously (node:sqlite) and awaits only resolved
 * promises, which never lets I/O run: without a yield, a long catch-up starves the HTTP server
 * (/health included). This lets the event loop turn at least every SLICE_MS.
 */
export class EventLoopYield {
  private since = performance.now();

  async maybeYield(): Promise<void> {
    if (performance.now() - this.since < SLICE_MS) return;
    await setImmediate();
    this.since = performance.now();
  }
}
