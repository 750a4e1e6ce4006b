import { EventStoreUnavailableError } from '../eventstore/errors';
import type { EventMetadata, RecordedEvent, Subscription } from '../eventstore/event-store';
import { logContext } from '../observability/logger';
import { LeaseLostError } from '../readstore/read-store';
import { KeyedMutex, Mutex } from '../shared/mutex';
import pLimit from 'p-limit';
import { withRetry } from '../shared/retry';
import type { ParkedEntry } from './parking';
import type { Processor } from './processor';
import { yieldIfBusy } from '../shared/event-loop-yield';
import { NotLeaseHolderError, Runner, describe, type RunnerDependencies } from './runner';

/** The most parked events one re-drive handles (a request may ask for fewer, or up to MAX_REDRIVE_PAGE). */
export const REDRIVE_PAGE = 100;
export const MAX_REDRIVE_PAGE = 1000;
/** Events read ahead of the oldest one still under way, when streams are handled at once: a bound on memory. */
export const MAX_EVENTS_UNDER_WAY = 256;

/** What a re-drive did with one parked event. */
export interface ParkedRetryOutcome {
  eventId: string;
  eventType: string;
  streamId: string;
  position: number;
  outcome: 'handled' | 'failed';
  /** Attempts of this re-drive. */
  attempts: number;
  error?: string;
}

export interface ParkedRetryReport {
  processor: string;
  handled: number;
  failed: number;
  results: ParkedRetryOutcome[];
  /** Parked events still unresolved afterwards. */
  unresolved: number;
}

/** The processor runs nowhere on this instance right now (stopping, or resubscribing after a failure). */
export class ProcessorNotRunningError extends Error {
  override readonly name = 'ProcessorNotRunningError';
  constructor(
    readonly processor: string,
    readonly state: string,
  ) {
    super(`Processor ${processor} is not running on this instance now (${state}); try again shortly`);
  }
}

export class UnknownParkedEventError extends Error {
  override readonly name = 'UnknownParkedEventError';
  constructor(
    readonly processor: string,
    readonly eventId: string,
  ) {
    super(`Processor ${processor} has no unresolved parked event ${eventId}`);
  }
}

/**
 * Runs a processor: each event is handled (retried with backoff, parked when it keeps failing —
 * unless the event store cannot write, which fails the runner instead) and then checkpointed, so
 * after a crash the last event may be handled again — never skipped. Parked events can be handled
 * again (`retryParked`) by the instance that holds the lease, one at a time with the live events.
 */
export class ProcessorRunner extends Runner {
  /** One event handled at a time: the live loop's and a re-drive's take turns. */
  private readonly handling = new Mutex();
  /** With concurrentStreams, one event of each stream at a time instead. */
  private readonly handlingByStream = new KeyedMutex();
  /** One re-drive at a time: a second (a double click, the CLI beside the console) reads what the first left parked. */
  private readonly redrives = new Mutex();

  constructor(
    private readonly processor: Processor,
    deps: RunnerDependencies,
  ) {
    super('processor', processor.name, processor.filter, deps);
  }

  protected override async leaseTaken(signal: AbortSignal): Promise<void> {
    await this.processor.onLeaseTaken?.({ signal, fence: () => this.fenceUnlessEnded(signal) });
  }

  /** The turn an event of `streamId` waits for: its stream's, or every event's one at a time. */
  private turn<T>(streamId: string, work: () => Promise<T>): Promise<T> {
    return (this.processor.concurrentStreams ?? 1) > 1 ? this.handlingByStream.run(streamId, work) : this.handling.run(work);
  }

  protected async consume(subscription: Subscription, signal: AbortSignal): Promise<void> {
    if ((this.processor.concurrentStreams ?? 1) > 1) return this.consumeStreamsAtOnce(subscription, signal, this.processor.concurrentStreams!);
    let handled = 0;
    for await (const message of subscription) {
      if (signal.aborted) return;
      await yieldIfBusy();
      if (message.kind === 'caughtUp') {
        await this.saveCheckpoint(message.position);
        continue;
      }
      const { event } = message;
      await this.turn(event.streamId, () => this.handleOrPark(event, signal));
      if (signal.aborted) return;
      if (++handled % (this.processor.checkpointEvery ?? 1) === 0) await this.saveCheckpoint(event.position);
      else this.markProcessed(event.position);
    }
  }

