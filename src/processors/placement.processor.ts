import type { RecordedEvent } from '../eventstore/event-store';
import type { GraphCommand } from '../domain/graph/commands';
import type { EnergyFiguresOutcome } from '../integrations/prometheus/energy-figures';
import { GRAPH_CATEGORY, isGraphEvent, type PlacementDecided, type PlacementFailed, type PlacementReason, type ReplacementRequested } from '../domain/graph/events';
import { placementAction, placementPolicy } from '../domain/graph/placement-policy';
import { placedValues } from '../domain/graph/placement-values';
import type { ExistingGraph, GraphState } from '../domain/graph/state';
import {
  activeIntents,
  createServiceImports,
  describeCapacityGap,
  formatBytes,
  initialPlacement,
  intentPlacement,
  intentsExplanation,
  milpPlacement,
  type CapacityGap,
  type ClusterCapacity,
  type IntentLabelKeys,
  type PlacementInfeasible,
  type ServiceDemand,
} from '../optimizer';
import { workersForGap, type WorkerFlavor } from '../domain/graph/cluster-provisioning';
import { copySets, serviceDemand } from './placement-inputs';
import type { VimDocument } from '../../projections/vims.projection';
import type { Solver } from '../optimizer/solver';
import type { CachingReadStore } from '../readstore/caching-read-store';
import { digestOf } from '../shared/canonical-json';
import { PreconditionFailedError, type CommandContext } from '../application/command-handler';
import type { GraphCommands } from '../application/graph-commands';
import { processorContext } from '../application/processor-context';
import type { Processor, ProcessorContext } from '../processing/processor';
import type { PlacementLease } from '../application/placement-lease';
import { clusterCapacities } from './cluster-inventory';
import { ownGraphOf, type OwnGraph } from './placed-demand';
import type { ClusterDocument } from '../../projections/clusters.projection';

/** Live replica counts, for re-placement (a service that reports none counts as 1) and the autoscaler's rounds. */
export interface ReplicaSource {
  /** `signal`: the caller stops; the reads in flight are dropped (unknown). */
  replicas(graph: ExistingGraph, serviceIds: readonly string[], signal?: AbortSignal): Promise<LiveReplicas>;
}

export interface LiveReplicas {
  /** Each service's replicas, null when unknown. */
  replicas: ReadonlyMap<string, number | null>;
  /** Karmada did not answer in time, or could not be reached: the reads not answered were given up. */
  unanswered: string | null;
}

export type Dispatch = (command: GraphCommand, context: CommandContext) => Promise<unknown>;

/** What a placement decision reads outside SMO's store (PlacementProcessor.outsideInputs). */
interface OutsideInputs {
  replicas: ReadonlyMap<string, number | null>;
  clusterLatencyMs: Record<string, Record<string, number>> | undefined;
  energy: EnergyFiguresOutcome | undefined;
}

const NAME = 'placement';
/** Records of one decision tried on a graph that other events keep moving (each attempt re-reads it; no new solve). */
const MAX_RECORD_ATTEMPTS = 20;

/**
 * Decides where a graph's services run: naive first-fit (or static) when the graph is submitted,
 * the MILP from the current placement when re-placement is requested. Each decision is recorded
 * with its inputs, so it can be audited and replayed.
 */
export class PlacementProcessor implements Processor {
  readonly name = NAME;
  // GraphStarted: a graph stopped before it was ever placed (its first placement failed) is placed when started again.
  readonly filter = { eventTypes: ['GraphSubmitted', 'GraphStarted', 'ReplacementRequested'], streamCategories: [GRAPH_CATEGORY] };

