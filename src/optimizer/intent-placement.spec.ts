import { CheckIntentOptions, checkIntentPlacement } from './intent-checker';
import { IntentPlacementOptions, IntentPlacementResult, intentPlacement, intentsExplanation } from './intent-placement';
import { activeIntents, energyFigures } from './intents';
import { milpPlacement } from './milp-placement';
import { ClusterCapacity, ServiceDemand } from './model';
import type { ClusterSets, PlacementIntents } from '../domain/graph/placement-model';
import { SOLVER_NAMES, type Solver } from './solver';
import { getSolver } from './solver-selection';
import { WorkerSolver } from './solvers/worker-solver';

const cluster = (name: string, cpu: number, extra: Partial<ClusterCapacity> = {}): ClusterCapacity => ({ name, cpu, available: true, ...extra });
const service = (id: string, cpu: number, extra: Partial<ServiceDemand> = {}): ServiceDemand => ({ id, cpu, gpu: false, replicas: 1, ...extra });
const trusted = { 'smo.nephele.eu/trusted': 'true' };
const carbon = (g: number): Record<string, string> => ({ 'smo.nephele.eu/carbon-intensity': String(g) });

describe.each(SOLVER_NAMES)('placement under intents with %s', (solverName) => {
  const place = async (
    clusters: readonly ClusterCapacity[],
    services: readonly ServiceDemand[],
    intents: PlacementIntents = {},
    current?: Record<string, string>,
    extra: Partial<IntentPlacementOptions> & CheckIntentOptions = {},
  ): Promise<IntentPlacementResult> => {
    const result = await intentPlacement(clusters, services, current, { solver: await getSolver(solverName), intents, ...extra });
    if (result.feasible) {
      // Every placement found is checked independently against capacity, latency and the intents' constraints.
      expect(checkIntentPlacement(clusters, services, result.placement, result.clusterSets, intents, extra)).toEqual([]);
    }
    return result;
  };
  const setsOf = (result: IntentPlacementResult): ClusterSets => (result.feasible ? result.clusterSets : {});

  it('without intents, the same optimum as the plain engine', async () => {
    const clusters = [cluster('a', 4), cluster('b', 4), cluster('c', 2)];
    const services = [service('x', 2), service('y', 2), service('z', 1, { replicas: 2 })];
    const current = { x: 'a', y: 'a', z: 'a' };
    const withIntents = await place(clusters, services, {}, current);
    const plain = await milpPlacement(clusters, services, current, { solver: await getSolver(solverName) });
    expect(withIntents.feasible && plain.feasible).toBe(true);
    if (!withIntents.feasible || !plain.feasible) return;
    expect(withIntents.terms).toEqual(plain.terms);
    expect(withIntents.intents.active).toEqual([]);
  });

  describe('coLocation', () => {
    const clusters = [cluster('a', 4), cluster('b', 4)];
    const services = [service('x', 2), service('y', 2, { coLocation: ['x'] }), service('z', 2)];

    it('puts the listed services on one cluster, where balance alone would split them', async () => {
      const without = await place(clusters, services.map((s) => ({ ...s, coLocation: [] })));
      const withIt = await place(clusters, services);
      expect(without.feasible && withIt.feasible).toBe(true);
      if (!without.feasible || !withIt.feasible) return;
      expect(without.terms.peakCpuPercent).toBe(100); // 3 × 2 cores on 2 × 4: some cluster carries 4
      expect(withIt.placement.x).toBe(withIt.placement.y);
      expect(withIt.placement.z).not.toBe(withIt.placement.x);
      expect(withIt.intents.active).toEqual(['coLocation']);
      expect(withIt.intents.decidedBy).toContain('coLocation');
    });

    it('holds when a re-placement moves one of them: both move', async () => {
      const shrunk = [cluster('a', 4, { available: false }), cluster('b', 4), cluster('c', 4)];
      const result = await place(shrunk, services, {}, { x: 'a', y: 'a', z: 'b' });
      expect(result.feasible).toBe(true);
      if (!result.feasible) return;
      expect(result.placement).toEqual({ x: 'c', y: 'c', z: 'b' });
      expect(result.terms.moves).toBe(2);
    });

    it('a contradiction with capacity is named: bindingResource coLocation', async () => {
      const result = await place([cluster('a', 3), cluster('b', 3)], services.slice(0, 2));
      expect(result).toMatchObject({ feasible: false, kind: 'infeasible', bindingResource: 'coLocation' });
      if (result.feasible) return;
      expect(result.reason).toContain('y + x');
    });
  });

  describe('highAvailability', () => {
    const clusters = [cluster('a', 4), cluster('b', 4), cluster('c', 1)];
    const services = [service('x', 1), service('y', 2)];

    it('places every service on two distinct clusters, each with its full demand', async () => {
      const result = await place(clusters, services, { highAvailability: true });
      expect(result.feasible).toBe(true);
      if (!result.feasible) return;
      expect(Object.keys(result.clusterSets).sort()).toEqual(['x', 'y']);
      for (const id of ['x', 'y']) expect(new Set(setsOf(result)[id]).size).toBe(2);
      expect(setsOf(result).y?.slice().sort()).toEqual(['a', 'b']); // 2 cores fit c (1 core) nowhere
      expect(result.intents.active).toEqual(['highAvailability']);
    });

    it('a per-service override opts one service out', async () => {
      const result = await place(clusters, [service('x', 1, { highAvailability: false }), service('y', 2)], { highAvailability: true });
      expect(result.feasible).toBe(true);
      if (!result.feasible) return;
      expect(Object.keys(result.clusterSets)).toEqual(['y']);
    });

    it('after losing a cluster, every service keeps its surviving copy and gets a second one (one move each)', async () => {
      const current = { x: 'a', y: 'a' };
      const currentSets = { x: ['a', 'b'], y: ['a', 'b'] };
      const lost = [cluster('a', 4, { available: false }), cluster('b', 4), cluster('c', 4)];
      const result = await place(lost, services, { highAvailability: true }, current, { currentSets });
      expect(result.feasible).toBe(true);
      if (!result.feasible) return;
      expect(setsOf(result).x?.slice().sort()).toEqual(['b', 'c']);
      expect(setsOf(result).y?.slice().sort()).toEqual(['b', 'c']);
      expect(result.terms.moves).toBe(2);
    });

    it('one available cluster: 422 naming highAvailability', async () => {
      const result = await place([cluster('a', 8), cluster('b', 8, { available: false })], services, { highAvailability: true });
      expect(result).toMatchObject({ feasible: false, bindingResource: 'highAvailability', serviceId: 'x' });
    });

    it('capacity for one copy but not two: named highAvailability', async () => {
      const result = await place([cluster('a', 3), cluster('b', 1)], services, { highAvailability: true });
      expect(result).toMatchObject({ feasible: false, bindingResource: 'highAvailability' });
    });
  });

  describe('energyEfficiency', () => {
    const clusters = [cluster('coal', 8, { labels: carbon(800) }), cluster('hydro', 4, { labels: carbon(20) }), cluster('unknown', 16)];
    const services = [service('x', 1), service('y', 2)];

    it('a missing figure counts as the highest known', () => {
      expect([...energyFigures(clusters).entries()]).toEqual([['coal', 800], ['hydro', 20], ['unknown', 800]]);
    });

    it('at first placement picks the low-carbon cluster, where balance alone picks the largest', async () => {
      const without = await place(clusters, services);
      const withIt = await place(clusters, services, { energyEfficiency: true });
      expect(without.feasible && withIt.feasible).toBe(true);
      if (!without.feasible || !withIt.feasible) return;
      expect(without.placement.y).toBe('unknown');
      expect(without.placement.x).not.toBe('hydro');
      expect(withIt.placement).toEqual({ x: 'hydro', y: 'hydro' });
      expect(withIt.intents.energy).toEqual({ withIntent: 20, withoutIntent: 800 });
      expect(withIt.intents.decidedBy).toContain('energyEfficiency');
    });

    it('never adds a move: a running graph stays on the high-carbon cluster', async () => {
      const result = await place(clusters, services, { energyEfficiency: true }, { x: 'coal', y: 'coal' });
      expect(result).toMatchObject({ feasible: true, placement: { x: 'coal', y: 'coal' }, terms: { moves: 0 } });
    });

    it('comes before balance: fills the low-carbon cluster to capacity', async () => {
      const result = await place(clusters, [service('x', 2), service('y', 2), service('z', 2)], { energyEfficiency: true });
      expect(result.feasible).toBe(true);
      if (!result.feasible) return;
      expect(Object.values(result.placement).filter((name) => name === 'hydro')).toHaveLength(2);
    });
  });

  describe('highPerformance', () => {
    it('prefers an accelerated cluster', async () => {
      const clusters = [cluster('big', 16), cluster('gpu', 4, { gpu: 1 })];
      const without = await place(clusters, [service('x', 1)]);
      const withIt = await place(clusters, [service('x', 1)], { highPerformance: true });
      expect(without).toMatchObject({ feasible: true, placement: { x: 'big' } });
      expect(withIt).toMatchObject({ feasible: true, placement: { x: 'gpu' } });
    });

    it('keeps connected services close (lowest round trip), then takes the least utilised clusters', async () => {
      const clusters = [cluster('a', 4), cluster('b', 4), cluster('far', 4)];
      const clusterLatencyMs = { a: { b: 2, far: 40 }, b: { far: 40 } };
      const services = [service('x', 1, { connectionPoints: ['y'] }), service('y', 1), service('z', 1)];
      const current = { x: 'far', y: 'a', z: 'a' };
      const lost = clusters.map((c) => (c.name === 'far' ? { ...c, available: false } : c));
      const result = await place(lost, services, { highPerformance: true }, current, { clusterLatencyMs });
      expect(result).toMatchObject({ feasible: true, terms: { moves: 1 } });
      if (!result.feasible) return;
      // x must move; a (with y) costs no round trip, b costs 2 ms: a wins though b would balance better.
      expect(result.placement.x).toBe('a');
      expect(result.intents.decidedBy).toEqual([]);
    });

    it('least utilised: a service goes where it takes the smallest share of free CPU', async () => {
      const result = await place([cluster('a', 2), cluster('b', 10), cluster('c', 3)], [service('x', 1)], { highPerformance: true });
      expect(result).toMatchObject({ feasible: true, placement: { x: 'b' } });
    });
  });

  describe('security', () => {
    const clusters = [cluster('open', 16), cluster('vault', 4, { labels: trusted }), cluster('other', 8, { labels: { 'smo.nephele.eu/trusted': 'false' } })];

    it('only trusted clusters host the graph', async () => {
      const result = await place(clusters, [service('x', 1), service('y', 1)], { security: true });
      expect(result).toMatchObject({ feasible: true, placement: { x: 'vault', y: 'vault' } });
      if (!result.feasible) return;
      expect(result.intents.untrusted).toEqual(['open', 'other']);
    });

    it('no trusted cluster: named security', async () => {
      const result = await place([cluster('open', 16)], [service('x', 1)], { security: true });
      expect(result).toMatchObject({ feasible: false, bindingResource: 'security' });
      if (result.feasible) return;
      expect(result.reason).toContain('smo.nephele.eu/trusted=true');
    });

    it('trusted clusters too small: named security', async () => {
      const result = await place(clusters, [service('x', 3), service('y', 3)], { security: true });
      expect(result).toMatchObject({ feasible: false, bindingResource: 'security' });
    });

    it('the label key is configurable', async () => {
      const result = await place([cluster('a', 4), cluster('b', 4, { labels: { 'example.org/secure': 'true' } })], [service('x', 1)], { security: true }, undefined, {
        labelKeys: { trusted: 'example.org/secure' },
        trustedLabel: 'example.org/secure',
      });
      expect(result).toMatchObject({ feasible: true, placement: { x: 'b' } });
    });
  });
});

