import { EventEmitter } from 'node:events';
import type { EventFilter, EventStore, RecordedEvent, Subscription } from '../eventstore/event-store';
import type { Logger } from '../observability/logger';
import { LeaseLostError, type ReadStore } from '../readstore/read-store';
import { DEFAULT_RETRY, backoffDelay, sleep, type RetryPolicy } from '../shared/retry';
import { LeaseKeeper } from './lease-keeper';
import type { ParkedEvents } from './parking';

export type RunnerKind = 'projection' | 'processor';
export type RunnerState = 'idle' | 'standby' | 'running' | 'failing' | 'stopped';

/** How often a standby runner's awaiters read the checkpoint the active instance writes. */
const STANDBY_CHECKPOINT_POLL_MS = 50;

export interface RunnerStatus {
  name: string;
  kind: RunnerKind;
  state: RunnerState;
  /** Everything in `$all` up to here has been handled (or filtered out). */
  processedPosition: number;
  parkedEvents: number;
  lastError?: string;
}

export interface RunnerDependencies {
  eventStore: EventStore;
  readStore: ReadStore;
  logger: Logger;
  /** Identifies this SMO instance in leases. */
  owner: string;
  retry?: RetryPolicy;
  leaseTtlMs?: number;
  /** The durable record of parked events (every runner's `parked-<runner>` stream). */
  parked: ParkedEvents;
}

/**
 * Runs one consumer from its checkpoint: takes the lease, subscribes to `$all` exclusively after
 * the stored checkpoint, and resubscribes after any failure. Subclasses decide how events are
 * applied and when the checkpoint moves.
 */
export abstract class Runner {
  protected readonly lease: LeaseKeeper;
  protected readonly retry: RetryPolicy;
  protected state: RunnerState = 'idle';
  protected processed = 0;
  protected persisted = 0;
  /** Events this instance parked since it started (a processor's durable count is ParkedEvents'). */
  protected parked = 0;
  protected lastError: string | undefined;
  private readonly progress = new EventEmitter();
  /** Rejects a pending `whenProcessed` (and clears its timers): stop() ends those it leaves unmet. */
  private readonly awaiters = new Set<() => void>();
  private abort = new AbortController();
  private loop: Promise<void> | null = null;
  /** Ends the current session (lease lost); null between sessions. */
  private endSession: (() => void) | null = null;
  /** The signal of the session that holds the lease and consumes events; null between sessions. */
  protected sessionSignal: AbortSignal | null = null;

  constructor(
    readonly kind: RunnerKind,
    readonly name: string,
    protected readonly filter: EventFilter,
    protected readonly deps: RunnerDependencies,
  ) {
    this.retry = deps.retry ?? DEFAULT_RETRY;
    this.lease = new LeaseKeeper(deps.readStore, this.checkpointName, deps.owner, deps.leaseTtlMs ?? 30_000);
    this.progress.setMaxListeners(0);
  }

  get checkpointName(): string {
    return `${this.kind}:${this.name}`;
  }

