import { setImmediate } from 'node:timers/promises';

/** Longest stretch of synchronous work the runners (and long computations) together do before letting the HTTP server answer. */
const SLICE_MS = 10;

/** When the current turn of the event loop began, as far as the runners know. */
let turnStartedAt = performance.now();
let turnMarkerQueued = false;

/**
 * Catching up reads, folds and writes synchronously (node:sqlite) and awaits only resolved
 * promises, which never lets I/O run: without a yield, a long catch-up starves the HTTP server
 * (/health included). Every runner calls this between events, and the intent placement and the
 * solver's worker between their steps; the budget is shared, so together they work about SLICE_MS
 * per turn of the event loop, then I/O is served.
 */
export async function yieldIfBusy(): Promise<void> {
  if (performance.now() - turnStartedAt < SLICE_MS) return;
  if (!turnMarkerQueued) {
    // Queued before the yielding runners resume: the next turn's budget starts when they do.
    turnMarkerQueued = true;
    void setImmediate().then(() => {
      turnMarkerQueued = false;
      turnStartedAt = performance.now();
    });
  }
  await setImmediate();
}
