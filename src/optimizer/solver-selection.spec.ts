import { InvalidOptimizerInput } from './model';
import { DEFAULT_SOLVER, SOLVER_ENV, getSolver, parseSolverName, solverFromEnvironment } from './solver-selection';

describe('solver selection', () => {
  it('parses names case-insensitively and defaults when empty', () => {
    expect(parseSolverName('GLPK')).toBe('glpk');
    expect(parseSolverName(' highs ')).toBe('highs');
    expect(parseSolverName(undefined)).toBe(DEFAULT_SOLVER);
    expect(parseSolverName('')).toBe(DEFAULT_SOLVER);
  });

  it('rejects unknown solvers', () => {
    expect(() => parseSolverName('cplex')).toThrow(InvalidOptimizerInput);
  });

  it('picks the adapter named by SMO_SOLVER, else the default', async () => {
    expect(SOLVER_ENV).toBe('SMO_SOLVER');
    expect((await solverFromEnvironment({ SMO_SOLVER: 'glpk' })).name).toBe('glpk');
    expect((await solverFromEnvironment({ SMO_SOLVER: 'highs' })).name).toBe('highs');
    expect((await solverFromEnvironment({})).name).toBe(DEFAULT_SOLVER);
  });

  it('shares one adapter per solver', async () => {
    expect(await getSolver('glpk')).toBe(await getSolver('glpk'));
  });
});