describe('activeIntents', () => {
  it('lists graph intents, HA overrides and coLocation with a real partner', () => {
    expect(activeIntents([service('x', 1, { coLocation: ['nobody', 'x'] })], {})).toEqual([]);
    expect(activeIntents([service('x', 1, { highAvailability: true })], {})).toEqual(['highAvailability']);
    expect(activeIntents([service('x', 1), service('y', 1, { coLocation: ['x'] })], { security: true, energyEfficiency: true })).toEqual(['coLocation', 'energyEfficiency', 'security']);
  });
});

describe('placement under intents when the solver fails', () => {
  // The solver's worker answers every solve with an error, as the runtime's WorkerSolver does when a model is too large
  // for its heap or a solve overruns its time limit and grace: the greedy placement in hand is still an answer.
  const failing = new WorkerSolver(
    'highs',
    `const { parentPort } = require('node:worker_threads');
     parentPort.on('message', (part) => {
       if (part.kind === 'solve') parentPort.postMessage({ solver: 'highs', status: 'error', provenOptimal: false, values: new Map(), objective: undefined, solveMs: 1, message: 'out of memory' });
     });`,
  );
  afterAll(() => failing.close());

  it('a re-placement answers the best placement found, not proven, instead of a solver error', async () => {
    // a shrank: one of x, y must leave it. The moves bound (0: every previous cluster still exists) is not met, so the
    // moves phase goes to the solver, which fails.
    const clusters = [cluster('a', 2, { labels: carbon(100) }), cluster('b', 4, { labels: carbon(50) })];
    const services = [service('x', 2), service('y', 2)];
    const intents = { energyEfficiency: true };
    const result = await intentPlacement(clusters, services, { x: 'a', y: 'a' }, { solver: failing, intents });
    expect(result).toMatchObject({ feasible: true, provenOptimal: false, provenMinimalMoves: false, terms: { moves: 1 } });
    if (result.feasible) expect(checkIntentPlacement(clusters, services, result.placement, result.clusterSets, intents)).toEqual([]);
  });
});

