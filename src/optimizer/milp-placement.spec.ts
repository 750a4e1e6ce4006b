import { checkPlacement } from './checker';
import { milpPlacement } from './milp-placement';
import { ClusterCapacity, InvalidOptimizerInput, ServiceDemand } from './model';
import { SOLVER_NAMES, SolveResult, Solver } from './solver';
import { getSolver } from './solver-selection';
import { WorkerSolver } from './solvers/worker-solver';

const GIB = 2 ** 30;
const cluster = (name: string, cpu: number, extra: Partial<ClusterCapacity> = {}): ClusterCapacity => ({
  name,
  cpu,
  available: true,
  ...extra,
});
const service = (id: string, cpu: number, extra: Partial<ServiceDemand> = {}): ServiceDemand => ({
  id,
  cpu,
  gpu: false,
  replicas: 1,
  ...extra,
});

describe.each(SOLVER_NAMES)('MILP placement with %s', (solverName) => {
  const place = async (
    clusters: readonly ClusterCapacity[],
    services: readonly ServiceDemand[],
    current?: Record<string, string>,
  ): ReturnType<typeof milpPlacement> => milpPlacement(clusters, services, current, { solver: await getSolver(solverName), tieBreakBudgetMs: 5_000 });

  describe('infeasible results name the binding resource', () => {
    it('cpu: totals fit but the services cannot be packed', async () => {
      const result = await place([cluster('a', 3), cluster('b', 3)], [service('x', 2), service('y', 2), service('z', 2)]);
      expect(result).toMatchObject({ feasible: false, kind: 'infeasible', bindingResource: 'cpu' });
    });

    it('cpu: total demand above total capacity', async () => {
      const result = await place([cluster('a', 2), cluster('b', 2)], [service('x', 2), service('y', 2), service('z', 1)]);
      expect(result).toMatchObject({ feasible: false, bindingResource: 'cpu' });
      if (!result.feasible) expect(result.reason).toContain('Total cpu demand 5 exceeds the 4 available');
    });

    it('memory: each service fits alone, not together', async () => {
      const clusters = [cluster('a', 8, { memoryBytes: 3 * GIB }), cluster('b', 8, { memoryBytes: 3 * GIB })];
      const services = ['x', 'y', 'z'].map((id) => service(id, 1, { memoryBytes: 2 * GIB }));
      expect(await place(clusters, services)).toMatchObject({ feasible: false, bindingResource: 'memory' });
    });

    it('gpu: more GPU replicas than GPUs', async () => {
      const clusters = [cluster('a', 8, { gpu: 1 }), cluster('b', 8, { gpu: 0 })];
      const services = [service('x', 1, { gpu: true }), service('y', 1, { gpu: true })];
      expect(await place(clusters, services)).toMatchObject({ feasible: false, bindingResource: 'gpu' });
    });

    it('gpu: a GPU service and no accelerated cluster names the service', async () => {
      const result = await place([cluster('a', 8), cluster('b', 8, { gpu: 0 })], [service('plain', 1), service('infer', 1, { gpu: true })]);
      expect(result).toMatchObject({ feasible: false, bindingResource: 'gpu', serviceId: 'infer' });
    });

    it('cpu and GPU counts interact (found by dropping one constraint family at a time)', async () => {
      // Totals fit (3 GPUs, 12 cores for 5), each service fits alone, but a (2 GPUs) has CPU for one of them only.
      // Dropping the CPU rows (probed first) makes it feasible, so CPU is named.
      const clusters = [cluster('a', 2, { gpu: 2 }), cluster('b', 10, { gpu: 1 })];
      const services = [service('g1', 2, { gpu: true }), service('g2', 2, { gpu: true }), service('g3', 1, { gpu: true })];
      const result = await place(clusters, services);
      expect(result).toMatchObject({ feasible: false, kind: 'infeasible', bindingResource: 'cpu' });
    });

    it('clusters: none available', async () => {
      const result = await place([cluster('a', 8, { available: false })], [service('x', 1)]);
      expect(result).toMatchObject({ feasible: false, bindingResource: 'clusters' });
    });
  });

  it('applies the acceleration constraint to every service, service 0 included (B9)', async () => {
    const clusters = [cluster('gpu', 5, { gpu: 1 }), cluster('plain', 5, { gpu: 0 })];
    const result = await place(clusters, [service('s0', 2, { gpu: true }), service('s1', 3)], { s0: 'plain', s1: 'gpu' });
    expect(result).toMatchObject({ feasible: true, placement: { s0: 'gpu', s1: 'gpu' }, terms: { moves: 1 } });
  });

  it('handles many services (upstream crashed from 4 on, B9)', async () => {
    const services = Array.from({ length: 12 }, (_, s) => service(`s${s}`, 1));
    const current = Object.fromEntries(services.map((s) => [s.id, 'a']));
    const result = await place([cluster('a', 8), cluster('b', 8)], services, current);
    expect(result).toMatchObject({ feasible: true, provenOptimal: true, terms: { moves: 4, movedReplicas: 4 } });
  });

  it('moves as few services as possible, then as few replicas, then balances CPU', async () => {
    const clusters = [cluster('a', 10), cluster('b', 10), cluster('c', 10)];
    // a is over capacity by 2. Moving both small ones: 2 moves. Moving "rest": 1 move but 2 replicas.
    // Moving "big": 1 move, 1 replica; then b and c tie on balance (30 % either way, a stays at 90 %).
    const services = [service('big', 3), service('small1', 1), service('small2', 1), service('rest', 3.5, { replicas: 2 })];
    const current = { big: 'a', small1: 'a', small2: 'a', rest: 'a' };
    const result = await place(clusters, services, current);
    expect(result).toMatchObject({ feasible: true, terms: { moves: 1, movedReplicas: 1, peakCpuPercent: 90 } });
    expect(result).toMatchObject({ placement: { small1: 'a', small2: 'a', rest: 'a' } });
  });

  it('prefers moving the service with fewer replicas when moves tie', async () => {
    const clusters = [cluster('a', 4), cluster('b', 4)];
    const services = [service('one-replica', 1), service('two-replicas', 0.5, { replicas: 2 }), service('stay', 1.5, { replicas: 2 })];
    const result = await place(clusters, services, { 'one-replica': 'a', 'two-replicas': 'a', stay: 'a' });
    expect(result).toMatchObject({ feasible: true, placement: { 'one-replica': 'b', 'two-replicas': 'a' } });
  });

  it('places new services and services of lost clusters where the peak CPU stays lowest', async () => {
    const clusters = [cluster('a', 10), cluster('b', 10), cluster('gone', 10, { available: false })];
    const services = [service('x', 6), service('y', 3), service('z', 3)];
    const result = await place(clusters, services, { x: 'a', y: 'gone' });
    expect(result).toMatchObject({ feasible: true, placement: { x: 'a', y: 'b', z: 'b' }, terms: { moves: 1, peakCpuPercent: 60 } });
  });

  it('constrains memory only where reported and passes the independent checker', async () => {
    const clusters = [cluster('a', 8, { memoryBytes: 4 * GIB }), cluster('b', 8, { memoryBytes: null })];
    const services = [service('fat', 1, { memoryBytes: 3 * GIB, replicas: 2 }), service('thin', 1, { memoryBytes: GIB })];
    const result = await place(clusters, services, { fat: 'a', thin: 'a' });
    expect(result).toMatchObject({ feasible: true, placement: { fat: 'b', thin: 'a' } });
    if (result.feasible) expect(checkPlacement(clusters, services, result.placement)).toEqual([]);
  });

  it('is deterministic and independent of the input cluster order', async () => {
    const clusters = ['d', 'b', 'a', 'c'].map((name) => cluster(name, 4));
    const services = Array.from({ length: 6 }, (_, s) => service(`s${s}`, 1 + (s % 3)));
    const first = await place(clusters, services);
    const again = await place([...clusters].reverse(), services);
    expect(first.feasible && again.feasible).toBe(true);
    if (first.feasible && again.feasible) expect(again.placement).toEqual(first.placement);
  });

  it('rejects malformed input', async () => {
    await expect(place([cluster('a', 1), cluster('a', 2)], [service('x', 1)])).rejects.toThrow(InvalidOptimizerInput);
    await expect(place([cluster('a', -1)], [service('x', 1)])).rejects.toThrow('must be a finite number');
    await expect(place([cluster('a', 1)], [service('x', 1, { replicas: 1.5 })])).rejects.toThrow('replicas');
  });
});