  /**
   * consume() for Processor.concurrentStreams: each event waits for its stream's turn and for one of `streams` slots;
   * the checkpoint (and the position awaiters see) moves to the last event before the oldest still under way. A
   * handler's failure that fails the runner (the store cannot record) stops reading; the events under way finish, then
   * it is thrown, and the next session starts from the checkpoint.
   */
  private async consumeStreamsAtOnce(subscription: Subscription, signal: AbortSignal, streams: number): Promise<void> {
    const slots = pLimit(streams);
    /** Positions handed out and not finished, in `$all` order; and those finished before an older one. */
    const underWay: number[] = [];
    const finishedEarly = new Set<number>();
    /** The furthest position read (an event, or a caught-up mark): safe once nothing is under way. */
    let furthest = 0;
    let failure: { error: unknown } | null = null;
    // Ends the reading at once, not at the next event (a quiet stream would keep the session, and the event, waiting).
    const fail = (error: unknown) => {
      failure ??= { error };
      void subscription.close();
    };
    const checkpoints = new Mutex();
    let saved = 0;
    const advance = () => {
      while (underWay.length > 0 && finishedEarly.delete(underWay[0]!)) underWay.shift();
      const safe = underWay.length > 0 ? underWay[0]! - 1 : furthest;
      if (safe <= saved) return Promise.resolve();
      saved = safe;
      return checkpoints.run(() => this.saveCheckpoint(safe));
    };
    const running = new Set<Promise<void>>();
    for await (const message of subscription) {
      if (signal.aborted || failure) break;
      await yieldIfBusy();
      furthest = Math.max(furthest, message.kind === 'caughtUp' ? message.position : message.event.position);
      if (message.kind === 'caughtUp') {
        await advance();
        continue;
      }
      const { event } = message;
      underWay.push(event.position);
      const handled = this.turn(event.streamId, () => (failure || signal.aborted ? Promise.resolve() : slots(() => this.handleOrPark(event, signal))))
        .then(
          () => {
            if (!failure && !signal.aborted) finishedEarly.add(event.position);
          },
          fail,
        )
        .then(() => (failure || signal.aborted ? undefined : advance()))
        .catch(fail)
        .finally(() => running.delete(handled));
      running.add(handled);
      // A bound on what is read ahead of a stream that does not move (a hung helm): wait for the oldest to finish.
      while (underWay.length >= MAX_EVENTS_UNDER_WAY && !failure && !signal.aborted) await Promise.race(running);
    }
    await Promise.all(running);
    if (failure && !signal.aborted) throw (failure as { error: unknown }).error;
  }

  /**
   * Handles this processor's unresolved parked events (or only `eventId`) again, in `$all` order,
   * through the processor's handle() with its retry policy, context and fence, as the live loop
   * would: a success resolves the event, a failure is recorded and the event stays parked. Only
   * the instance that holds the processor's lease may do it (NotLeaseHolderError otherwise,
   * ProcessorNotRunningError between sessions); a lease lost meanwhile stops it (LeaseLostError).
   */
  retryParked(options: { eventId?: string; limit?: number; metadata?: EventMetadata } = {}): Promise<ParkedRetryReport> {
    return this.redrives.run(() => this.retryParkedNow(options));
  }

  private async retryParkedNow(options: { eventId?: string; limit?: number; metadata?: EventMetadata }): Promise<ParkedRetryReport> {
    const signal = this.sessionSignal;
    if (this.state === 'standby') throw new NotLeaseHolderError('Processor', this.name);
    if (!signal || signal.aborted) throw new ProcessorNotRunningError(this.name, this.state);
    if (!(await this.lease.confirm())) throw new NotLeaseHolderError('Processor', this.name);
    let entries = await this.deps.parked.unresolved(this.checkpointName);
    if (options.eventId !== undefined) {
      entries = entries.filter((entry) => entry.eventId === options.eventId);
      if (entries.length === 0) throw new UnknownParkedEventError(this.name, options.eventId);
    }
    // A bounded request: each event may take the retry policy's attempts and backoff; `unresolved` says what is left.
    entries = entries.slice(0, options.limit ?? REDRIVE_PAGE);
    const results: ParkedRetryOutcome[] = [];
    for (const entry of entries) {
      if (signal.aborted) throw new ProcessorNotRunningError(this.name, this.state);
      const outcome = await this.turn(entry.streamId, async () => {
        // Discarded meanwhile (the discard does not wait for a re-drive): not handled.
        const still = (await this.deps.parked.find(this.checkpointName, entry.eventId)) !== null;
        return still ? this.redrive(entry, signal, options.metadata ?? {}) : null;
      });
      if (outcome) results.push(outcome);
    }
    return {
      processor: this.name,
      handled: results.filter((result) => result.outcome === 'handled').length,
      failed: results.filter((result) => result.outcome === 'failed').length,
      results,
      unresolved: await this.deps.parked.count(this.checkpointName),
    };
  }

