import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { yieldIfBusy } from '../../shared/event-loop-yield';
import type { LinearModel, SolveOptions, SolveResult, Solver, SolverName } from '../solver';
import { failedResult } from './solution';
import { type ModelPart, MODEL_PART_ITEMS } from './solver-worker-messages';

/** How long past its time limit a solve may run before its worker is ended: a fixed grace, and its model's load time. */
const GRACE_MS = 2_000;
/**
 * Per variable, constraint term, objective term or start value: the solver's clock starts only once the model is
 * taken in (sent, indexed, loaded into HiGHS). Measured: 0.85 million items took 1.9 s on an idle machine (2.2 µs each),
 * so a fixed 2 s ended such solves before they began; 5 µs leaves room for a busy one.
 */
const LOAD_MS_PER_ITEM = 0.005;
/** A worker without a solve for this long is ended: its WebAssembly module and heap are given back. */
const IDLE_MS = 10 * 60_000;
/** The worker's old generation: a model too large for it fails that solve (status error), not SMO. */
const WORKER_HEAP_MB = 1_024;

interface Job {
  readonly model: LinearModel;
  readonly options: SolveOptions;
  readonly resolve: (result: SolveResult) => void;
}

/**
 * A solver whose solves run in a worker thread, one at a time, in arrival order. A solve is
 * synchronous WebAssembly that runs up to its time limit: in the event loop's thread, a large
 * placement held every request, /health included, for seconds. Here the event loop keeps turning.
 * The worker starts on the first solve and ends after IDLE_MS without one. A solve unanswered
 * GRACE_MS past its time limit, or a worker that dies (out of memory), answers status `error`; the
 * next solve starts a fresh worker.
 */
export class WorkerSolver implements Solver {
  private worker: Worker | null = null;
  private readonly queue: Job[] = [];
  private running: { job: Job; started: number; timer: NodeJS.Timeout } | null = null;
  private idle: NodeJS.Timeout | null = null;

  constructor(
    readonly name: SolverName,
    /** The script a worker runs (tests give one that never answers). */
    private readonly script: string = solverWorkerScript(),
  ) {}

  solve(model: LinearModel, options: SolveOptions): Promise<SolveResult> {
    return new Promise((resolve) => {
      this.queue.push({ model, options, resolve });
      this.next();
    });
  }

  /** Ends the worker (a pending solve answers `error`); resolves once its thread has ended. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.end('the solver was closed');
    await worker?.terminate();
  }

  private next(): void {
    if (this.running !== null) return;
    const job = this.queue.shift();
    if (job === undefined) {
      this.idle ??= setTimeout(() => this.end('idle'), IDLE_MS).unref();
      this.worker?.unref();
      return;
    }
    const worker = this.started();
    const grace = GRACE_MS + Math.ceil(modelItems(job) * LOAD_MS_PER_ITEM);
    const timer = setTimeout(() => this.end(`no answer within the time limit (${job.options.timeLimitMs} ms) and ${grace} ms more`), job.options.timeLimitMs + grace);
    this.running = { job, started: performance.now(), timer };
    void this.send(worker, job);
  }

  /**
   * The model in parts of at most MODEL_PART_ITEMS variables, constraints or objective terms, the event loop
   * free to turn between them: copying a model of hundreds of thousands of variables to the worker in one
   * message had held it for over a second.
   */
  private async send(worker: Worker, { model, options }: Job): Promise<void> {
    const { objective, variables, constraints, ...header } = model;
    const parts: ModelPart[] = [{ kind: 'begin', solver: this.name, header, options }];
    for (let i = 0; i < objective.length; i += MODEL_PART_ITEMS) parts.push({ kind: 'objective', items: objective.slice(i, i + MODEL_PART_ITEMS) });
    for (let i = 0; i < variables.length; i += MODEL_PART_ITEMS) parts.push({ kind: 'variables', items: variables.slice(i, i + MODEL_PART_ITEMS) });
    for (let i = 0, items = 0, from = 0; i <= constraints.length; i++) {
      // Constraints by their terms: a part holds about MODEL_PART_ITEMS terms.
      if (i === constraints.length || items >= MODEL_PART_ITEMS) {
        if (i > from) parts.push({ kind: 'constraints', items: constraints.slice(from, i) });
        from = i;
        items = 0;
      }
      items += constraints[i]?.terms.length ?? 0;
    }
    parts.push({ kind: 'solve' });
    for (const part of parts) {
      if (worker !== this.worker) return; // ended meanwhile
      worker.postMessage(part);
      await yieldIfBusy();
    }
  }

  private started(): Worker {
    if (this.idle !== null) clearTimeout(this.idle);
    this.idle = null;
    if (this.worker === null) {
      const worker = new Worker(this.script, { eval: true, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
      worker.on('message', (result: SolveResult) => this.answered(worker, result));
      worker.on('error', (error) => this.lost(worker, `the solver's worker failed: ${error.message}`));
      worker.on('exit', (code) => this.lost(worker, `the solver's worker exited (${code})`));
      this.worker = worker;
    }
    // A pending solve keeps the process alive, as an in-thread one would; an idle worker does not.
    this.worker.ref();
    return this.worker;
  }

  private answered(worker: Worker, result: SolveResult): void {
    if (worker !== this.worker || this.running === null) return;
    clearTimeout(this.running.timer);
    const { job } = this.running;
    this.running = null;
    job.resolve(result);
    this.next();
  }

  private lost(worker: Worker, message: string): void {
    if (worker === this.worker) this.end(message);
  }

  /** Ends the worker; a running solve answers `error` with `message`, and the queue goes on in a fresh one. */
  private end(message: string): void {
    const worker = this.worker;
    this.worker = null;
    if (this.idle !== null) clearTimeout(this.idle);
    this.idle = null;
    if (worker !== null) void worker.terminate();
    const running = this.running;
    this.running = null;
    if (running !== null) {
      clearTimeout(running.timer);
      running.job.resolve(failedResult(this.name, 'error', performance.now() - running.started, message));
    }
    if (this.queue.length > 0) this.next();
  }
}

/** What a worker takes in for a solve: variables, constraint and objective terms, start values. */
function modelItems({ model, options }: Job): number {
  let items = model.variables.length + model.objective.length + (options.start?.size ?? 0);
  for (const constraint of model.constraints) items += constraint.terms.length;
  return items;
}

/** The worker's script: solver-worker, through the TypeScript hook when SMO runs from its sources (tests, benches). */
function solverWorkerScript(): string {
  const source = extname(__filename) === '.ts';
  const register = source ? `require(${JSON.stringify(join(__dirname, '..', '..', '..', 'scripts', 'register-ts.cjs'))});` : '';
  return `${register}require(${JSON.stringify(join(__dirname, `solver-worker${source ? '.ts' : '.js'}`))});`;
}