describe('highPerformance at scale', () => {
  it('leaves the round-trip term out, and says so, where its rows would be quadratic in the clusters beyond a bound', async () => {
    // 400 chained services over 60 clusters: one row per pair and cluster, each over every cluster, 1.4 million terms.
    const clusters = Array.from({ length: 60 }, (_, c) => cluster(`c${String(c).padStart(2, '0')}`, 32));
    const clusterLatencyMs: Record<string, Record<string, number>> = {};
    clusters.forEach((a, i) => clusters.forEach((b, j) => {
      if (i < j) (clusterLatencyMs[a.name] ??= {})[b.name] = 1 + ((i * 7 + j * 3) % 30);
    }));
    const services = Array.from({ length: 400 }, (_, s) => service(`s${s}`, 0.5, s > 0 ? { connectionPoints: [`s${s - 1}`] } : {}));
    const intents = { highPerformance: true };
    const result = await intentPlacement(clusters, services, undefined, { solver: await getSolver('highs'), intents, clusterLatencyMs, timeLimitMs: 2_000 });
    expect(result.feasible).toBe(true);
    if (!result.feasible) return;
    expect(checkIntentPlacement(clusters, services, result.placement, result.clusterSets, intents, { clusterLatencyMs })).toEqual([]);
    expect(result.intents.notes).toEqual([expect.stringMatching(/^highPerformance: round trips between connected services left out: 399 pairs over 60 clusters would take 1,4\d\d,\d{3} terms \(more than 500,000\)\.$/)]);
    expect(intentsExplanation(result.intents)).toContain(result.intents.notes?.[0]);
  });
});

