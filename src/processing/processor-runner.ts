import { EventStoreUnavailableError } from '../eventstore/errors';
import type { EventMetadata, RecordedEvent, Subscription } from '../eventstore/event-store';
import { logContext } from '../observability/logger';
import { LeaseLostError } from '../readstore/read-store';
import { Mutex } from '../shared/mutex';
import { withRetry } from '../shared/retry';
import type { ParkedEntry } from './parking';
import type { Processor } from './processor';
import { yieldIfBusy } from '../shared/event-loop-yield';
import { NotLeaseHolderError, Runner, describe, type RunnerDependencies } from './runner';

/** The most parked events one re-drive handles (a request may ask for fewer, or up to MAX_REDRIVE_PAGE). */
export const REDRIVE_PAGE = 100;
export const MAX_REDRIVE_PAGE = 1000;

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

  protected async consume(subscription: Subscription, signal: AbortSignal): Promise<void> {
    let handled = 0;
    for await (const message of subscription) {
      if (signal.aborted) return;
      await yieldIfBusy();
      if (message.kind === 'caughtUp') {
        await this.saveCheckpoint(message.position);
        continue;
      }
      const { event } = message;
      await this.handling.run(() => this.handleOrPark(event, signal));
      if (signal.aborted) return;
      if (++handled % (this.processor.checkpointEvery ?? 1) === 0) await this.saveCheckpoint(event.position);
      else this.markProcessed(event.position);
    }
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
      const outcome = await this.handling.run(async () => {
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