  /** Consumes the subscription until it ends or `signal` aborts. */
  protected abstract consume(subscription: Subscription, signal: AbortSignal): Promise<void>;

  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    this.loop = this.run(this.abort.signal);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    this.loop = null;
    this.state = 'stopped';
    // Nothing moves this runner's position any more: an awaiter left waiting would hold its timers, and the process, until its timeout.
    for (const stopped of [...this.awaiters]) stopped();
  }

  status(): RunnerStatus {
    return {
      name: this.name,
      kind: this.kind,
      state: this.state,
      processedPosition: this.processed,
      parkedEvents: this.parked,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  /**
   * Everything in `$all` up to here has been handled: by this instance, or, while another instance holds the lease, by
   * that one, as far as the checkpoint it stored says (this instance's own position then stays where it stopped, and a
   * standby would report a lag that grows with every event). The own position when the store cannot be read.
   */
  async position(): Promise<number> {
    if (this.state !== 'standby') return this.processed;
    const stored = await this.deps.readStore.getCheckpoint(this.checkpointName).catch(() => null);
    return Math.max(this.processed, stored ?? 0);
  }

  /**
   * Resolves once everything up to `position` is processed, or rejects after `timeoutMs` or when the runner stops
   * first. One asked of a stopped runner waits for its restart (tests stop and start the processing host). While
   * another instance holds the lease, its stored checkpoint tells (polled), not this idle runner.
   */
  whenProcessed(position: number, timeoutMs: number): Promise<void> {
    if (this.processed >= position) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.processed < position) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new ReadModelBehindError(this.name, `${this.checkpointName} did not reach position ${position} within ${timeoutMs} ms (at ${this.processed})`));
      }, timeoutMs);
      const elsewhere = setInterval(() => {
        if (this.state !== 'standby') return;
        void this.position().then((reached) => {
          if (reached < position) return;
          cleanup();
          resolve();
        });
      }, STANDBY_CHECKPOINT_POLL_MS);
      const stopped = () => {
        cleanup();
        reject(new ReadModelBehindError(this.name, `${this.checkpointName} stopped before it reached position ${position} (at ${this.processed})`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        clearInterval(elsewhere);
        this.progress.off('processed', check);
        this.awaiters.delete(stopped);
      };
      this.progress.on('processed', check);
      this.awaiters.add(stopped);
    });
  }

  /** Called once the lease is taken, before the session subscribes: a processor's onLeaseTaken. */
  protected async leaseTaken(_signal: AbortSignal): Promise<void> {}

  /** Fencing before a side effect: this instance must still hold the lease, or the session ends (see ProcessorContext). */
  protected async fence(): Promise<void> {
    if (this.endSession && (await this.lease.confirm())) return;
    this.deps.logger.warn({ runner: this.checkpointName }, 'lease lost before a side effect; standing by');
    this.endSession?.();
    throw new LeaseLostError(this.checkpointName, this.lease.owner);
  }

  /** An attempt failed and will be retried: /health shows the runner failing, with why, meanwhile. */
  protected noteFailure(error: unknown): void {
    this.state = 'failing';
    this.lastError = describe(error);
  }

  /** Work succeeded after failures, or the failing event was parked: running again (the last error stays visible). */
  protected noteRecovered(): void {
    if (this.state === 'failing') this.state = 'running';
  }

  protected markProcessed(position: number): void {
    if (position <= this.processed) return;
    this.processed = position;
    this.progress.emit('processed');
  }

  /** Moves the stored checkpoint (fenced by the lease) after work that wrote nothing else. */
  protected async saveCheckpoint(position: number): Promise<void> {
    if (position > this.persisted) {
      await this.deps.readStore.commit([], { name: this.checkpointName, position, owner: this.lease.owner });
      this.persisted = position;
    }
    this.markProcessed(position);
  }

  /** Finishes an interrupted commit of this runner's (stores without transactions; see ReadStore.recoverCommit). */
  protected async recoverCommit(): Promise<void> {
    const writes = (await this.deps.readStore.recoverCommit?.(this.checkpointName, this.lease.owner)) ?? [];
    if (writes.length > 0) this.deps.logger.warn({ runner: this.checkpointName, writes: writes.length }, 'finished a commit that was interrupted');
  }

  protected async park(event: RecordedEvent, error: unknown, attempts: number): Promise<void> {
    await this.deps.parked.park(this.checkpointName, event, error, attempts);
    this.parked++;
    // The runner goes on with the next event: /health counts the parked one until it is re-driven or discarded.
    this.noteRecovered();
    this.deps.logger.error(
      { runner: this.checkpointName, eventId: event.id, eventType: event.type, position: event.position, err: describe(error) },
      'event parked after retries',
    );
  }

  private async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      let subscription: Subscription | null = null;
      const session = new AbortController();
      const endSession = () => session.abort();
      this.endSession = endSession;
      signal.addEventListener('abort', endSession, { once: true });
      try {
        const acquired = await this.lease.acquire(signal, () => (this.state = 'standby'));
        if (!acquired) break;
        this.lease.keepRenewed(
          () => {
            this.deps.logger.warn({ runner: this.checkpointName }, 'lease lost; standing by');
            endSession();
          },
          (error) => this.deps.logger.warn({ runner: this.checkpointName, err: describe(error) }, 'lease not renewed; retried while it lasts'),
        );
        // A commit of the previous session's (this instance's or a failed owner's) that was interrupted is finished before anything is folded from its checkpoint.
        await this.recoverCommit();
        await this.leaseTaken(session.signal);
        const checkpoint = await this.deps.readStore.getCheckpoint(this.checkpointName);
        this.persisted = checkpoint ?? 0;
        this.markProcessed(this.persisted);
        subscription = this.deps.eventStore.subscribeToAll({ fromPosition: checkpoint ?? 'start', filter: this.filter });
        const opened = subscription;
        session.signal.addEventListener('abort', () => void opened.close(), { once: true });
        this.state = 'running';
        this.sessionSignal = session.signal;
        await this.consume(subscription, session.signal);
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        failures++;
        this.state = 'failing';
        this.lastError = describe(error);
        this.deps.logger.error({ runner: this.checkpointName, err: this.lastError }, 'runner failed; resubscribing');
        await sleep(backoffDelay(this.retry, failures), signal);
      } finally {
        signal.removeEventListener('abort', endSession);
        this.endSession = null;
        this.sessionSignal = null;
        this.lease.stopRenewing();
        await subscription?.close();
      }
    }
    await this.lease.release().catch(() => undefined);
  }
}

/**
 * A runner did not reach a position within the time a request waited for it (its instance is slow, or died holding
 * the lease), or stopped first (SMO is shutting down): what was recorded is recorded, what reads it is behind. The
 * API answers 503 with Retry-After.
 */
export class ReadModelBehindError extends Error {
  constructor(
    readonly runner: string,
    message: string,
  ) {
    super(message);
    this.name = 'ReadModelBehindError';
  }
}

/** Work only the instance holding the runner's lease may do (a re-drive, a rebuild), asked of one standing by. */
export class NotLeaseHolderError extends Error {
  override readonly name = 'NotLeaseHolderError';
  constructor(
    readonly kind: 'Processor' | 'Projection',
    readonly runner: string,
  ) {
    super(`${kind} ${runner} runs on another SMO instance (this one stands by): send the request there, or wait for a fail-over`);
  }
}

export function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
