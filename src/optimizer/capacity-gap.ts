import { CapacityGap, ClusterCapacityAddition, NewClusterCapacity } from './model';
import { latencyRows } from './placement-milp-model';
import { PlacementProblem, Resource, shortfalls, withinCapacity } from './problem';
import { LinearConstraint, LinearModel, LinearTerm, ModelVariable, Solver, binaryVariable } from './solver';

/**
 * The smallest additional capacity that makes an infeasible placement problem feasible (README "Capacity gaps"),
 * as two options, each enough on its own:
 *
 * - add to one existing cluster: for each resource, the cluster needing the least of that resource alone (one MILP
 *   per resource: extra capacity e[c] ≥ 0 on every cluster's row, a selector y[c] with e[c] ≤ M·y[c] and Σ y ≤ 1,
 *   minimise Σ e); when no single resource is enough, one entry with several resources on one cluster (same model,
 *   every resource extensible, minimise Σ_r e_r / M_r);
 * - a new cluster: a virtual cluster whose capacities are variables (minimise Σ_r N_r / M_r); its latency to the
 *   existing clusters is unknown, so it meets ultralow/low requirements only between services it hosts together.
 *
 * Amounts are recomputed from the decoded assignment (load − capacity), CPU rounded up to millicores, memory to
 * bytes. M_r is the total demand of r (never more is needed). Only proven optima are reported: a probe stopped by
 * its time limit leaves its option out.
 */

const GIB = 2 ** 30; // memory in GiB in the models, as in placement-milp-model.ts
const RESOURCES: readonly Resource[] = ['cpu', 'memory', 'gpu'];

type Amounts = Record<Resource, number>;

interface Decoded {
  readonly assignment: readonly number[];
}

/**
 * Each probe may take up to `timeLimitMs`, all of them together up to `budgetMs`: a probe cut short (or not started)
 * leaves its entry out, so an infeasible verdict costs a bounded multiple of the solve that reached it.
 */
export async function capacityGap(
  problem: PlacementProblem,
  solver: Solver,
  timeLimitMs: number,
  budgetMs = Infinity,
): Promise<CapacityGap | undefined> {
  if (problem.services.length === 0) return undefined;
  const deadline = performance.now() + budgetMs;
  const probeLimit = (): number => Math.min(timeLimitMs, deadline - performance.now());
  const bound = demandBounds(problem);
  const useful = RESOURCES.filter((resource) => bound[resource] > 0 && (resource !== 'memory' || problem.clusters.some((c) => c.memoryBytes !== undefined)));

  // The new cluster first: a cluster provisioning proposal is made from it, so when the budget runs out it is the
  // additions to existing clusters (said to the operator, nothing made of them) that are left out.
  const newCluster = await addNewCluster(problem, bound, solver, probeLimit);
  const addToCluster: ClusterCapacityAddition[] = [];
  if (problem.clusters.length > 0) {
    for (const resource of useful) {
      const addition = await extendOneCluster(problem, [resource], bound, solver, probeLimit);
      if (addition !== undefined) addToCluster.push(addition);
    }
    if (addToCluster.length === 0 && useful.length > 1) {
      const addition = await extendOneCluster(problem, useful, bound, solver, probeLimit);
      if (addition !== undefined) addToCluster.push(addition);
    }
  }
  if (addToCluster.length === 0 && newCluster === undefined) return undefined;
  return { ...(addToCluster.length > 0 ? { addToCluster } : {}), ...(newCluster === undefined ? {} : { newCluster }) };
}

/** One human sentence per option, for explanations. */
export function describeCapacityGap(gap: CapacityGap, withLatency: boolean): string[] {
  const sentences: string[] = [];
  const additions = gap.addToCluster ?? [];
  if (additions.length > 0) {
    const joint = additions.length === 1 && amountsOf(additions[0]!).length > 1;
    const options = additions.map((addition) => `${listAmounts(addition)} on ${addition.cluster}`);
    sentences.push(
      `Smallest addition to one existing cluster that makes a placement fit: ${options.join(', or ')}` +
        (joint ? ' (no single resource is enough).' : '.'),
    );
  }
  if (gap.newCluster !== undefined) {
    const caveat = withLatency
      ? ' (its latency to the existing clusters is unknown, so it meets ultralow and low requirements only between services it hosts together)'
      : '';
    sentences.push(`${additions.length > 0 ? 'Or a' : 'A'} new cluster with at least ${listAmounts(gap.newCluster)} would make a placement fit${caveat}.`);
  }
  return sentences;
}