  constructor(
    private readonly deps: {
      graphs: GraphCommands;
      readStore: CachingReadStore;
      dispatch: Dispatch;
      /** Held from reading the capacity left to recording the decision (approvals hold it too). */
      placementLease: Pick<PlacementLease, 'run'>;
      solver: () => Promise<Solver>;
      replicas: ReplicaSource;
      /**
       * Resolves once the cluster inventory has been read (bounded), so a graph sent at start-up is
       * not placed on nothing, the placement ledger holds every decision recorded so far, and the VIMs every registration.
       */
      inventoryReady: () => Promise<void>;
      /** How long SMO's own placements count against a cluster whose allocation Karmada has not shown changing. */
      ledgerTtlMs: number;
      /** The simulated inventory reports SMO's own placements as allocated (Karmada shows only pods that request resources). */
      inventoryShowsPlacements: boolean;
      /** The most services × clusters one solve may have (a bound on solver work). */
      maxSolveCells: number;
      /** How long a placement proposal can be approved. */
      proposalTtlMs: number;
      /** Round-trip times between clusters for latency requirements, read at each decision (unknown pairs allow best-effort only). */
      clusterLatencies?: () => Promise<Record<string, Record<string, number>> | undefined>;
      latencyLimitsMs?: { ultralow: number; low: number };
      /** Cluster label keys the intents read (default smo.nephele.eu/trusted, smo.nephele.eu/carbon-intensity). */
      intentLabels?: Partial<IntentLabelKeys>;
      /** The energy figure per cluster from SMO_ENERGY_QUERY, read when a graph has the energyEfficiency intent. */
      energyFigures?: () => Promise<EnergyFiguresOutcome>;
      /** NFVCL is configured: an infeasible placement proposes a new cluster sized from its capacity gap. */
      provisioning?: { workerFlavor: WorkerFlavor };
    },
  ) {}

  async handle(event: RecordedEvent, { signal }: ProcessorContext): Promise<void> {
    if (!isGraphEvent(event)) return;
    const reason: PlacementReason = event.type === 'ReplacementRequested' ? event.data.reason : event.type === 'GraphStarted' && event.data.overbooked.length > 0 ? 'start' : 'first-deploy';
    // Read, decided and recorded under the lease approvals hold too: neither takes capacity the other is taking, and
    // an approval of this graph that held it meanwhile (its placement changed) is what this decision starts from.
    const stopped = () => (signal.reason instanceof Error ? signal.reason : new Error('the placement processor stopped'));
    const wanted = (state: GraphState): state is ExistingGraph =>
      // A re-submitted id: only the submission that is current now gets placed; a started graph only if never placed.
      state.kind === 'exists' && !state.removed && !((event.type === 'GraphSubmitted' || event.type === 'GraphStarted') && state.placement !== null);
    const before = (await this.deps.graphs.load(event.data.graphId)).state;
    if (!wanted(before)) return;
    // What the decision reads outside SMO's store (the first inventory, Karmada, Prometheus), read before the lease:
    // approvals, which wait at most 10 s for it, wait for none of those calls.
    const outside = await this.outsideInputs(before, reason);
    const placed = await this.deps.placementLease.run(signal, stopped, async (held) => {
      const { state, revision } = await this.deps.graphs.load(event.data.graphId);
      if (!wanted(state)) return null;
      const decision = await this.decide(state, reason, event, outside);
      const recorded = event.type === 'ReplacementRequested' ? this.governed(state, decision, event) : decision;
      // Lost meanwhile (this instance paused past the lease's TTL): another may have decided on the same capacity; decided again.
      if (!(await held())) throw new Error('the placement lease was lost while deciding; the event is handled again');
      await this.recordOnSameSubmission(state, revision, recorded, processorContext(NAME, event, 'decide'));
      return { state, decision, recorded };
    });
    if (placed === null) return;
    const { state, decision, recorded } = placed;
    if (recorded.type === 'RecordPlacement' && !state.normalised.useStaticPlacement) await this.replaceIfAClusterLeft(recorded.data, event);
    if (decision.type === 'RecordPlacementFailure') {
      const proposal = await this.provisioningProposal(decision.data, event);
      if (proposal) await this.deps.dispatch(proposal, processorContext(NAME, event, 'propose-cluster'));
    }
  }