describe('MILP placement at the exact memory limit', () => {
  // The solvers accept rows within their feasibility tolerance (relative ~1e-7 to 1e-6): 80 bytes of 1 GiB, 200 KB of
  // 1 TiB. Every placement returned is checked in whole bytes (nanocores, GPUs) and violated capacities are cut off.
  const isolated: WorkerSolver[] = [];
  afterAll(async () => Promise.all(isolated.map((made) => made.close())));
  const solvers: [string, () => Promise<Solver>][] = [
    ...SOLVER_NAMES.map((name): [string, () => Promise<Solver>] => [name, () => getSolver(name)]),
    ...SOLVER_NAMES.map((name): [string, () => Promise<Solver>] => [`${name} in a worker`, async () => {
      const made = new WorkerSolver(name);
      isolated.push(made);
      return made;
    }]),
  ];
  const exactly = { tolerance: 0 };

  describe.each(solvers)('%s', (_, solverOf) => {
    it('three services of half a GiB and 40 bytes do not fit two clusters of 1 GiB', async () => {
      const clusters = [cluster('c1', 10, { memoryBytes: GIB }), cluster('c2', 10, { memoryBytes: GIB })];
      const services = ['a', 'b', 'c'].map((id) => service(id, 1, { memoryBytes: GIB / 2 + 40 }));
      const result = await milpPlacement(clusters, services, { a: 'c1', b: 'c2', c: 'c1' }, { solver: await solverOf() });
      expect(result).toMatchObject({ feasible: false, kind: 'infeasible', bindingResource: 'memory' });
    });

    it('a placement the solver accepts only within its tolerance is cut off: the best one that fits to the byte is returned', async () => {
      // a + b on c1 are 80 bytes over its GiB: within the solvers' tolerance, so keeping them there (no move) looks
      // optimal. To the byte, c goes to c1 with one of them and the other to c2: two moves. (No enumeration: the solver decides.)
      const clusters = [cluster('c1', 10, { memoryBytes: GIB }), cluster('c2', 10, { memoryBytes: GIB / 2 + 40 })];
      const services = [service('a', 1, { memoryBytes: GIB / 2 + 40 }), service('b', 1, { memoryBytes: GIB / 2 + 40 }), service('c', 1, { memoryBytes: GIB / 2 - 100 })];
      const result = await milpPlacement(clusters, services, { a: 'c1', b: 'c1', c: 'c2' }, { solver: await solverOf(), enumerationLimit: 0 });
      expect(result).toMatchObject({ feasible: true, terms: { moves: 2 } });
      if (result.feasible) expect(checkPlacement(clusters, services, result.placement, exactly)).toEqual([]);
    });
  });

  it('a current placement over its memory by one byte is not kept', async () => {
    const clusters = [cluster('c1', 10, { memoryBytes: GIB }), cluster('c2', 10, { memoryBytes: GIB })];
    const services = [service('a', 1, { memoryBytes: GIB / 2 }), service('b', 1, { memoryBytes: GIB / 2 }), service('c', 1, { memoryBytes: GIB / 2 + 1 })];
    const result = await milpPlacement(clusters, services, { a: 'c1', b: 'c2', c: 'c1' }, { solver: await getSolver('highs') });
    expect(result).toMatchObject({ feasible: true, placement: { a: 'c2', b: 'c2', c: 'c1' }, terms: { moves: 1 } });
    if (result.feasible) expect(checkPlacement(clusters, services, result.placement, exactly)).toEqual([]);
  });
});

