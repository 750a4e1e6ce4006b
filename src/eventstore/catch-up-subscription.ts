import type { EventFilter, RecordedEvent, SubscribeToAllOptions, Subscription, SubscriptionMessage } from './event-store';

/** What an embedded store offers a catch-up subscription. */
export interface CatchUpSource {
  /** Events after `position` matching the filter, oldest first, and the head of `$all` seen by the same read. */
  readPageAfter(position: number, limit: number, filter: EventFilter | undefined): Promise<{ events: RecordedEvent[]; head: number }>;
  /** A counter that changes whenever this process appends; read before a page to detect appends made meanwhile. */
  appendSequence(): number;
  /** Resolves on the next append in this process or after `pollMs` (appends by other processes are found by polling). */
  waitForAppend(sinceSequence: number, pollMs: number, signal: AbortSignal): Promise<void>;
}

const DEFAULT_BATCH = 500;
const POLL_MS = 500;

/**
 * A catch-up subscription to `$all` for the embedded stores: it pages through history from an
 * exclusive start position, signals `caughtUp` whenever it has seen everything, and then follows
 * new appends. Pull-based (async iteration), so a slow consumer applies back-pressure.
 */
export class CatchUpSubscription implements Subscription {
  private readonly abort = new AbortController();

  constructor(
    private readonly source: CatchUpSource,
    private readonly options: SubscribeToAllOptions = {},
  ) {}

  async close(): Promise<void> {
    this.abort.abort();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SubscriptionMessage> {
    const batch = this.options.batchSize ?? DEFAULT_BATCH;
    const from = this.options.fromPosition;
    let position = from === undefined || from === 'start' ? 0 : from;
    let announced: number | undefined;
    while (!this.abort.signal.aborted) {
      const sequence = this.source.appendSequence();
      const { events, head } = await this.source.readPageAfter(position, batch, this.options.filter);
      for (const event of events) {
        if (this.abort.signal.aborted) return;
        position = event.position;
        yield { kind: 'event', event };
      }
      if (events.length < batch) {
        position = Math.max(position, head);
        if (announced !== position) {
          announced = position;
          yield { kind: 'caughtUp', position };
        }
        await this.source.waitForAppend(sequence, POLL_MS, this.abort.signal);
      }
    }
  }
}

/** Tracks this process's appends and wakes waiting subscriptions. */
export class AppendNotifier {
  private sequence = 0;
  private waiters = new Set<() => void>();

  current(): number {
    return this.sequence;
  }

  /**
   * Counts the append at once (a page read from now on includes it) but wakes the waiting
   * subscriptions on the next turn of the event loop: the command that appended answers its
   * client first, instead of after every projection and processor has read and handled its event.
   */
  notify(): void {
    this.sequence++;
    const waiters = this.waiters;
    this.waiters = new Set();
    if (waiters.size > 0) setImmediate(() => waiters.forEach((wake) => wake()));
  }

  wait(sinceSequence: number, pollMs: number, signal: AbortSignal): Promise<void> {
    if (this.sequence !== sinceSequence || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, pollMs);
      this.waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
