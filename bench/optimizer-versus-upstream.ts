/**
 * `npm run bench:optimizer -- --versus-upstream [--quick]`: SMO's placement against upstream's model (CVXPY + HiGHS,
 * scripts/bench-upstream/) on the same seeded instances, each side timed over its whole call (upstream: model build
 * + solve in one Python process; SMO: milpPlacement in this process, problem building included), best of three.
 * Prints one JSON document: per instance the ratio upstream/ours and the moves of each, the geometric mean, the
 * 1,000 × 200 time, and the infeasible verdict against a feasible solve of the same size.
 *
 * Instances are CPU-only (upstream knows no memory; a GPU is an acceleration flag, so an accelerated cluster gets
 * as many GPUs as all GPU replicas together): random ones (10 × 3 … 200 × 50, tightness 0.5–0.9, clusters lost up
 * to 15 % capacity, ~10 % gone, ~10 % of services new), tight ones (capacity ~8 % above demand) and 500 × 100,
 * 1,000 × 200. Moves are compared on services whose current cluster is still available: upstream's matrix has no
 * column for a lost cluster, so its services move for free there (SMO counts them, as forced moves).
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { ClusterCapacity, Placement, ServiceDemand, getSolver, milpPlacement } from '../src/optimizer';
import { randomPlacementInstance } from '../src/optimizer/testing/random-instances';

interface Instance {
  readonly id: string;
  readonly services: ServiceDemand[];
  readonly clusters: ClusterCapacity[];
  readonly current: Placement;
  readonly kind: 'random' | 'tight' | 'large' | 'infeasible';
}

interface UpstreamRow {
  readonly id: string;
  readonly status: string;
  readonly moves: number | null;
  readonly ms: number;
}

const SHAPES: readonly (readonly [number, number])[] = [
  [10, 3], [10, 5], [20, 5], [30, 5], [50, 10], [60, 10], [100, 20], [150, 30], [200, 40], [200, 50],
];

export function versusUpstreamInstances(quick: boolean): Instance[] {
  const instances: Instance[] = [];
  let seed = 100;
  const shapes = quick ? SHAPES.filter(([services]) => services <= 100) : SHAPES;
  for (const [services, clusters] of shapes) {
    for (const gpus of [false, true]) {
      instances.push(cpuOnly(`${services}x${clusters}${gpus ? '+gpu' : ''}`, 'random', randomPlacementInstance(seed++, { services, clusters, gpus })));
    }
    instances.push(cpuOnly(`tight ${services}x${clusters}`, 'tight', randomPlacementInstance(seed++, { services, clusters, gpus: false, tightness: 0.92 })));
  }
  const large: readonly (readonly [number, number])[] = quick ? [[500, 100]] : [[500, 100], [1000, 200]];
  for (const [services, clusters] of large) {
    instances.push(cpuOnly(`${services}x${clusters}`, 'large', randomPlacementInstance(seed++, { services, clusters, gpus: true, tightness: 0.8 })));
  }
  // The 10 × 5 random instance with every cluster at 30 % of its capacity: more demand than supply.
  const shrunk = randomPlacementInstance(SHAPES.findIndex(([services, clusters]) => services === 10 && clusters === 5) * 3 + 100, { services: 10, clusters: 5, gpus: false });
  instances.push(cpuOnly('infeasible 10x5', 'infeasible', { ...shrunk, clusters: shrunk.clusters.map((cluster) => ({ ...cluster, cpu: cluster.cpu * 0.3 })) }));
  return instances;
}

/** Upstream's view of an instance: no memory, GPUs as a flag (enough GPUs on every accelerated cluster). */
function cpuOnly(id: string, kind: Instance['kind'], instance: ReturnType<typeof randomPlacementInstance>): Instance {
  const gpuReplicas = instance.services.reduce((sum, service) => sum + (service.gpu ? service.replicas : 0), 0);
  return {
    id,
    kind,
    services: instance.services.map((service) => ({ ...service, memoryBytes: null })),
    clusters: instance.clusters.map((cluster) => ({ ...cluster, memoryBytes: null, gpu: (cluster.gpu ?? 0) > 0 ? Math.max(1, gpuReplicas) : null })),
    current: instance.current,
  };
}

