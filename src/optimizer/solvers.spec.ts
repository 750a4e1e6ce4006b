import { LinearModel, SOLVER_NAMES, binaryVariable } from './solver';
import { getSolver } from './solver-selection';
import { randomPlacementInstance } from './testing/random-instances';
import { buildPlacementMilp } from './placement-milp-model';
import { buildPlacementProblem } from './problem';

const LIMIT = { timeLimitMs: 2_000 };

/** max 3a + 2b s.t. a + b ≤ 4.5, a + 3b ≤ 6, integers → a = 4, b = 0, objective 12. */
const smallMip: LinearModel = {
  name: 'small',
  sense: 'maximize',
  objective: [
    { variable: 'a', coefficient: 3 },
    { variable: 'b', coefficient: 2 },
  ],
  variables: [
    { name: 'a', lower: 0, upper: 10, integer: true },
    { name: 'b', lower: 0, upper: 10, integer: true },
  ],
  constraints: [
    { name: 'one', terms: [{ variable: 'a', coefficient: 1 }, { variable: 'b', coefficient: 1 }], sense: '<=', rhs: 4.5 },
    { name: 'two', terms: [{ variable: 'a', coefficient: 1 }, { variable: 'b', coefficient: 3 }], sense: '<=', rhs: 6 },
  ],
};

describe.each(SOLVER_NAMES)('%s adapter', (name) => {
  it('solves a small MIP to proven optimality', async () => {
    const result = await (await getSolver(name)).solve(smallMip, LIMIT);
    expect(result).toMatchObject({ solver: name, status: 'optimal', provenOptimal: true, objective: 12 });
    expect(Object.fromEntries(result.values)).toEqual({ a: 4, b: 0 });
  });

  it('solves an LP with free and negative-bounded variables, equalities and an objective offset', async () => {
    const model: LinearModel = {
      name: 'lp',
      sense: 'minimize',
      objective: [{ variable: 'x', coefficient: 1 }, { variable: 'y', coefficient: -1 }],
      objectiveOffset: 10,
      variables: [
        { name: 'x', lower: -Infinity, upper: Infinity, integer: false },
        { name: 'y', lower: -5, upper: 2.5, integer: false },
      ],
      constraints: [{ name: 'sum', terms: [{ variable: 'x', coefficient: 1 }, { variable: 'y', coefficient: 1 }], sense: '=', rhs: 1 }],
    };
    const result = await (await getSolver(name)).solve(model, LIMIT);
    expect(result.status).toBe('optimal');
    expect(result.values.get('x')).toBeCloseTo(-1.5, 9);
    expect(result.values.get('y')).toBeCloseTo(2.5, 9);
    expect(result.objective).toBeCloseTo(6, 9);
  });

  it('reports infeasibility without values', async () => {
    const model: LinearModel = {
      ...smallMip,
      constraints: [...smallMip.constraints, { name: 'big', terms: [{ variable: 'a', coefficient: 1 }], sense: '>=', rhs: 5 }],
    };
    const result = await (await getSolver(name)).solve(model, LIMIT);
    expect(result).toMatchObject({ status: 'infeasible', provenOptimal: false, objective: undefined });
    expect(result.values.size).toBe(0);
  });

  it('keeps any variable name away from the solver (names are replaced by indices)', async () => {
    const odd = ['x y', 'a:b', '-1', 'e+5', 'ü/ü', 'obj', 'End', 'Subject To', 'x'.repeat(300)];
    const model: LinearModel = {
      name: 'names',
      sense: 'maximize',
      objective: odd.map((variable, i) => ({ variable, coefficient: i + 1 })),
      variables: odd.map(binaryVariable),
      constraints: [{ name: 'pick two: <= ', terms: odd.map((variable) => ({ variable, coefficient: 1 })), sense: '<=', rhs: 2 }],
    };
    const result = await (await getSolver(name)).solve(model, LIMIT);
    expect(result.status).toBe('optimal');
    expect(result.objective).toBe(odd.length + odd.length - 1);
    expect(result.values.get('x'.repeat(300))).toBe(1);
  });

  it('handles a model without variables or constraints', async () => {
    const result = await (await getSolver(name)).solve({ name: 'empty', sense: 'minimize', objective: [], variables: [], constraints: [] }, LIMIT);
    expect(result).toMatchObject({ status: 'optimal', objective: 0 });
  });

  it('returns status error for an invalid model instead of throwing', async () => {
    const model: LinearModel = { ...smallMip, objective: [{ variable: 'nope', coefficient: 1 }] };
    const result = await (await getSolver(name)).solve(model, LIMIT);
    expect(result.status).toBe('error');
    expect(result.message).toContain('unknown variable nope');
  });

  it('stops at the time limit and says optimality is not proven', async () => {
    const instance = randomPlacementInstance(17, { services: 200, clusters: 50, gpus: true });
    const { model } = buildPlacementMilp(buildPlacementProblem(instance.clusters, instance.services), instance.current);
    const result = await (await getSolver(name)).solve(model, { timeLimitMs: 1 });
    expect(result.status).toBe('time_limit');
    expect(result.provenOptimal).toBe(false);
    // A 1 ms limit must stop the solve early; the bound is loose because CI shares 2 cores.
    expect(result.solveMs).toBeLessThan(10_000);
  });
});
