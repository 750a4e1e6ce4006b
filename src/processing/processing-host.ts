import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { EventStore } from '../eventstore/event-store';
import type { Logger } from '../observability/logger';
import type { ReadStore } from '../readstore/read-store';
import type { RetryPolicy } from '../shared/retry';
import type { Processor } from './processor';
import { ProcessorRunner } from './processor-runner';
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

/** Owns every projection and processor of this instance: start, stop, awaiters and status. */
export class ProcessingHost {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly projections = new Map<string, ProjectionRunner>();
  private readonly processors = new Map<string, ProcessorRunner>();
  private started = false;
  /** The head of `$all` at the last report. */
  private knownHead = 0;

  constructor(
    private readonly deps: { eventStore: EventStore; readStore: ReadStore; logger: Logger; retry?: RetryPolicy; leaseTtlMs?: number },
  ) {}

  addProjection<TDoc>(projection: Projection<TDoc>): this {
    const runner = new ProjectionRunner(projection as Projection, { ...this.deps, owner: this.owner });
    this.projections.set(projection.name, runner);
    if (this.started) runner.start();
    return this;
  }

  addProcessor(processor: Processor): this {
    const runner = new ProcessorRunner(processor, { ...this.deps, owner: this.owner });
    this.processors.set(processor.name, runner);
    if (this.started) runner.start();
    return this;
  }

  start(): void {
    this.started = true;
    this.runners().forEach((runner) => runner.start());
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
   */
  async report(): Promise<RunnerReport[]> {
    const head = await this.deps.eventStore.headPosition().then(
      (position) => (this.knownHead = position ?? 0),
      () => this.knownHead,
    );
    return this.runners().map((runner) => {
      const status = runner.status();
      const rebuild = runner instanceof ProjectionRunner ? runner.rebuildProgress() : null;
      return { ...status, lag: Math.max(0, head - status.processedPosition), ...(rebuild ? { rebuild } : {}) };
    });
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