  /**
   * Records the decision on the submission it was decided on. Deciding awaits the inventory, the gateways and the
   * solver, and meanwhile the graph may have been removed and submitted again with services this decision never
   * saw: the record is pinned to the revision read, and when other events landed meanwhile (a busy graph: scaling,
   * installs) it is pinned again to the graph as it is now, as long as that is still the same submission. Another
   * submission fails the step (PreconditionFailedError): the runner handles the event again, on the graph as it is.
   */
  private async recordOnSameSubmission(decidedOn: ExistingGraph, revision: number, command: GraphCommand, context: CommandContext): Promise<void> {
    const submission = JSON.stringify(decidedOn.normalised);
    for (let pinned = revision, attempt = 1; ; attempt++) {
      try {
        await this.deps.dispatch(command, { ...context, expectedRevision: pinned });
        return;
      } catch (error) {
        if (!(error instanceof PreconditionFailedError) || attempt >= MAX_RECORD_ATTEMPTS) throw error;
        const now = await this.deps.graphs.load(decidedOn.graphId);
        if (now.state.kind !== 'exists' || now.state.removed || JSON.stringify(now.state.normalised) !== submission) throw error;
        pinned = now.revision;
      }
    }
  }

  /**
   * A cluster the decision chose that left while it was being made (removed from Karmada, or unavailable): cluster
   * loss found no placement of this graph on it to move then, so the graph is re-placed now.
   */
  private async replaceIfAClusterLeft(placed: PlacementDecided['data'], event: RecordedEvent): Promise<void> {
    await this.deps.inventoryReady();
    const clusters = new Map((await this.deps.readStore.find<ClusterDocument>('clusters')).map(({ doc }) => [doc.name, doc]));
    const chosen = new Set([...Object.values(placed.placement), ...Object.values(placed.clusterSets ?? {}).flat()]);
    const left = [...chosen].sort().find((name) => clusters.get(name)?.available !== true);
    if (left === undefined) return;
    const reason = clusters.has(left) ? 'cluster-lost' : 'cluster-removed';
    await this.deps.dispatch(
      { type: 'RequestReplacement', data: { graphId: placed.graphId, requestId: `${event.id}:left-meanwhile`, reason, detail: `cluster ${left} ${reason === 'cluster-lost' ? 'became unavailable' : 'was removed'} while the placement was decided` } },
      processorContext(NAME, event, 'left-meanwhile'),
    );
  }

  /** A new cluster sized from the gap, on the first VIM (by name) NFVCL can build on; none without NFVCL, a gap, or a VIM. */
  private async provisioningProposal(failure: PlacementFailed['data'], event: RecordedEvent): Promise<GraphCommand | undefined> {
    const provisioning = this.deps.provisioning;
    const gap = (failure.capacityGap as CapacityGap | undefined)?.newCluster;
    if (!provisioning || !gap) return undefined;
    const workerReplicas = workersForGap(gap, provisioning.workerFlavor);
    if (workerReplicas === undefined) return undefined;
    const vims = await this.deps.readStore.find<VimDocument>('vims', { where: { removed: false }, orderBy: [{ field: 'name' }], limit: 100 });
    const vim = vims.map(({ doc }) => doc).find((doc) => doc.popArea !== null && doc.mgmtNetwork && doc.serviceNetwork);
    if (!vim || vim.popArea === null) return undefined;
    const flavor = provisioning.workerFlavor;
    return {
      type: 'ProposeClusterProvisioning',
      data: {
        graphId: failure.graphId,
        proposalId: `${event.id}-cluster`,
        basisDecisionId: failure.decisionId,
        gap: { ...gap },
        popArea: vim.popArea,
        vimName: vim.name,
        workerReplicas,
        workerFlavor: { ...flavor },
        why: `No placement fits (${failure.bindingResource ?? 'capacity'}); a new cluster with ${workerReplicas} worker(s) of ${flavor.cpu} CPU / ${formatBytes(flavor.memoryBytes)} covers the gap (${describeCapacityGap({ newCluster: gap }, false).join(' ')})`,
        expiresAt: new Date(new Date(event.created).getTime() + this.deps.proposalTtlMs).toISOString(),
      },
      now: new Date(event.created).toISOString(),
    };
  }