describe('the time limit of a placement under intents', () => {
  it('bounds the energy comparison too: no solve is given time past the caller’s deadline', async () => {
    const real = await getSolver('highs');
    const ends: number[] = [];
    const recording: Solver = { name: real.name, solve: (model, options) => (ends.push(performance.now() + options.timeLimitMs), real.solve(model, options)) };
    // a shrank: one of x, y must leave it, so the moves phase (and the comparison's) goes to the solver.
    const clusters = [cluster('a', 2, { labels: carbon(100) }), cluster('b', 4, { labels: carbon(50) }), cluster('c', 4, { labels: carbon(300) })];
    const services = [service('x', 2), service('y', 2)];
    const timeLimitMs = 2_000;
    const started = performance.now();
    const result = await intentPlacement(clusters, services, { x: 'a', y: 'a' }, { solver: recording, intents: { energyEfficiency: true }, timeLimitMs });
    expect(result).toMatchObject({ feasible: true, intents: { energy: { withoutIntent: expect.any(Number) } } });
    expect(ends.length).toBeGreaterThan(1); // the comparison solved too
    for (const end of ends) expect(end).toBeLessThanOrEqual(started + timeLimitMs + 20);
  });
});

describe.each(SOLVER_NAMES)('placement under intents at the exact memory limit, %s', (solverName) => {
  // The solvers accept rows within their tolerance (~80 bytes of a GiB here): candidates, phases and probes are
  // checked to the byte (exact-capacity.ts).
  const GIB = 2 ** 30;
  const intents = { energyEfficiency: true };

  it('three services of half a GiB and 40 bytes do not fit two clusters of 1 GiB', async () => {
    const clusters = [cluster('c1', 10, { memoryBytes: GIB }), cluster('c2', 10, { memoryBytes: GIB })];
    const services = ['a', 'b', 'c'].map((id) => service(id, 1, { memoryBytes: GIB / 2 + 40 }));
    const result = await intentPlacement(clusters, services, { a: 'c1', b: 'c2', c: 'c1' }, { solver: await getSolver(solverName), intents });
    expect(result).toMatchObject({ feasible: false, kind: 'infeasible', bindingResource: 'memory' });
  });

  it('the placement returned fits every cluster to the byte', async () => {
    const clusters = [cluster('c1', 10, { memoryBytes: GIB }), cluster('c2', 10, { memoryBytes: GIB / 2 + 40 })];
    const services = [service('a', 1, { memoryBytes: GIB / 2 + 40 }), service('b', 1, { memoryBytes: GIB / 2 + 40 }), service('c', 1, { memoryBytes: GIB / 2 - 100 })];
    const result = await intentPlacement(clusters, services, { a: 'c1', b: 'c1', c: 'c2' }, { solver: await getSolver(solverName), intents });
    expect(result).toMatchObject({ feasible: true, terms: { moves: 2 } });
    if (result.feasible) expect(checkIntentPlacement(clusters, services, result.placement, result.clusterSets, intents, { tolerance: 0 })).toEqual([]);
  });
});