describe('MILP placement checks the solver status', () => {
  const stub = (result: Partial<SolveResult>): Solver => ({
    name: 'highs',
    solve: async () => ({ solver: 'highs', status: 'error', provenOptimal: false, values: new Map(), objective: undefined, solveMs: 7, ...result }),
  });
  // New services that the greedy repair cannot pack (largest first, least utilised cluster first: 3 → a, 3 → b,
  // 2 → a, then 2 fits nowhere) although a(3, 3) b(2, 2) fits: only the solver can place them (enumeration off:
  // these 16 assignments would be enumerated).
  const clusters = [cluster('a', 6), cluster('b', 4)];
  const services = [service('w', 3), service('x', 3), service('y', 2), service('z', 2)];

  it('time limit without a placement is not called infeasible', async () => {
    const result = await milpPlacement(clusters, services, undefined, { enumerationLimit: 0, solver: stub({ status: 'time_limit' }) });
    expect(result).toMatchObject({ feasible: false, kind: 'time_limit', solver: 'highs', solveMs: 7 });
  });

  it('a solver error is reported as such', async () => {
    const result = await milpPlacement(clusters, services, undefined, { enumerationLimit: 0, solver: stub({ status: 'error', message: 'boom' }) });
    expect(result).toMatchObject({ feasible: false, kind: 'solver_error' });
    if (!result.feasible) expect(result.reason).toContain('boom');
  });

  it('a time-limited placement is returned but not claimed optimal', async () => {
    const values = new Map([['x_0_0', 1], ['x_1_0', 1], ['x_2_1', 1], ['x_3_1', 1]]);
    const result = await milpPlacement(clusters, services, undefined, { enumerationLimit: 0, solver: stub({ status: 'time_limit', values, objective: 0 }) });
    expect(result).toMatchObject({ feasible: true, provenOptimal: false, provenMinimalMoves: false, placement: { w: 'a', x: 'a', y: 'b', z: 'b' } });
  });

  it('a solver error after the greedy repair found a placement answers that placement, not proven', async () => {
    // New service n (4 cores, 8 GiB) fits nowhere as things are (a has 3.5 cores free, b none, c no memory): the repair
    // moves m from a to c (one move, above the presolve bound of none), and only the solver could prove that minimal.
    const crowded = [cluster('a', 8), cluster('b', 4), cluster('c', 4, { memoryBytes: 16 * GIB })];
    const residents = [service('k', 4), service('m', 0.5), service('d', 0.5, { memoryBytes: 16 * GIB }), service('l', 4), service('n', 4, { memoryBytes: 8 * GIB })];
    const current = { k: 'b', m: 'a', d: 'c', l: 'a' };
    const result = await milpPlacement(crowded, residents, current, { enumerationLimit: 0, solver: stub({ status: 'error', message: 'out of memory' }) });
    expect(result).toMatchObject({ feasible: true, provenOptimal: false, provenMinimalMoves: false, terms: { moves: 1 } });
    if (result.feasible) expect(checkPlacement(crowded, residents, result.placement)).toEqual([]);
  });

  it('a solution that leaves a service unplaced is a solver error', async () => {
    const result = await milpPlacement(clusters, services, undefined, { enumerationLimit: 0, solver: stub({ status: 'optimal', values: new Map([['x_0_0', 1]]), objective: 0 }) });
    expect(result).toMatchObject({ feasible: false, kind: 'solver_error' });
  });

  it('needs no solver when the current placement still fits: zero moves, proven', async () => {
    const current = { w: 'a', x: 'b', y: 'a' };
    const result = await milpPlacement(clusters, services.slice(0, 3), current, { enumerationLimit: 0, solver: stub({ status: 'error', message: 'must not be called' }) });
    expect(result).toMatchObject({ feasible: true, provenOptimal: true, provenMinimalMoves: true, placement: current, terms: { moves: 0 } });
  });
});