  /**
   * The decision's inputs from outside SMO's store, each call bounded: the first inventory, the live replicas (Karmada),
   * the round-trip times and the energy figures (Prometheus). Read for the graph as it was before the lease: a
   * submission that changed meanwhile counts its new services as 1 replica, and its intents without energy figures.
   */
  private async outsideInputs(graph: ExistingGraph, reason: PlacementReason): Promise<OutsideInputs> {
    await this.deps.inventoryReady();
    // Only an installed service has a Deployment to read: one not installed yet (Pending, or never deployed) counts as 1
    // replica without asking Karmada, whose answer (not found) made every re-placement warn "live replicas unknown".
    const installed = graph.services.filter((service) => service.installed !== null).map((service) => service.id);
    const replicas = reason === 'first-deploy' || installed.length === 0 ? new Map<string, number | null>() : (await this.deps.replicas.replicas(graph, installed)).replicas;
    const clusterLatencyMs = await this.deps.clusterLatencies?.();
    const services = graph.normalised.services.map((service) => serviceDemand(service, replicas.get(service.id) ?? 1));
    const active = graph.normalised.useStaticPlacement ? [] : activeIntents(services, graph.normalised.intents);
    const energy = active.includes('energyEfficiency') && this.deps.energyFigures ? await this.deps.energyFigures() : undefined;
    return { replicas, clusterLatencyMs, energy };
  }

  private async decide(graph: ExistingGraph, reason: PlacementReason, event: RecordedEvent, outside: OutsideInputs): Promise<GraphCommand> {
    const decisionId = event.id;
    // Again, under the lease: the placement ledger then holds every decision recorded before this one (an approval's too).
    await this.deps.inventoryReady();
    const first = reason === 'first-deploy';
    const clusters = await clusterCapacities(this.deps.readStore, { now: new Date(), ttlMs: this.deps.ledgerTtlMs, ...(first ? {} : { own: this.ownGraph(graph) }) });
    const { replicas, clusterLatencyMs, energy } = outside;
    const services: ServiceDemand[] = graph.normalised.services.map((service) => serviceDemand(service, replicas.get(service.id) ?? 1));
    const network = { clusterLatencyMs, latencyLimitsMs: this.deps.latencyLimitsMs };
    const previousPlacement = graph.placement && graph.placement.algorithm !== 'static' ? graph.placement.placement : null;
    const intents = graph.normalised.intents;
    const active = graph.normalised.useStaticPlacement ? [] : activeIntents(services, intents);
    const previousClusterSets = previousPlacement ? graph.placement?.clusterSets : undefined;
    // Recorded with the inputs, so a replay sees the figures this decision saw.
    const energyFigures = energy?.ok && Object.keys(energy.figures).length > 0 ? energy.figures : undefined;
    const inputs = {
      clusters,
      services,
      previousPlacement,
      ...(clusterLatencyMs ? { clusterLatencyMs } : {}),
      ...(active.length > 0 ? { intents: { ...intents } } : {}),
      ...(active.length > 0 && previousClusterSets ? { previousClusterSets } : {}),
      ...(energyFigures ? { energyFigures: { ...energyFigures } } : {}),
    };
    if (services.length * clusters.length > this.deps.maxSolveCells) {
      const detail = `${services.length} services × ${clusters.length} clusters exceeds SMO_MAX_SOLVE_CELLS (${this.deps.maxSolveCells})`;
      return this.failed(graph, { decisionId, reason, algorithm: first ? 'naive' : 'milp', inputs }, { reason: detail });
    }
    const started = performance.now();
    if (active.length > 0) {
      // First fit cannot honour the intents: the MILP places the graph, at first deployment too.
      const result = await intentPlacement(clusters, services, previousPlacement ?? undefined, {
        solver: await this.deps.solver(),
        ...network,
        intents,
        ...(previousClusterSets ? { currentSets: previousClusterSets } : {}),
        ...(this.deps.intentLabels ? { labelKeys: this.deps.intentLabels } : {}),
        ...(energyFigures ? { energyFigures } : {}),
      });
      const durationMs = performance.now() - started;
      if (!result.feasible) return this.failed(graph, { decisionId, reason, algorithm: 'milp', inputs }, result);
      const { placement, clusterSets, terms, intents: report } = result;
      return this.decided(
        graph,
        { decisionId, reason, algorithm: 'milp', solver: result.solver, objective: result.objective, moves: terms.moves, durationMs, inputs, placement: { ...placement }, ...(Object.keys(clusterSets).length > 0 ? { clusterSets: copySets(clusterSets) } : {}), intents: {
          active: [...report.active],
          decidedBy: [...report.decidedBy],
          ...(report.energy ? { energy: { ...report.energy } } : {}),
          ...(report.untrusted ? { untrusted: [...report.untrusted] } : {}),
        } },
        [
          `${first ? 'First deployment' : `Re-placement (${reason})`} with ${result.solver} under intents: ${terms.moves} move(s), peak CPU ${terms.peakCpuPercent}%${result.provenOptimal ? ', proven optimal' : ''}.`,
          ...intentsExplanation(report),
          ...(energy === undefined ? [] : [energySource(energy)]),
        ],
      );
    }
    if (first) {
      const result = initialPlacement({ useStaticPlacement: graph.normalised.useStaticPlacement, clusters, services, ...network });
      const durationMs = performance.now() - started;
      if (result.algorithm === 'static') {
        return this.decided(graph, { decisionId, reason, algorithm: 'static', solver: null, objective: null, moves: 0, durationMs, inputs, placement: {} }, ['Static placement: the charts’ own cluster affinity applies.']);
      }
      if (!result.feasible) return this.failed(graph, { decisionId, reason, algorithm: 'naive', inputs }, await this.withProvenGap(result, clusters, services, network));
      return this.decided(graph, { decisionId, reason, algorithm: 'naive', solver: null, objective: null, moves: 0, durationMs, inputs, placement: { ...result.placement } }, [
        'First deployment: first fit over available clusters by name, services in descriptor order.',
      ]);
    }
    // A background decision, recorded with its capacity gap: the gap is requested (not bounded by the verdict's time).
    const result = await milpPlacement(clusters, services, previousPlacement ?? undefined, { solver: await this.deps.solver(), capacityGap: true, ...network });
    const durationMs = performance.now() - started;
    if (!result.feasible) return this.failed(graph, { decisionId, reason, algorithm: 'milp', inputs }, result);
    return this.decided(
      graph,
      { decisionId, reason, algorithm: 'milp', solver: result.solver, objective: result.objective, moves: result.terms.moves, durationMs, inputs, placement: { ...result.placement } },
      [`Re-placement (${reason}) with ${result.solver}: ${result.terms.moves} move(s), peak CPU ${result.terms.peakCpuPercent}%${result.provenOptimal ? ', proven optimal' : ''}.`],
    );
  }

