import type { NormalisedGraph } from '../../descriptor/types';
import { placedValues } from '../../domain/graph/placement-values';
import { activeIntents, createServiceImports, describeCapacityGap, getIsolatedSolver, initialPlacement, intentPlacement, type ServiceDemand } from '../../optimizer';
import { serviceDemand } from '../../processors/placement-inputs';
import { clusterCapacities } from '../../processors/cluster-inventory';
import type { LatencyMatrix } from '../../processors/cluster-latencies';
import type { Runtime } from '../../app/runtime';
import type { Problem } from '../../shared/problem-details';
import { ReadModelBehindError } from '../../processing/runner';
import { parameterProblem } from '../query-parameters';

/** How long a dry run waits for the first inventory sync and the clusters read model (a start-up race only). */
const INVENTORY_WAIT_MS = 5_000;
/** The read models a placement reads its capacity from. */
const PLACEMENT_READ_MODELS = ['clusters', 'placement-ledger'] as const;

/** The answer of `POST /project/{p}/graphs?dryRun=true`: what a deploy would do now. */
export interface DryRunAnswer {
  dryRun: true;
  graph: string;
  project: string;
  placement: {
    feasible: boolean;
    algorithm: 'naive' | 'static' | 'milp';
    placement: Record<string, string>;
    /** Services on several clusters (highAvailability): every cluster. */
    clusterSets?: Record<string, readonly string[]>;
    /** Why it cannot be placed, with the capacity gap when capacity binds. */
    detail?: string;
    bindingResource?: string | null;
    /** The placement inputs, with the field names of POST /placement/plan and of recorded decisions. */
    inputs: { clusters: unknown[]; services: ServiceDemand[] };
  };
  services: Array<{
    name: string;
    cluster: string | null;
    chart: string;
    /** `auto` services are installed at once; `event` ones wait Pending for their alert. */
    trigger: 'auto' | 'event';
    /** The values SMO would give helm (the descriptor's values plus the placement keys). */
    values: Record<string, unknown>;
  }>;
  warnings: Problem[];
}

/**
 * A deploy that records nothing (like `kubectl apply --dry-run=server`): the submission was validated and translated
 * by the caller; here it is placed first-fit against the current inventory (as the first deployment would be), with the
 * cluster latencies the real placement uses (Submariner's measured round trips and SMO_CLUSTER_LATENCIES), and each
 * service's Helm values are rendered. Reads only; bounded by the inventory size and SMO_MAX_SOLVE_CELLS.
 */
export async function dryRunDeploy(
  runtime: Runtime,
  placementSources: {
    inventory: { whenSynced(timeoutMs: number): Promise<void> };
    /** The cluster latencies the real placement uses (DurableProcessing.clusterLatencies). */
    clusterLatencies: () => Promise<LatencyMatrix | undefined>;
  },
  project: string,
  graph: NormalisedGraph,
  warnings: Problem[],
): Promise<DryRunAnswer> {
  await placementSources.inventory.whenSynced(INVENTORY_WAIT_MS);
  const behind = await readModelsBehind(runtime);
  const clusters = await clusterCapacities(runtime.readStore, { now: new Date(), ttlMs: runtime.config.placementLedgerTtlSeconds * 1000 });
  const services: ServiceDemand[] = graph.services.map((service) => serviceDemand(service, 1));
  const network = { clusterLatencyMs: await placementSources.clusterLatencies(), latencyLimitsMs: runtime.config.latency.limitsMs };
  // As the first deployment: under an active intent the MILP places the graph.
  const underIntents = !graph.useStaticPlacement && activeIntents(services, graph.intents).length > 0;
  const inputs = { clusters, services };
  const common = { dryRun: true as const, graph: graph.id, project, warnings: behind ? [...warnings, behind] : warnings };
  const limit = runtime.config.security.maxSolveCells;
  const result =
    services.length * clusters.length > limit
      ? ({ algorithm: 'naive', feasible: false, reason: `${services.length} services × ${clusters.length} clusters exceeds SMO_MAX_SOLVE_CELLS (${limit})` } as const)
      : underIntents
        ? {
            algorithm: 'milp' as const,
            ...(await intentPlacement(clusters, services, undefined, {
              solver: getIsolatedSolver(runtime.config.solver),
              ...network,
              intents: graph.intents,
              labelKeys: runtime.config.karmada.intentLabels,
              compareEnergy: false,
            })),
          }
        : initialPlacement({ useStaticPlacement: graph.useStaticPlacement, clusters, services, ...network });
  const isStatic = result.algorithm === 'static';
  if (!isStatic && !result.feasible) {
    const gap = 'capacityGap' in result && result.capacityGap ? describeCapacityGap(result.capacityGap, false) : [];
    return {
      ...common,
      placement: { feasible: false, algorithm: result.algorithm, placement: {}, detail: [result.reason, ...gap].join(' '), bindingResource: 'bindingResource' in result ? (result.bindingResource ?? null) : null, inputs },
      services: graph.services.map((service) => ({ name: service.id, cluster: null, chart: service.artifact.ref, trigger: service.trigger.kind, values: service.helmValues })),
    };
  }
  const placement: Record<string, string> = isStatic || !result.feasible ? {} : { ...result.placement };
  const clusterSets = !isStatic && result.feasible && 'clusterSets' in result ? result.clusterSets : {};
  const imports = isStatic ? {} : createServiceImports(graph.services, placement, clusterSets);
  const values = placedValues(graph.services, isStatic ? null : placement, imports, clusterSets);
  return {
    ...common,
    placement: { feasible: true, algorithm: result.algorithm, placement, ...(Object.keys(clusterSets).length > 0 ? { clusterSets } : {}), inputs },
    services: graph.services.map((service) => ({
      name: service.id,
      cluster: placement[service.id] ?? null,
      chart: service.artifact.ref,
      trigger: service.trigger.kind,
      values: values[service.id] ?? service.helmValues,
    })),
  };
}

/** `?dryRun=true|false`; anything else is refused, so a typo never deploys for real. */
export function dryRunRequested(query: unknown): boolean {
  const value = (query as Record<string, unknown> | undefined)?.dryRun;
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw parameterProblem('dryRun', 'must be true or false');
}

/**
 * Waits (bounded) for the read models a placement reads to hold everything recorded so far. A preview records
 * nothing, so one still behind is no refusal: the answer shows what they hold, with this warning.
 */
async function readModelsBehind(runtime: Runtime): Promise<Problem | null> {
  const head = (await runtime.eventStore.headPosition()) ?? 0;
  const waits = await Promise.allSettled(PLACEMENT_READ_MODELS.map((name) => runtime.processing.whenProcessed(head, { names: [name], timeoutMs: INVENTORY_WAIT_MS })));
  const behind: string[] = [];
  for (const wait of waits) {
    if (wait.status === 'fulfilled') continue;
    if (!(wait.reason instanceof ReadModelBehindError)) throw wait.reason;
    behind.push(wait.reason.runner);
  }
  if (behind.length === 0) return null;
  const which = behind.map((name) => `the ${name} read model`).join(' and ');
  return { pointer: '', message: `${which[0]!.toUpperCase()}${which.slice(1)} ${behind.length > 1 ? 'have' : 'has'} not caught up with what was recorded: this placement may not count the latest placements and cluster observations.` };
}