function upstreamInput(instance: Instance): Record<string, unknown> {
  const available = instance.clusters.filter((cluster) => cluster.available).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    id: instance.id,
    capacities: available.map((cluster) => cluster.cpu),
    clusterAcceleration: available.map((cluster) => ((cluster.gpu ?? 0) > 0 ? 1 : 0)),
    cpu: instance.services.map((service) => service.cpu),
    acceleration: instance.services.map((service) => (service.gpu ? 1 : 0)),
    replicas: instance.services.map((service) => service.replicas),
    current: instance.services.map((service) => available.map((cluster) => (instance.current[service.id] === cluster.name ? 1 : 0))),
    repeats: instance.services.length * available.length > 50_000 ? 1 : 3,
  };
}

async function runUpstream(instances: readonly Instance[]): Promise<Map<string, UpstreamRow>> {
  const script = join(__dirname, '..', 'scripts', 'bench-upstream', 'run.sh');
  const child = spawn('bash', [script], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    output += chunk;
    for (const line of chunk.split('\n')) if (line.startsWith('{')) progress(`upstream ${line.trim()}`);
  });
  child.stdin.end(JSON.stringify({ instances: instances.map(upstreamInput) }));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`scripts/bench-upstream/run.sh exited with ${code}`);
  // HiGHS prints its banner on stdout too: only the JSON lines are results.
  const rows = output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as UpstreamRow);
  return new Map(rows.map((row) => [row.id, row]));
}

async function runOurs(instance: Instance, repeats: number): Promise<Record<string, unknown>> {
  const solver = await getSolver();
  let best = Infinity;
  let result: Awaited<ReturnType<typeof milpPlacement>> | undefined;
  for (let repeat = 0; repeat < repeats; repeat++) {
    const started = performance.now();
    result = await milpPlacement(instance.clusters, instance.services, instance.current, { solver });
    best = Math.min(best, performance.now() - started);
  }
  if (result === undefined) throw new Error('no run');
  const available = new Set(instance.clusters.filter((cluster) => cluster.available).map((cluster) => cluster.name));
  const placement = result.feasible ? result.placement : undefined;
  const comparableMoves =
    placement === undefined
      ? null
      : instance.services.filter((service) => {
          const before = instance.current[service.id];
          return before !== undefined && available.has(before) && placement[service.id] !== before;
        }).length;
  // An infeasible verdict without the capacity-gap probes (what the verdict itself costs), and with the gap requested
  // (`?capacityGap=true`); `ms` is the default (the gap only within the verdict's time).
  const bestOf = async (capacityGap: boolean): Promise<{ ms: number; gap: boolean }> => {
    let fastest = Infinity;
    let gap = false;
    for (let repeat = 0; repeat < repeats; repeat++) {
      const started = performance.now();
      const outcome = await milpPlacement(instance.clusters, instance.services, instance.current, { solver, capacityGap });
      fastest = Math.min(fastest, performance.now() - started);
      gap = !outcome.feasible && outcome.capacityGap !== undefined;
    }
    return { ms: fastest, gap };
  };
  const withoutGapMs = result.feasible ? undefined : (await bestOf(false)).ms;
  const requested = result.feasible ? undefined : await bestOf(true);
  const requestedGapMs = requested?.ms;
  return {
    ms: round(best),
    ...(withoutGapMs === undefined ? {} : { withoutGapMs: round(withoutGapMs) }),
    ...(requestedGapMs === undefined ? {} : { requestedGapMs: round(requestedGapMs) }),
    feasible: result.feasible,
    moves: comparableMoves,
    ...(result.feasible
      ? { provenMinimalMoves: result.provenMinimalMoves, provenOptimal: result.provenOptimal, terms: result.terms }
      : { kind: result.kind, bindingResource: result.bindingResource, capacityGap: result.capacityGap !== undefined, capacityGapRequested: requested?.gap }),
  };
}

/** Fresh processes: the first solve without and with the start-up warm-up, against warm solves (optimizer-first-solve.ts). */
async function firstSolve(warmUp: boolean): Promise<Record<string, number>> {
  const root = join(__dirname, '..');
  const args = ['--no-experimental-strip-types', '-r', join(root, 'scripts', 'register-ts.cjs'), join(root, 'bench', 'optimizer-first-solve.ts')];
  const child = spawn(process.execPath, warmUp ? [...args, '--warm-up'] : args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`optimizer-first-solve.ts exited with ${code}`);
  return JSON.parse(output) as Record<string, number>;
}

