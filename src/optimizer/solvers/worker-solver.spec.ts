import { readdirSync } from 'node:fs';
import { buildPlacementMilp } from '../placement-milp-model';
import { buildPlacementProblem } from '../problem';
import type { LinearModel } from '../solver';
import { getSolver } from '../solver-selection';
import { randomPlacementInstance } from '../testing/random-instances';
import { WorkerSolver } from './worker-solver';

/** A placement model large enough that its solve takes a while (tens to hundreds of ms). */
function largeModel(): LinearModel {
  const instance = randomPlacementInstance(7, { services: 300, clusters: 60, gpus: false });
  return buildPlacementMilp(buildPlacementProblem(instance.clusters, instance.services), instance.current).model;
}

/** How many times a 1 ms timer fired while `work` ran. */
async function timerTicksDuring(work: () => Promise<unknown>): Promise<number> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return ticks;
}

describe('WorkerSolver: solves in a worker thread', () => {
  const solvers: WorkerSolver[] = [];
  const solver = (script?: string) => {
    const made = new WorkerSolver('highs', script);
    solvers.push(made);
    return made;
  };
  afterAll(async () => Promise.all(solvers.map((made) => made.close())));

  it('answers as the solver in this thread does, while the event loop keeps turning', async () => {
    const model = largeModel();
    // A limit this model never reaches (it solves in a few seconds): a busy machine must not turn one answer into a time limit.
    const inThread = await getSolver('highs');
    let here: Awaited<ReturnType<typeof inThread.solve>> | undefined;
    const ticksHere = await timerTicksDuring(async () => (here = await inThread.solve(model, { timeLimitMs: 60_000 })));
    const isolated = solver();
    await isolated.solve(model, { timeLimitMs: 60_000 }); // the worker started and warm, as in SMO after its warm-up
    let there: Awaited<ReturnType<typeof isolated.solve>> | undefined;
    const ticksThere = await timerTicksDuring(async () => (there = await isolated.solve(model, { timeLimitMs: 60_000 })));
    expect(there).toMatchObject({ solver: 'highs', status: here!.status, objective: here!.objective });
    expect(there!.values).toEqual(here!.values);
    // In this thread the solve holds the event loop from start to end; in the worker, timers run meanwhile.
    expect(ticksHere).toBeLessThanOrEqual(1);
    expect(ticksThere).toBeGreaterThan(ticksHere);
    expect(here!.status).toBe('optimal');
  }, 240_000);

  /** A worker script that answers, after the model's parts, with `answer(modelName)` (or not, when it gives undefined). */
  const fakeWorker = (answer: string) => `
    const { parentPort } = require('node:worker_threads');
    let name = null;
    parentPort.on('message', (part) => {
      if (part.kind === 'begin') name = part.header.name;
      if (part.kind !== 'solve') return;
      const result = (${answer})(name);
      if (result !== undefined) parentPort.postMessage(result);
    });`;
  const answersOnlyModelsNamedAnswer = fakeWorker(`(name) => name === 'answer' ? { solver: 'highs', status: 'optimal', provenOptimal: true, values: new Map([['x', 1]]), objective: 1, solveMs: 0 } : undefined`);
  const named = (name: string): LinearModel => ({ name, sense: 'minimize', objective: [], variables: [], constraints: [] });

  it('answers status error when the worker does not answer in its time limit (plus grace), and goes on in a fresh worker', async () => {
    const stubborn = solver(answersOnlyModelsNamedAnswer);
    const [hung, next] = await Promise.all([stubborn.solve(named('hang'), { timeLimitMs: 50 }), stubborn.solve(named('answer'), { timeLimitMs: 50 })]);
    expect(hung).toMatchObject({ status: 'error', values: new Map() });
    expect(hung.message).toMatch(/no answer within the time limit \(50 ms\)/);
    expect(next).toMatchObject({ status: 'optimal', objective: 1 });
  });

  it('gives a large model time to load beyond its time limit: its size, not only a fixed grace', async () => {
    // A worker that takes 2 µs per item to take in the model, as indexing and loading it into HiGHS does (measured at
    // 1,000 services × 200 clusters under intents: 0.85 million items, 1.9 s before the solve started, on an idle machine).
    const loading = solver(`
      const { parentPort } = require('node:worker_threads');
      let items = 0;
      parentPort.on('message', (part) => {
        if (part.kind === 'begin') items = 0;
        else if (part.kind === 'constraints') for (const row of part.items) items += row.terms.length;
        else if (part.kind !== 'solve') items += part.items.length;
        else setTimeout(() => parentPort.postMessage({ solver: 'highs', status: 'optimal', provenOptimal: true, values: new Map(), objective: 0, solveMs: 1 }), items * 0.002);
      });`);
    const variables = Array.from({ length: 1_200_000 }, (_, i) => ({ name: `x${i}`, lower: 0, upper: 1, integer: true }));
    const large: LinearModel = { name: 'large', sense: 'minimize', objective: [], variables, constraints: [] };
    expect(await loading.solve(large, { timeLimitMs: 50 })).toMatchObject({ status: 'optimal' });
  });

  it('close() resolves once its worker thread has ended: none outlives the solver', async () => {
    const threads = () => readdirSync('/proc/self/task').length;
    const closing = solver(answersOnlyModelsNamedAnswer);
    const before = threads();
    expect(await closing.solve(named('answer'), { timeLimitMs: 5_000 })).toMatchObject({ status: 'optimal' });
    expect(threads()).toBe(before + 1);
    await closing.close();
    expect(threads()).toBe(before);
  });

  it('answers status error when the worker dies, and goes on in a fresh worker', async () => {
    const dying = solver(fakeWorker(`(name) => name === 'die' ? process.exit(3) : { solver: 'highs', status: 'optimal', provenOptimal: true, values: new Map(), objective: 0, solveMs: 0 }`));
    expect(await dying.solve(named('die'), { timeLimitMs: 5_000 })).toMatchObject({ status: 'error', message: expect.stringMatching(/exited \(3\)/) });
    expect(await dying.solve(named('live'), { timeLimitMs: 5_000 })).toMatchObject({ status: 'optimal' });
  });
});
