import type { EventStore } from '../eventstore/event-store';
import type { Logger } from '../observability/logger';
import type { ReadStore } from '../readstore/read-store';
import { sleep, type RetryPolicy } from '../shared/retry';
import type { EventMetadata } from '../eventstore/event-store';
import { isDeadPredecessor, leaseOwnerId, thisProcess } from './lease-owner';
import { ParkedEvents, type ParkedEntry } from './parking';
import type { Processor } from './processor';
import { ProcessorRunner, UnknownParkedEventError, type ParkedRetryReport } from './processor-runner';
import type { Projection } from './projection';
import { ProjectionRunner, type RebuildProgress, type RebuildReport } from './projection-runner';
import type { Runner, RunnerStatus } from './runner';

export interface RunnerReport extends RunnerStatus {
  /** Events in `$all` after the processed position (an upper bound for filtered runners). */
  lag: number;
  rebuild?: RebuildProgress;
}

export class UnknownProjectionError extends Error {
  override readonly name = 'UnknownProjectionError';
  constructor(readonly projection: string) {
    super(`No projection named ${projection}`);
  }
}

export class UnknownProcessorError extends Error {
  override readonly name = 'UnknownProcessorError';
  constructor(readonly processor: string) {
    super(`No processor named ${processor}`);
  }
}

/** Owns every projection and processor of this instance: start, stop, awaiters, status and parked events. */
export class ProcessingHost {
  private readonly self = thisProcess();
  readonly owner = leaseOwnerId(this.self);
  private readonly projections = new Map<string, ProjectionRunner>();
  private readonly processors = new Map<string, ProcessorRunner>();
  private started = false;
  /** The head of `$all` at the last report. */
  private knownHead = 0;
  /** Every runner's parked events, durably (the `parked-<runner>` streams). */
  private readonly parked: ParkedEvents;
  /** Whether every projection has processed the events recorded before this instance started (readiness). */
  private caughtUp = false;

  constructor(
    private readonly deps: { eventStore: EventStore; readStore: ReadStore; logger: Logger; retry?: RetryPolicy; leaseTtlMs?: number; parkedSnapshotEvery?: number },
  ) {
    this.parked = new ParkedEvents(deps.eventStore, deps.parkedSnapshotEvery);
  }

  addProjection<TDoc>(projection: Projection<TDoc>): this {
    const runner = new ProjectionRunner(projection as Projection, { ...this.deps, owner: this.owner, parked: this.parked });
    this.projections.set(projection.name, runner);
    if (this.started) runner.start();
    return this;
  }

  addProcessor(processor: Processor): this {
    const runner = new ProcessorRunner(processor, { ...this.deps, owner: this.owner, parked: this.parked });
    this.processors.set(processor.name, runner);
    if (this.started) runner.start();
    return this;
  }

  /**
   * Releases the leases a dead process of this host held (SMO killed, then started again: isDeadPredecessor), so this
   * instance takes its processors, projections and jobs at once rather than after their SMO_LEASE_TTL. Call before
   * start(). Answers the leases released; none when the store cannot list them or cannot be read now (they expire).
   */
  async releaseLeasesOfDeadPredecessors(): Promise<string[]> {
    const { readStore, logger } = this.deps;
    try {
      const released: string[] = [];
      for (const { name, owner } of (await readStore.leaseHolders?.()) ?? []) {
        if (!isDeadPredecessor(owner, this.self)) continue;
        await readStore.releaseLease(name, owner);
        released.push(name);
      }
      if (released.length > 0) logger.warn({ released: released.length, leases: released.slice(0, 20) }, 'released the leases of a process of this host that no longer runs (it stopped without releasing them: killed?)');
      return released;
    } catch (error) {
      logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not look for leases left by a dead process; they expire after SMO_LEASE_TTL');
      return [];
    }
  }

  start(): void {
    this.started = true;
    this.runners().forEach((runner) => runner.start());
    void this.catchUpAtStart();
  }

  /**
   * Whether the read models have caught up with what was recorded before this instance started: until then
   * (after a restart over history appended while SMO was down, a new projection's first run, a new read
   * store) the query routes answer from behind, and GET /health/ready says not to route to this instance.
   * It stays true afterwards: lag from live traffic is the read-your-writes awaiters' business.
   */
  caughtUpAtStart(): boolean {
    return this.caughtUp;
  }

  private async catchUpAtStart(): Promise<void> {
    let head: number | null = null;
    while (this.started && !this.caughtUp) {
      try {
        head ??= (await this.deps.eventStore.headPosition()) ?? 0;
        // Short waits, so that a stop is not held up by the awaiter's timer; a projection on another instance (standby here) counts by the checkpoint it stores.
        await this.whenProcessed(head, { timeoutMs: 1000 });
        this.caughtUp = true;
      } catch {
        // Not there yet, or the store cannot be reached: ask again.
        await sleep(100);
      }
    }
  }

