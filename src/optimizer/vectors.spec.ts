import placementJson from '../../test/fixtures/vectors/placement.json';
import scalingJson from '../../test/fixtures/vectors/scaling.json';
import { checkPlacement, checkScaling } from './checker';
import { milpPlacement } from './milp-placement';
import { NAIVE_ERRORS, naivePlacement } from './naive-placement';
import { ScalingService, decideReplicas } from './scaling';
import { SOLVER_NAMES } from './solver';
import { getSolver } from './solver-selection';
import {
  Matrix,
  UpstreamInstance,
  matrixToPlacement,
  placementToMatrix,
  upstreamClusters,
  upstreamServices,
} from './testing/upstream-vectors';

interface NaiveVector extends UpstreamInstance {
  readonly name: string;
  readonly expect?: Matrix;
  readonly expectError?: string;
}
interface MilpVector extends UpstreamInstance {
  readonly name: string;
  readonly current: Matrix;
  readonly acceptable?: readonly Matrix[];
  readonly expectInfeasible?: boolean;
}
interface ScalingVector {
  readonly name: string;
  readonly rates: readonly number[];
  readonly previous: readonly number[];
  readonly cpu: readonly number[];
  readonly acceleration: readonly number[];
  readonly alpha: readonly number[];
  readonly beta: readonly number[];
  readonly clusterCapacity: number;
  readonly clusterAcceleration: number;
  readonly maxReplicas: readonly number[];
  readonly acceptable?: readonly (readonly number[])[];
  readonly expectInfeasible?: boolean;
}

const naiveVectors: readonly NaiveVector[] = placementJson.naive;
const milpVectors: readonly MilpVector[] = placementJson.milp;
const scalingVectors: readonly ScalingVector[] = scalingJson.cases;

describe('naive placement vectors', () => {
  it.each(naiveVectors.map((vector) => [vector.name, vector] as const))('%s', (_name, vector) => {
    const clusters = upstreamClusters(vector);
    const services = upstreamServices(vector);
    const result = naivePlacement(clusters, services);
    if (vector.expectError !== undefined) {
      expect(result.feasible).toBe(false);
      if (!result.feasible) expect(result.reason).toContain(vector.expectError);
      return;
    }
    expect(result.feasible).toBe(true);
    if (!result.feasible) return;
    expect(placementToMatrix(result.placement, services.length, clusters.length)).toEqual(vector.expect);
    expect(checkPlacement(clusters, services, result.placement)).toEqual([]);
  });

  it('reports the upstream text for a service too big for every cluster', () => {
    const result = naivePlacement(upstreamClusters(naiveVectors[2]!), upstreamServices(naiveVectors[2]!));
    expect(result).toMatchObject({ feasible: false, reason: NAIVE_ERRORS.singleServiceTooBig, bindingResource: 'cpu' });
  });
});

describe.each(SOLVER_NAMES)('MILP placement vectors with %s', (solverName) => {
  it.each(milpVectors.map((vector) => [vector.name, vector] as const))('%s', async (_name, vector) => {
    const clusters = upstreamClusters(vector);
    const services = upstreamServices(vector);
    const solver = await getSolver(solverName);
    const result = await milpPlacement(clusters, services, matrixToPlacement(vector.current), { solver, tieBreakBudgetMs: 5_000 });
    if (vector.expectInfeasible === true) {
      expect(result).toMatchObject({ feasible: false, kind: 'infeasible', bindingResource: 'cpu' });
      return;
    }
    expect(result.feasible).toBe(true);
    if (!result.feasible) return;
    expect(result.provenOptimal).toBe(true);
    expect(vector.acceptable).toContainEqual(placementToMatrix(result.placement, services.length, clusters.length));
    expect(checkPlacement(clusters, services, result.placement)).toEqual([]);
  });

  it('breaks the move-one tie by moving the service with fewer replicas (the upstream answer)', async () => {
    const vector = milpVectors[0]!;
    const solver = await getSolver(solverName);
    const result = await milpPlacement(upstreamClusters(vector), upstreamServices(vector), matrixToPlacement(vector.current), { solver, tieBreakBudgetMs: 5_000 });
    expect(result).toMatchObject({ feasible: true, terms: { moves: 1, movedReplicas: 1 } });
    if (result.feasible) expect(placementToMatrix(result.placement, 2, 2)).toEqual([[0, 1], [1, 0]]);
  });
});

describe.each(SOLVER_NAMES)('scaling vectors with %s', (solverName) => {
  it.each(scalingVectors.map((vector) => [vector.name, vector] as const))('%s', async (_name, vector) => {
    const services: ScalingService[] = vector.rates.map((requestRate, s) => ({
      id: `s${s}`,
      requestRate,
      previousReplicas: vector.previous[s] ?? 1,
      cpu: vector.cpu[s] ?? 0,
      gpu: (vector.acceleration[s] ?? 0) > 0,
      alpha: vector.alpha[s] ?? 0,
      beta: vector.beta[s] ?? 0,
      maxReplicas: vector.maxReplicas[s] ?? 1,
    }));
    const cluster = { cpu: vector.clusterCapacity, accelerated: vector.clusterAcceleration > 0 };
    const result = await decideReplicas(services, cluster, { solver: await getSolver(solverName) });
    if (vector.expectInfeasible === true) {
      expect(result).toMatchObject({ feasible: false, kind: 'infeasible' });
      return;
    }
    expect(result.feasible).toBe(true);
    if (!result.feasible) return;
    expect(vector.acceptable).toContainEqual(result.replicas);
    expect(checkScaling(services, cluster, result.replicas)).toEqual([]);
  });
});