  /**
   * First fit failing proves nothing: when a new cluster could be proposed (NFVCL configured), the MILP checks the verdict
   * and, when no placement exists at all, adds the capacity gap that sizes the proposal. The failure stays first fit's.
   */
  private async withProvenGap(
    failure: PlacementInfeasible,
    clusters: ClusterCapacity[],
    services: ServiceDemand[],
    network: { clusterLatencyMs?: Record<string, Record<string, number>>; latencyLimitsMs?: { ultralow: number; low: number } },
  ): Promise<PlacementInfeasible> {
    if (!this.deps.provisioning || failure.kind !== 'infeasible') return failure;
    const proven = await milpPlacement(clusters, services, undefined, { solver: await this.deps.solver(), capacityGap: true, ...network });
    return !proven.feasible && proven.capacityGap ? { ...failure, capacityGap: proven.capacityGap } : failure;
  }

  /** The graph being re-placed: which of its services the inventory's allocated figures include (see OwnGraph). */
  private ownGraph(graph: ExistingGraph): OwnGraph {
    return ownGraphOf(graph, this.deps.inventoryShowsPlacements);
  }

  /** A re-placement is applied, proposed for approval, or refused, by the request and the graph's policy (move budget). */
  private governed(graph: ExistingGraph, decision: GraphCommand, event: RecordedEvent & ReplacementRequested): GraphCommand {
    if (decision.type !== 'RecordPlacement') return decision;
    const request = event.data;
    const verdict = placementAction(
      decision.data.moves,
      { manual: request.reason === 'manual', ...(request.mode ? { mode: request.mode } : {}), ...(request.maxMoves !== undefined ? { maxMoves: request.maxMoves } : {}) },
      placementPolicy(graph.descriptor),
    );
    if (verdict.action === 'apply') return decision;
    const { graphId, ...proposal } = decision.data;
    if (verdict.action === 'refuse') {
      const { decisionId, reason, inputs } = proposal;
      return { type: 'RecordPlacementFailure', data: { graphId, decisionId, reason, algorithm: 'milp', inputs, detail: verdict.why, bindingResource: 'moves', serviceId: null } };
    }
    const previous = proposal.inputs.previousPlacement ?? {};
    // A highAvailability service whose other cluster changes moves too, though its first cluster stays.
    const setOf = (sets: Record<string, string[]> | undefined, serviceId: string): string => [...(sets?.[serviceId] ?? [])].sort().join(',');
    const diff = Object.entries(proposal.placement)
      .filter(([serviceId, to]) => previous[serviceId] !== to || setOf(proposal.inputs.previousClusterSets, serviceId) !== setOf(proposal.clusterSets, serviceId))
      .map(([serviceId, to]) => ({ serviceId, from: previous[serviceId] ?? null, to }));
    return {
      type: 'RecordPlacementProposal',
      data: {
        graphId,
        proposalId: proposal.decisionId,
        basisDecisionId: graph.placement?.decisionId ?? null,
        diff,
        why: verdict.why,
        expiresAt: new Date(new Date(event.created).getTime() + this.deps.proposalTtlMs).toISOString(),
        decision: proposal,
      },
    };
  }