export async function versusUpstream(quick: boolean): Promise<Record<string, unknown>> {
  const loadBefore = loadavg()[0] ?? 0;
  // Three fresh processes each way; the median ratio (one process is too noisy on a shared machine).
  const medianRun = async (warmUp: boolean): Promise<Record<string, number>> => {
    const runs: Record<string, number>[] = [];
    for (let run = 0; run < 3; run++) runs.push(await firstSolve(warmUp));
    return runs.sort((a, b) => (a.ratio ?? 0) - (b.ratio ?? 0))[1] ?? {};
  };
  const first = { withoutWarmUp: await medianRun(false), withWarmUp: await medianRun(true) };
  progress(`first solve ${JSON.stringify(first)}`);
  const instances = versusUpstreamInstances(quick);
  // Pre-warm as the service does at start-up, then measure.
  const warm = randomPlacementInstance(0, { services: 20, clusters: 5, gpus: true });
  await milpPlacement(warm.clusters, warm.services, warm.current, { solver: await getSolver() });
  const ours = new Map<string, Record<string, unknown>>();
  for (const instance of instances) {
    ours.set(instance.id, await runOurs(instance, instance.services.length * instance.clusters.length > 50_000 ? 1 : 3));
    progress(`ours ${instance.id} ${JSON.stringify(ours.get(instance.id))}`);
  }
  const upstream = await runUpstream(instances);

  const rows = instances.map((instance) => {
    const mine = ours.get(instance.id) ?? {};
    const theirs = upstream.get(instance.id);
    const oursMs = Number(mine.ms);
    const upstreamMs = theirs?.ms ?? NaN;
    return {
      id: instance.id,
      kind: instance.kind,
      upstreamMs,
      oursMs,
      ratio: round(upstreamMs / Math.max(oursMs, 0.001)),
      upstreamMoves: theirs?.moves ?? theirs?.status ?? null,
      oursMoves: mine.feasible === true ? mine.moves : 'infeasible',
      sameMoves: (theirs?.moves ?? null) === (mine.feasible === true ? mine.moves : null),
      provenMinimalMoves: mine.provenMinimalMoves,
      provenOptimal: mine.provenOptimal,
    };
  });
  const ratios = rows.map((row) => row.ratio).filter((ratio) => Number.isFinite(ratio) && ratio > 0);
  const geometricMean = Math.exp(ratios.reduce((sum, ratio) => sum + Math.log(ratio), 0) / Math.max(1, ratios.length));
  // Every infeasible instance against the feasible instances of its shape (services × clusters).
  const shapeOf = (id: string): string => /\d+x\d+/.exec(id)?.[0] ?? id;
  const infeasibleRows = rows.filter((row) => row.oursMoves === 'infeasible').map((row) => {
    const feasible = rows.filter((other) => other.oursMoves !== 'infeasible' && shapeOf(other.id) === shapeOf(row.id)).map((other) => other.oursMs);
    const feasibleMs = feasible.length === 0 ? NaN : Math.min(...feasible);
    const mine = ours.get(row.id) ?? {};
    return {
      id: row.id,
      infeasibleMs: row.oursMs,
      withoutGapMs: mine.withoutGapMs,
      gapRequestedMs: mine.requestedGapMs,
      gapRequestedFound: mine.capacityGapRequested,
      fastestFeasibleSameShapeMs: feasibleMs,
      ratio: round(row.oursMs / feasibleMs),
    };
  });
  const largest = rows.find((row) => row.id === '1000x200');
  return {
    benchmark: 'optimizer-versus-upstream',
    node: process.version,
    cpus: cpus().length,
    loadAverage: { before: round(loadBefore), after: round(loadavg()[0] ?? 0) },
    goals: 'same moves everywhere; geometric mean ≥ 5; no ratio < 1; 1000x200 proven in < 1000 ms; infeasible (default, gap within the verdict) ≤ 2 × feasible of its shape',
    geometricMean: round(geometricMean),
    slowerThanUpstream: rows.filter((row) => row.ratio < 1).map((row) => row.id),
    movesDiffer: rows.filter((row) => !row.sameMoves).map((row) => row.id),
    largest: largest === undefined ? null : { oursMs: largest.oursMs, provenMinimalMoves: largest.provenMinimalMoves, provenOptimal: largest.provenOptimal },
    firstSolve: { goal: 'first solve of a fresh process (warmed up at start-up) within 2 × a warm one', ...first },
    infeasibleVersusFeasible: infeasibleRows,
    rows,
  };
}

const round = (value: number): number => Math.round(value * 100) / 100;
const progress = (message: string): void => void process.stderr.write(`${message}\n`);