  /** Stops every runner after the event it is handling; checkpoints of finished work are saved. */
  async stop(): Promise<void> {
    this.started = false;
    await Promise.all(this.runners().map((runner) => runner.stop()));
  }

  /** Read-your-writes: resolves once every projection (and, with `includeProcessors`, every processor) has processed `position`. */
  async whenProcessed(position: number, options: { timeoutMs?: number; includeProcessors?: boolean; names?: readonly string[] } = {}): Promise<void> {
    const candidates = options.includeProcessors ? this.runners() : [...this.projections.values()];
    const runners = options.names ? candidates.filter((runner) => options.names!.includes(runner.name)) : candidates;
    await Promise.all(runners.map((runner) => runner.whenProcessed(position, options.timeoutMs ?? 10_000)));
  }

  /** Resolves once every runner has processed the head of `$all`, including events appended meanwhile by processors. */
  async whenIdle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const head = (await this.deps.eventStore.headPosition()) ?? 0;
      await this.whenProcessed(head, { timeoutMs: Math.max(1, deadline - Date.now()), includeProcessors: true });
      if (((await this.deps.eventStore.headPosition()) ?? 0) === head) return;
    }
  }

  /**
   * Every runner's status and lag. While the event store cannot be reached (/health then says it is down), lag
   * is counted from the last head read: /health and /metrics keep answering what this instance knows.
   * A processor's parked events are its unresolved ones in the store (whichever instance parked them, before
   * a restart too); a projection's are those this instance parked since it started (a rebuild replaces them).
   */
  async report(): Promise<RunnerReport[]> {
    const head = await this.deps.eventStore.headPosition().then(
      (position) => (this.knownHead = position ?? 0),
      () => this.knownHead,
    );
    return Promise.all(
      this.runners().map(async (runner) => {
        // A standby runner is where the instance holding its lease stored it.
        const status = { ...runner.status(), processedPosition: await runner.position() };
        const rebuild = runner instanceof ProjectionRunner ? runner.rebuildProgress() : null;
        const parkedEvents = runner instanceof ProcessorRunner ? await this.parked.count(runner.checkpointName) : status.parkedEvents;
        return { ...status, parkedEvents, lag: Math.max(0, head - status.processedPosition), ...(rebuild ? { rebuild } : {}) };
      }),
    );
  }

  processorNames(): string[] {
    return [...this.processors.keys()];
  }

  /** A processor's unresolved parked events in `$all` order, at most `limit` after position `after`. */
  async parkedEvents(name: string, page: { limit: number; after?: number }): Promise<{ events: ParkedEntry[]; total: number }> {
    const runner = this.processor(name);
    const unresolved = await this.parked.unresolved(runner.checkpointName);
    const after = page.after;
    return { events: (after === undefined ? unresolved : unresolved.filter((entry) => entry.position > after)).slice(0, page.limit), total: unresolved.length };
  }

  /** Handles a processor's parked events again (see ProcessorRunner.retryParked). */
  retryParked(name: string, options: { eventId?: string; limit?: number; metadata?: EventMetadata } = {}): Promise<ParkedRetryReport> {
    return this.processor(name).retryParked(options);
  }

  /** Resolves a parked event without handling it: an operator decided it can never succeed. */
  async discardParked(name: string, eventId: string, why: { by: string; reason?: string }, metadata: EventMetadata = {}): Promise<ParkedEntry> {
    const runner = this.processor(name);
    const entry = await this.parked.find(runner.checkpointName, eventId);
    if (!entry || !(await this.parked.resolve(runner.checkpointName, eventId, { resolution: 'discarded', by: why.by, ...(why.reason ? { reason: why.reason } : {}) }, metadata))) {
      throw new UnknownParkedEventError(name, eventId);
    }
    this.deps.logger.warn({ runner: runner.checkpointName, eventId, eventType: entry.eventType, by: why.by, reason: why.reason }, 'parked event discarded');
    return entry;
  }

  private processor(name: string): ProcessorRunner {
    const runner = this.processors.get(name);
    if (!runner) throw new UnknownProcessorError(name);
    return runner;
  }

  projectionNames(): string[] {
    return [...this.projections.keys()];
  }

  rebuild(name: string, onProgress?: (progress: RebuildProgress) => void): Promise<RebuildReport> {
    const runner = this.projections.get(name);
    if (!runner) throw new UnknownProjectionError(name);
    return runner.rebuild(onProgress);
  }

  private runners(): Runner[] {
    return [...this.projections.values(), ...this.processors.values()];
  }
}