  private decided(
    graph: ExistingGraph,
    decision: Omit<PlacementDecided['data'], 'graphId' | 'imports' | 'values' | 'digests' | 'explanation'>,
    explanation: string[],
  ): GraphCommand {
    const isStatic = decision.algorithm === 'static';
    const imports = isStatic ? {} : createServiceImports(graph.normalised.services, decision.placement, decision.clusterSets);
    const values = placedValues(graph.normalised.services, isStatic ? null : decision.placement, imports, decision.clusterSets);
    const digests = Object.fromEntries(
      graph.normalised.services.map((service) => [service.id, digestOf({ cluster: decision.placement[service.id] ?? null, values: values[service.id] })]),
    );
    return { type: 'RecordPlacement', data: { ...decision, graphId: graph.graphId, imports, values, digests, explanation } };
  }

  private failed(
    graph: ExistingGraph,
    decision: Pick<PlacementFailed['data'], 'decisionId' | 'reason' | 'algorithm' | 'inputs'>,
    why: Pick<PlacementInfeasible, 'reason'> & Partial<Pick<PlacementInfeasible, 'bindingResource' | 'serviceId' | 'requirement' | 'capacityGap'>>,
  ): GraphCommand {
    const gap = why.capacityGap ? describeCapacityGap(why.capacityGap, Boolean(decision.inputs.clusterLatencyMs)) : [];
    return {
      type: 'RecordPlacementFailure',
      data: {
        ...decision,
        graphId: graph.graphId,
        detail: [why.reason, ...gap].join(' '),
        bindingResource: why.bindingResource ?? null,
        serviceId: why.serviceId ?? null,
        requirement: why.requirement ?? null,
        ...(why.capacityGap ? { capacityGap: why.capacityGap } : {}),
      },
    };
  }
}

export type { ClusterCapacity };

/** Where the energy figures came from, for the decision's explanation (the query itself may carry no secret: it is config). */
function energySource(outcome: EnergyFiguresOutcome): string {
  if (!outcome.ok) return `Energy figures: ${outcome.error}; the carbon-intensity labels apply.`;
  const names = Object.keys(outcome.figures).sort();
  return names.length > 0
    ? `Energy figures from SMO_ENERGY_QUERY for ${names.join(', ')} (other clusters: their carbon-intensity label).`
    : 'Energy figures: SMO_ENERGY_QUERY returned no usable sample; the carbon-intensity labels apply.';
}