  private async handleOrPark(event: RecordedEvent, signal: AbortSignal): Promise<void> {
    let attempts = 0;
    try {
      await this.handleWithRetries(event, signal, (attempt) => (attempts = attempt));
      this.noteRecovered();
      if (this.processor.supersedesParked) await this.supersedeParked(event, this.processor.supersedesParked.bind(this.processor));
    } catch (error) {
      if (signal.aborted) return;
      // The store cannot record anything now: no fault of the event. Fail, resubscribe from the
      // checkpoint and handle it again later rather than skip it.
      if (error instanceof EventStoreUnavailableError) throw error;
      await this.park(event, error, attempts);
    }
  }

  /**
   * The stream's earlier parked events the processor says `event`'s handling did (Processor.supersedesParked: a graph's
   * deployment parked during a Karmada outage, then its retry deployed it) are resolved, so /health no longer counts
   * them. A failure to record that leaves them parked, and the event handled: the stream's next event tries again.
   */
  private async supersedeParked(event: RecordedEvent, supersedes: (parked: ParkedEntry, handled: RecordedEvent) => Promise<boolean>): Promise<void> {
    try {
      const superseded = await this.deps.parked.supersede(this.checkpointName, event, (parked) => supersedes(parked, event));
      if (superseded.length > 0) this.deps.logger.info({ runner: this.checkpointName, eventId: event.id, streamId: event.streamId, superseded }, 'parked events superseded');
    } catch (error) {
      this.deps.logger.warn({ runner: this.checkpointName, eventId: event.id, err: describe(error) }, 'could not resolve the parked events this event supersedes');
    }
  }

  private async redrive(entry: ParkedEntry, signal: AbortSignal, metadata: EventMetadata): Promise<ParkedRetryOutcome> {
    const about = { eventId: entry.eventId, eventType: entry.eventType, streamId: entry.streamId, position: entry.position };
    let attempts = 0;
    try {
      // $all keeps every event, a soft-deleted stream's too: the event is where it was parked from.
      const [event] = await this.deps.eventStore.readAll({ fromPosition: entry.position, maxCount: 1 });
      if (event?.id !== entry.eventId) throw new Error(`event ${entry.eventId} is no longer at position ${entry.position} of $all`);
      await this.handleWithRetries(event, signal, (attempt) => (attempts = attempt), false);
    } catch (error) {
      if (signal.aborted) throw error instanceof LeaseLostError ? error : new ProcessorNotRunningError(this.name, this.state);
      if (error instanceof EventStoreUnavailableError) throw error;
      await this.deps.parked.retryFailed(this.checkpointName, entry.eventId, error, attempts, metadata);
      this.deps.logger.warn({ runner: this.checkpointName, ...about, err: describe(error) }, 'parked event failed again; still parked');
      return { ...about, outcome: 'failed', attempts, error: describe(error) };
    }
    await this.deps.parked.resolve(this.checkpointName, entry.eventId, { resolution: 'handled', attempts }, metadata);
    this.deps.logger.info({ runner: this.checkpointName, ...about, attempts }, 'parked event handled');
    return { ...about, outcome: 'handled', attempts };
  }

  /**
   * No side effect starts once the session has ended: SMO is stopping (SIGTERM) or the lease was lost. The
   * lease is still held while SMO stops, so the fence alone let a handler start helm call after helm call
   * (a graph's remaining releases) past the time a container runtime grants before SIGKILL; the event is
   * not checkpointed and is handled again at the next start.
   */
  private async fenceUnlessEnded(signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw new ProcessorNotRunningError(this.name, 'stopping');
    await this.fence();
  }

  /** A re-drive's failures are reported in its answer and recorded, not shown as the live loop failing. */
  private handleWithRetries(event: RecordedEvent, signal: AbortSignal, onAttempt: (attempt: number) => void, live = true): Promise<void> {
    // The handler's log lines (and its failures') carry the correlation id of the request the event came from.
    return logContext.run({ correlationId: event.metadata.correlationId }, () =>
      withRetry(
        async (attempt) => {
          onAttempt(attempt);
          await this.processor.handle(event, { signal, fence: () => this.fenceUnlessEnded(signal) });
        },
        this.retry,
        {
          signal,
          onFailure: (error, attempt) => {
            // Stopping is no failure of the handler's (see fenceUnlessEnded).
            if (signal.aborted) return;
            if (live) this.noteFailure(error);
            this.deps.logger.warn({ runner: this.checkpointName, eventId: event.id, attempt, err: describe(error) }, 'handler failed');
          },
        },
      ),
    );
  }
}
