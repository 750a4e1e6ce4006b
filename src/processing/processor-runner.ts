import { EventStoreUnavailableError } from '../eventstore/errors';
import type { Subscription } from '../eventstore/event-store';
import { logContext } from '../observability/logger';
import { withRetry } from '../shared/retry';
import type { Processor } from './processor';
import { yieldIfBusy } from '../shared/event-loop-yield';
import { Runner, describe, type RunnerDependencies } from './runner';

/**
 * Runs a processor: each event is handled (retried with backoff, parked when it keeps failing —
 * unless the event store cannot write, which fails the runner instead) and then checkpointed, so
 * after a crash the last event may be handled again — never skipped.
 */
export class ProcessorRunner extends Runner {
  constructor(
    private readonly processor: Processor,
    deps: RunnerDependencies,
  ) {
    super('processor', processor.name, processor.filter, deps);
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
      let attempts = 0;
      try {
        // The handler's log lines (and its failures') carry the correlation id of the request the event came from.
        await logContext.run({ correlationId: event.metadata.correlationId }, () => withRetry(
          async (attempt) => {
            attempts = attempt;
            await this.processor.handle(event, { signal, fence: () => this.fence() });
          },
          this.retry,
          {
            signal,
            onFailure: (error, attempt) => {
              this.noteFailure(error);
              this.deps.logger.warn({ runner: this.checkpointName, eventId: event.id, attempt, err: describe(error) }, 'handler failed');
            },
          },
        ));
        this.noteRecovered();
      } catch (error) {
        if (signal.aborted) return;
        // The store cannot record anything now: no fault of the event. Fail, resubscribe from the
        // checkpoint and handle it again later rather than skip it.
        if (error instanceof EventStoreUnavailableError) throw error;
        await this.park(event, error, attempts);
      }
      if (signal.aborted) return;
      if (++handled % (this.processor.checkpointEvery ?? 1) === 0) await this.saveCheckpoint(event.position);
      else this.markProcessed(event.position);
    }
  }
}