function amountsOf(amounts: { readonly cpu?: number; readonly memoryBytes?: number; readonly gpu?: number }): string[] {
  const parts: string[] = [];
  if (amounts.cpu !== undefined) parts.push(`${amounts.cpu} CPU core${amounts.cpu === 1 ? '' : 's'}`);
  if (amounts.memoryBytes !== undefined) parts.push(`${formatBytes(amounts.memoryBytes)} of memory`);
  if (amounts.gpu !== undefined) parts.push(`${amounts.gpu} GPU${amounts.gpu === 1 ? '' : 's'}`);
  return parts;
}

function listAmounts(amounts: { readonly cpu?: number; readonly memoryBytes?: number; readonly gpu?: number }): string {
  const parts = amountsOf(amounts);
  return parts.length <= 1 ? (parts[0] ?? 'nothing') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1] ?? ''}`;
}

/** "4 GiB", "1.5 GiB", "512 MiB" (rounded up to two decimals, so never below the exact figure). */
export function formatBytes(bytes: number): string {
  const units: readonly [string, number][] = [['TiB', 2 ** 40], ['GiB', GIB], ['MiB', 2 ** 20], ['KiB', 2 ** 10]];
  const [unit, size] = units.find(([, size]) => bytes >= size) ?? ['bytes', 1];
  return `${Math.ceil((bytes / size) * 100 - 1e-9) / 100} ${unit}`;
}

/** Total demand per resource in model units (cores, GiB, GPUs); GPUs at least 1 when a service needs acceleration. */
function demandBounds(problem: PlacementProblem): Amounts {
  const sum = (pick: (index: number) => number): number => problem.services.reduce((total, _, s) => total + pick(s), 0);
  const gpus = sum((s) => problem.services[s]?.gpus ?? 0);
  return {
    cpu: sum((s) => problem.services[s]?.cpu ?? 0),
    memory: sum((s) => problem.services[s]?.memoryBytes ?? 0) / GIB,
    gpu: Math.max(gpus, problem.services.some((service) => service.needsGpu) ? 1 : 0),
  };
}

const demandOf = (problem: PlacementProblem, s: number, resource: Resource): number => {
  const service = problem.services[s];
  if (service === undefined) return 0;
  return resource === 'cpu' ? service.cpu : resource === 'memory' ? service.memoryBytes / GIB : service.gpus;
};

/** Capacity of an existing cluster in model units; undefined when not constrained (memory not reported). */
function capacityOf(problem: PlacementProblem, c: number, resource: Resource): number | undefined {
  const cluster = problem.clusters[c];
  if (cluster === undefined) return undefined;
  if (resource === 'cpu') return cluster.cpu;
  if (resource === 'memory') return cluster.memoryBytes === undefined ? undefined : cluster.memoryBytes / GIB;
  return cluster.gpus ?? 0; // GPU services only reach a cluster without GPUs when GPUs may be added there
}

/**
 * Rows `Σ demand·x[s][c] − extra ≤ capacity` for one cluster and resource, plus, for GPU, acceleration rows
 * `x[s][c] − extra ≤ capacity` for GPU services without GPU demand (zero replicas) on a cluster without GPUs.
 */
function resourceRows(
  problem: PlacementProblem,
  variable: (s: number, c: number) => string | undefined,
  c: number,
  resource: Resource,
  capacity: number,
  extra: string | undefined,
): LinearConstraint[] {
  const terms: LinearTerm[] = problem.services.flatMap((_, s) => {
    const name = variable(s, c);
    const coefficient = demandOf(problem, s, resource);
    return name === undefined || coefficient === 0 ? [] : [{ variable: name, coefficient }];
  });
  const withExtra = (rowTerms: LinearTerm[]): LinearTerm[] => (extra === undefined ? rowTerms : [...rowTerms, { variable: extra, coefficient: -1 }]);
  const rows: LinearConstraint[] = [];
  if (terms.length > 0) rows.push({ name: `${resource}_${c}`, terms: withExtra(terms), sense: '<=', rhs: capacity });
  if (resource === 'gpu' && capacity <= 0) {
    problem.services.forEach((service, s) => {
      const name = variable(s, c);
      if (service.needsGpu && service.gpus === 0 && name !== undefined) {
        rows.push({ name: `accel_${s}_${c}`, terms: withExtra([{ variable: name, coefficient: 1 }]), sense: '<=', rhs: 0 });
      }
    });
  }
  return rows;
}

/**
 * Symmetry breaking: services with the same demands and no latency requirement are interchangeable in these
 * models (no moves objective), so consecutive ones of a class take non-decreasing cluster indices. Without it the
 * solver proves a bin-packing optimum once per permutation of identical services.
 */
function symmetryRows(problem: PlacementProblem, variable: (s: number, c: number) => string | undefined, clusterCount: number): LinearConstraint[] {
  const constrained = new Set(problem.latency.flatMap((requirement) => [requirement.a, requirement.b]));
  const lastOfClass = new Map<string, number>();
  const rows: LinearConstraint[] = [];
  problem.services.forEach((service, s) => {
    if (constrained.has(s)) return;
    const key = `${service.cpu}/${service.memoryBytes}/${service.gpus}/${service.needsGpu}`;
    const previous = lastOfClass.get(key);
    lastOfClass.set(key, s);
    if (previous === undefined) return;
    const terms: LinearTerm[] = [];
    for (let c = 1; c < clusterCount; c++) {
      const before = variable(previous, c);
      const after = variable(s, c);
      if (before !== undefined) terms.push({ variable: before, coefficient: c });
      if (after !== undefined) terms.push({ variable: after, coefficient: -c });
    }
    if (terms.length > 0) rows.push({ name: `order_${s}`, terms, sense: '<=', rhs: 0 });
  });
  return rows;
}

function assignRows(problem: PlacementProblem, variable: (s: number, c: number) => string | undefined, clusterCount: number): LinearConstraint[] {
  return problem.services.map((_, s) => ({
    name: `assign_${s}`,
    terms: Array.from({ length: clusterCount }, (_c, c) => variable(s, c)).flatMap((name) => (name === undefined ? [] : [{ variable: name, coefficient: 1 }])),
    sense: '=' as const,
    rhs: 1,
  }));
}

/** Extra capacity of the `extensible` resources on one existing cluster (chosen by the model). */
async function extendOneCluster(
  problem: PlacementProblem,
  extensible: readonly Resource[],
  bound: Amounts,
  solver: Solver,
  probeLimit: () => number,
): Promise<ClusterCapacityAddition | undefined> {
  const names = problem.services.map((service, s) =>
    problem.clusters.map((cluster, c) => (shortfalls(service, cluster).every((r) => extensible.includes(r)) ? `x_${s}_${c}` : undefined)),
  );
  const variable = (s: number, c: number): string | undefined => names[s]?.[c];
  const variables: ModelVariable[] = names.flatMap((row) => row.flatMap((name) => (name === undefined ? [] : [binaryVariable(name)])));
  const constraints = assignRows(problem, variable, problem.clusters.length);
  const objective: LinearTerm[] = [];
  const selectors: LinearTerm[] = [];
  problem.clusters.forEach((_, c) => {
    const selector = `y_${c}`;
    variables.push(binaryVariable(selector));
    selectors.push({ variable: selector, coefficient: 1 });
    for (const resource of RESOURCES) {
      const capacity = capacityOf(problem, c, resource);
      if (capacity === undefined) continue;
      let extra: string | undefined;
      if (extensible.includes(resource)) {
        extra = `e_${resource}_${c}`;
        variables.push({ name: extra, lower: 0, upper: bound[resource], integer: resource === 'gpu' });
        constraints.push({ name: `select_${resource}_${c}`, terms: [{ variable: extra, coefficient: 1 }, { variable: selector, coefficient: -bound[resource] }], sense: '<=', rhs: 0 });
        objective.push({ variable: extra, coefficient: 1 / bound[resource] });
      }
      constraints.push(...resourceRows(problem, variable, c, resource, capacity, extra));
    }
  });
  constraints.push({ name: 'one_cluster', terms: selectors, sense: '<=', rhs: 1 });
  constraints.push(...latencyRows(problem, variable), ...symmetryRows(problem, variable, problem.clusters.length));
  const model: LinearModel = { name: `capacity-gap-${extensible.join('-')}`, sense: 'minimize', objective, variables, constraints };
  const decoded = await solveAndDecode(problem, model, variable, problem.clusters.length, solver, probeLimit);
  if (decoded === undefined) return undefined;

  const over = problem.clusters.map((_, c) => overload(problem, decoded.assignment, c));
  const grown = over.flatMap((amounts, c) => (RESOURCES.some((r) => amounts[r] > 0) ? [c] : []));
  const c = grown[0];
  const amounts = c === undefined ? undefined : over[c];
  // Exactly one cluster grows, and only in extensible resources; anything else is a solver tolerance artefact.
  if (c === undefined || amounts === undefined || grown.length > 1 || RESOURCES.some((r) => amounts[r] > 0 && !extensible.includes(r))) return undefined;
  return { cluster: problem.clusters[c]?.name ?? '', ...reported(amounts) };
}

/** The capacities one new cluster (unknown latency to the others) must have. */
async function addNewCluster(problem: PlacementProblem, bound: Amounts, solver: Solver, probeLimit: () => number): Promise<NewClusterCapacity | undefined> {
  const fresh = problem.clusters.length;
  const names = problem.services.map((service, s) => [
    ...problem.clusters.map((cluster, c) => (shortfalls(service, cluster).length === 0 ? `x_${s}_${c}` : undefined)),
    `x_${s}_new`,
  ]);
  const variable = (s: number, c: number): string | undefined => names[s]?.[c];
  const variables: ModelVariable[] = names.flatMap((row) => row.flatMap((name) => (name === undefined ? [] : [binaryVariable(name)])));
  const constraints = assignRows(problem, variable, fresh + 1);
  const objective: LinearTerm[] = [];
  problem.clusters.forEach((_, c) => {
    for (const resource of RESOURCES) {
      const capacity = capacityOf(problem, c, resource);
      if (capacity !== undefined) constraints.push(...resourceRows(problem, variable, c, resource, capacity, undefined));
    }
  });
  for (const resource of RESOURCES) {
    if (bound[resource] <= 0) continue;
    const size = `n_${resource}`;
    variables.push({ name: size, lower: 0, upper: bound[resource], integer: resource === 'gpu' });
    objective.push({ variable: size, coefficient: 1 / bound[resource] });
    constraints.push(...resourceRows(problem, variable, fresh, resource, 0, size));
  }
  constraints.push(...latencyRows(problem, variable, undefined, fresh + 1), ...symmetryRows(problem, variable, fresh + 1));
  const model: LinearModel = { name: 'capacity-gap-new-cluster', sense: 'minimize', objective, variables, constraints };
  const decoded = await solveAndDecode(problem, model, variable, fresh + 1, solver, probeLimit);
  if (decoded === undefined) return undefined;
  const load = loadOn(problem, decoded.assignment, fresh);
  const needsAcceleration = problem.services.some((service, s) => service.needsGpu && decoded.assignment[s] === fresh);
  const gpu = Math.max(load.gpu, needsAcceleration ? 1 : 0);
  return {
    cpu: roundCpu(load.cpu),
    ...(load.memory > 0 ? { memoryBytes: Math.ceil(load.memory - 1e-9) } : {}),
    ...(gpu > 0 ? { gpu } : {}),
  };
}

async function solveAndDecode(
  problem: PlacementProblem,
  model: LinearModel,
  variable: (s: number, c: number) => string | undefined,
  clusterCount: number,
  solver: Solver,
  probeLimit: () => number,
): Promise<Decoded | undefined> {
  const timeLimitMs = probeLimit();
  if (timeLimitMs < 1) return undefined;
  const result = await solver.solve(model, { timeLimitMs });
  if (!result.provenOptimal) return undefined;
  const assignment = problem.services.map((_, s) =>
    Array.from({ length: clusterCount }, (_c, c) => c).findIndex((c) => (result.values.get(variable(s, c) ?? '') ?? 0) > 0.5),
  );
  return assignment.includes(-1) ? undefined : { assignment };
}

/** Load on cluster index c in raw units (cores, bytes, GPUs). */
function loadOn(problem: PlacementProblem, assignment: readonly number[], c: number): Amounts {
  const load: Amounts = { cpu: 0, memory: 0, gpu: 0 };
  problem.services.forEach((service, s) => {
    if (assignment[s] !== c) return;
    load.cpu += service.cpu;
    load.memory += service.memoryBytes;
    load.gpu += service.gpus;
  });
  return load;
}

/** What the assignment puts on an existing cluster beyond its capacity, in raw units (0 where it fits). */
function overload(problem: PlacementProblem, assignment: readonly number[], c: number): Amounts {
  const cluster = problem.clusters[c];
  const load = loadOn(problem, assignment, c);
  const beyond = (used: number, capacity: number | undefined): number => (capacity === undefined || withinCapacity(used, capacity) ? 0 : used - capacity);
  const needsAcceleration = problem.services.some((service, s) => service.needsGpu && assignment[s] === c);
  const gpus = cluster?.gpus ?? 0;
  return {
    cpu: beyond(load.cpu, cluster?.cpu),
    memory: beyond(load.memory, cluster?.memoryBytes),
    gpu: needsAcceleration ? Math.max(beyond(load.gpu, gpus), gpus > 0 ? 0 : 1 - gpus) : 0,
  };
}

function reported(amounts: Amounts): Omit<ClusterCapacityAddition, 'cluster'> {
  return {
    ...(amounts.cpu > 0 ? { cpu: roundCpu(amounts.cpu) } : {}),
    ...(amounts.memory > 0 ? { memoryBytes: Math.ceil(amounts.memory - 1e-9) } : {}),
    ...(amounts.gpu > 0 ? { gpu: Math.ceil(amounts.gpu - 1e-9) } : {}),
  };
}

/** Up to whole millicores (Kubernetes' CPU granularity), tolerating float noise below 1e-9 cores. */
function roundCpu(cores: number): number {
  return Math.ceil(cores * 1000 - 1e-6) / 1000;
}
