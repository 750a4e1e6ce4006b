import type { GraphCommand } from '../domain/graph/commands';
import type { ExistingGraph, ServiceState } from '../domain/graph/state';
import { PreconditionFailedError, type CommandContext } from '../application/command-handler';
import type { GraphCommands } from '../application/graph-commands';
import { PROMETHEUS_QUERIES_AT_ONCE, type RateOutcome } from '../integrations/prometheus/prometheus-client';
import type { RateSelector } from '../integrations/prometheus/promql';
import { isUnanswered } from '../integrations/kubernetes/kube-errors';
import type { DomainMetrics } from '../observability/domain-metrics';
import type { Logger } from '../observability/logger';
import { JobLease } from '../processing/job-lease';
import { decideReplicas, type ScalingService } from '../optimizer';
import type { Solver } from '../optimizer/solver';
import { pagesOf, type ReadStore } from '../readstore/read-store';
import { CallsGivenUpTogether, GIVEN_UP } from '../shared/calls-given-up-together';
import { deterministicId } from '../shared/deterministic-id';
import type { ClusterDocument } from '../../projections/clusters.projection';
import type { GraphDocument } from '../../projections/graphs.projection';
import { ownGraphOf, withDemand } from './placed-demand';
import type { ReplicaSource } from './placement.processor';
import { scalingParameters, type ScalingParameters } from './scaling-parameters';

/** Sets a Deployment's replicas (the Karmada `deployments/scale` subresource, in the project namespace). */
export interface ReplicaScaler {
  readonly mode: 'real' | 'simulated';
  /**
   * Rejects with KubeApiTimeoutError or KubeApiUnreachableError when Karmada does not answer in time or cannot be
   * reached. `signal`: the scaler stops; the call is dropped at once (it throws).
   */
  scale(name: string, namespace: string, replicas: number, signal?: AbortSignal): Promise<void>;
}

export interface RequestRates {
  /** `signal`: the scaler stops; the read is dropped at once (it throws). */
  requestRate(selector: RateSelector, windowSeconds: number, metric?: string, signal?: AbortSignal): Promise<RateOutcome>;
}

const LEASE = 'job:scaling';
/** Request-rate reads a round starts for the graphs after the one it scales (at least the next graph's). */
const RATE_READS_AHEAD = 10 * PROMETHEUS_QUERIES_AT_ONCE;
/** Appends a round tries on the graph it read while other events land on it (each is pinned again to the graph as it is). */
const MAX_RECORD_ATTEMPTS = 20;
/** A new submission of the graph: a round's fact about the one it read is not recorded on it. */
const SUBMISSION: ReadonlySet<'GraphSubmitted'> = new Set(['GraphSubmitted']);
/** Problems of a round named in its lastError; the others are counted (a round over 10,000 failing graphs wrote them all, each round). */
const PROBLEMS_NAMED = 3;

/** What /health shows of the autoscaler: a round with an unreadable rate or a failed scale call counts as failed. */
export interface ScalingStatus {
  lastRoundAt: string | null;
  lastError: string | null;
  consecutiveFailures: number;
  /**
   * Services whose replicas the last round held for want of a request-rate series (no request counted yet,
   * an exporter gone, or series without the SMO_SCALING_NAMESPACE_LABEL label): not a failure, but a
   * round that scales nothing for this reason is visible here.
   */
  servicesWithoutData: number;
}

/**
 * Autoscaling (upstream's, switched on by SCALING_ENABLED): every interval, for each running graph and each
 * cluster it uses, read the request rates, solve the scaling MILP and scale what changed. An
 * infeasible decision asks for re-placement directly (no HTTP self-call, B13). Nothing is kept in
 * memory between rounds: each round starts from the read models, so a restart resumes (B3, B12).
 */
export class ScalingScheduler {
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;
  private state: ScalingStatus = { lastRoundAt: null, lastError: null, consecutiveFailures: 0, servicesWithoutData: 0 };
  /** Problems of the round under way. */
  private problems: string[] = [];
  /** `graph/service` held by the round under way for want of a series. */
  private withoutData: string[] = [];
  /**
   * Prometheus did not answer in time or could not be reached in the round under way: its other reads are given up
   * (each batch would wait as long again: 1,000 services' reads, 8 at a time, 125 × PROMETHEUS_TIMEOUT), and the
   * clusters not read counted here.
   */
  private ratesDown: { error: string; skipped: number } | null = null;
  /**
   * Karmada did not answer in time or could not be reached in the round under way: its other scale calls and the
   * clusters left are given up (each call would wait as long again, one service after another), and counted here.
   */
  private karmadaDown: { error: string; scaleCalls: number; clusters: number } | null = null;
  /** The round under way found the lease held by another instance, and stopped. */
  private lostMidRound = false;
  /** The request-rate reads of the round under way. */
  private rateReads: CallsGivenUpTogether | null = null;
  /** What the last round held, logged when it changes (not every round: a service without traffic never has a series). */
  private heldBefore = '';
  private readonly lease: JobLease<ScalingStatus>;

  constructor(
    private readonly deps: {
      readStore: ReadStore;
      rates: RequestRates;
      scaler: ReplicaScaler;
      /** The replicas each Deployment wants now (the chart's count after an install, or a scale SMO or anyone made). */
      replicas: ReplicaSource;
      /** Runs a graph command; resolves with the events it recorded (none for a repeated fact) and the stream's revision after it. */
      dispatch: (command: GraphCommand, context: CommandContext) => Promise<{ events: readonly unknown[]; revision: number }>;
      /** Tells whether a graph the round read was submitted again since. */
      graphs: Pick<GraphCommands, 'recordedSince'>;
      solver: () => Promise<Solver>;
      logger: Logger;
      /** smo_scaling_failures_total: the scale calls a round gave up are counted there (the failed ones through their events). */
      metrics: Pick<DomainMetrics, 'scaleCallsGivenUp'>;
      intervalSeconds: number;
      metric: string;
      /** The label that holds a series' namespace (the graph's project); null: upstream's query, by service alone. */
      namespaceLabel: string | null;
      owner: string;
      /** SMO_LEASE_TTL: how soon another instance scales on once this one died holding the scaling lease. */
      leaseTtlMs: number;
      /** The inventory counts SMO's placements as allocated (simulated Karmada); a real one only pods that request resources. */
      inventoryShowsPlacements: boolean;
    },
  ) {
    this.lease = new JobLease({ readStore: deps.readStore, logger: deps.logger, owner: deps.owner, ttlMs: deps.leaseTtlMs }, LEASE);
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** This instance's rounds, or, while another instance holds the scaling lease, that one's (as it last recorded them). */
  status(): ScalingStatus {
    return { ...this.state };
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    await this.lease.release().catch(() => undefined);
  }

  /**
   * A round every interval on the instance that holds the lease (the first an interval after the start); the others
   * read its status every lease TTL (or interval, if shorter). One that takes the lease over (its holder died) scales an interval after the
   * holder's last round, as the holder would have.
   */
  private async run(): Promise<void> {
    const intervalMs = this.deps.intervalSeconds * 1000;
    const firstAt = Date.now() + intervalMs;
    let due = firstAt;
    while (!this.abort.signal.aborted) {
      if (await this.lease.wait(due - Date.now(), this.abort.signal)) {
        due = await this.dueOnTakeover(firstAt, due);
        continue;
      }
      if (this.abort.signal.aborted) break;
      let next = intervalMs;
      try {
        const standingBy = !this.lease.holding;
        if (!(await this.lease.hold())) {
          await this.roundsElsewhere();
          next = Math.min(next, this.lease.standbyStatusPollMs);
        } else if (standingBy) {
          // Taken over at this instance's round time (its holder released it, or died, since it last asked): the round
          // comes on the holder's cadence too, not at once after the holder's last (at once when that is past).
          due = await this.dueOnTakeover(firstAt, Date.now());
          continue;
        } else {
          await this.round(new Date());
          // Lost during the round: the holder's status is read again as a standby's is.
          if (!this.lease.holding) next = Math.min(next, this.lease.standbyStatusPollMs);
        }
      } catch (error) {
        await this.noteRound([error instanceof Error ? error.message : String(error)]);
        this.deps.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'scaling round failed');
      }
      due = Date.now() + next;
    }
  }

  /**
   * When an instance that just took the lease over scales first: an interval after the round its holder recorded last
   * (`otherwise` when none is recorded), and not before this instance's first round time.
   */
  private async dueOnTakeover(firstAt: number, otherwise: number): Promise<number> {
    const last = (await this.lease.recorded().catch(() => null))?.lastRoundAt;
    // A clock ahead of this one's delays the round by no more than an interval.
    return last ? Math.max(firstAt, Math.min(Date.parse(last), Date.now()) + this.deps.intervalSeconds * 1000) : otherwise;
  }

  /** Another instance scales (it holds the lease): its rounds are the ones this instance reports (best effort: read again soon). */
  private async roundsElsewhere(): Promise<void> {
    try {
      const recorded = await this.lease.recorded();
      if (recorded) this.state = recorded;
    } catch (error) {
      this.deps.logger.debug({ err: error instanceof Error ? error.message : String(error) }, 'scaling status of the lease holder not read');
    }
  }

  /**
   * One scaling round over every running graph. One that finds the lease taken by another instance stops there, and
   * this instance reports that one's rounds from then on, as a standby does: the round is not a failure of its own.
   */
  async round(now: Date): Promise<void> {
    this.problems = [];
    this.withoutData = [];
    this.lostMidRound = false;
    await this.scaleAll(now);
    if (this.lostMidRound) {
      this.deps.logger.warn('another instance holds the scaling lease; this round stopped');
      return this.roundsElsewhere();
    }
    if (this.ratesDown?.skipped) this.problems.push(`${this.ratesDown.skipped} more clusters not read: Prometheus did not answer (${this.ratesDown.error})`);
    const karmadaDown = this.karmadaDown;
    if (karmadaDown) this.deps.metrics.scaleCallsGivenUp(karmadaDown.scaleCalls);
    if (karmadaDown && karmadaDown.scaleCalls + karmadaDown.clusters > 0) {
      const given = [...(karmadaDown.scaleCalls ? [`${karmadaDown.scaleCalls} more scale calls`] : []), ...(karmadaDown.clusters ? [`${karmadaDown.clusters} more clusters`] : [])];
      this.problems.push(`${given.join(' and ')} given up: Karmada did not answer (${karmadaDown.error})`);
    }
    await this.noteRound(this.problems);
    const held = this.withoutData.join(' ');
    if (held !== this.heldBefore && this.withoutData.length > 0) {
      this.deps.logger.info({ services: this.withoutData.slice(0, 10), count: this.withoutData.length }, 'no request-rate series for some services; their replicas are held until one appears');
    }
    this.heldBefore = held;
  }

  /** Notes how the round went, and records it for the instances standing by (their /health shows it). */
  private async noteRound(problems: string[]): Promise<void> {
    const failed = problems.length > 0;
    this.state = {
      lastRoundAt: new Date().toISOString(),
      lastError: failed ? [...problems.slice(0, PROBLEMS_NAMED), ...(problems.length > PROBLEMS_NAMED ? [`and ${problems.length - PROBLEMS_NAMED} more`] : [])].join('; ') : null,
      consecutiveFailures: failed ? this.state.consecutiveFailures + 1 : 0,
      servicesWithoutData: this.withoutData.length,
    };
    await this.lease.record(this.state);
  }

  private async scaleAll(now: Date): Promise<void> {
    this.ratesDown = null;
    this.karmadaDown = null;
    const clusters = new Map((await this.deps.readStore.find<ClusterDocument>('clusters')).map(({ doc }) => [doc.name, doc]));
    const reads = new CallsGivenUpTogether(PROMETHEUS_QUERIES_AT_ONCE, this.abort.signal);
    this.rateReads = reads;
    // A page of running graphs at a time (by name): a round over thousands never parses them all at once. The rates of
    // the graphs ahead are read while a graph is solved and scaled, a few at a time, up to RATE_READS_AHEAD.
    const graphs = this.runningGraphs();
    const planned: GraphPlan[] = [];
    let readsAhead = 0;
    try {
      for (;;) {
        while (planned.length === 0 || readsAhead < RATE_READS_AHEAD) {
          const next = await graphs.next();
          if (next.done) break;
          const plan = this.plan(next.value, clusters, reads);
          planned.push(plan);
          readsAhead += plan.reads;
        }
        const plan = planned.shift();
        if (!plan) return;
        readsAhead -= plan.reads;
        if (this.abort.signal.aborted) {
          this.problems.push('the scaler stopped; this round stopped');
          return;
        }
        if (!(await this.lease.hold())) {
          this.lostMidRound = true;
          return;
        }
        // One graph's failure (removed meanwhile, a command refused) is its own: the others are still scaled.
        try {
          for (const cluster of plan.clusters) await this.scaleCluster(plan.read, cluster, now);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          this.problems.push(`graph ${plan.read.graph.graphId}: ${message}`);
          this.deps.logger.warn({ graph: plan.read.graph.graphId, err: message }, 'scaling a graph failed; the round goes on');
        }
      }
    } finally {
      // The reads of the graphs this round did not come to (it stopped) are not made.
      reads.giveUp();
      this.rateReads = null;
      await graphs.return(undefined);
    }
  }

  private async *runningGraphs(): AsyncGenerator<GraphDocument> {
    for await (const page of pagesOf<GraphDocument>(this.deps.readStore, 'graphs', { where: { status: 'Running' } })) {
      for (const { doc } of page) yield doc;
    }
  }

  /** Each cluster the graph's deployed services run on, their request rates being read (`reads`). */
  private plan({ state: graph, revision }: GraphDocument, clusters: ReadonlyMap<string, ClusterDocument>, reads: CallsGivenUpTogether): GraphPlan {
    const plan: GraphPlan = { read: { graph, revision }, clusters: [], reads: 0 };
    if (graph.normalised.useStaticPlacement) return plan;
    const byCluster = new Map<string, ServiceState[]>();
    for (const service of graph.services) {
      const cluster = service.installed?.cluster;
      if (service.status !== 'Deployed' || !cluster) continue;
      byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), service]);
    }
    for (const [cluster, services] of byCluster) {
      const info = clusters.get(cluster);
      if (!info) continue;
      const measuring = services.map((service) => {
        const parameters = scalingParameters(graph, service.id);
        return { service, parameters, rate: this.readRate(graph, parameters, reads) };
      });
      plan.clusters.push({ cluster, info, services: measuring });
      plan.reads += measuring.length;
    }
    return plan;
  }

  /**
   * One service's request rate, read with the round's others. The first read Prometheus does not answer in time (or
   * cannot be reached) gives up the others (GIVEN_UP), as does one answered after that: they were waited for once.
   */
  private readRate(graph: ExistingGraph, parameters: ScalingParameters, reads: CallsGivenUpTogether): Promise<RateOutcome | typeof GIVEN_UP> {
    const { namespaceLabel } = this.deps;
    const selector = { service: parameters.rateOf, ...(namespaceLabel ? { namespace: { label: namespaceLabel, value: graph.project } } : {}) };
    const rate = reads.run(async (signal) => {
      const outcome = await this.deps.rates.requestRate(selector, this.deps.intervalSeconds, this.deps.metric, signal);
      if (outcome.ok) return outcome;
      if (signal.aborted) return GIVEN_UP;
      if (outcome.kind === 'timeout' || outcome.kind === 'unreachable') {
        this.ratesDown = { error: outcome.error, skipped: 0 };
        reads.giveUp();
      }
      return outcome;
    });
    // Awaited when its graph is scaled; a round that stops first leaves it unawaited (its failure is no unhandled rejection).
    rate.catch(() => undefined);
    return rate;
  }

  private async scaleCluster(read: GraphRead, { cluster, info, services: measuring }: ClusterPlan, now: Date): Promise<void> {
    const { graph } = read;
    if (this.karmadaDown) {
      this.karmadaDown.clusters++;
      return;
    }
    const services = measuring.map(({ service }) => service);
    const outcomes = await Promise.all(measuring.map(({ rate }) => rate));
    const failed = outcomes.flatMap((outcome, index) => (outcome !== GIVEN_UP && !outcome.ok ? [{ service: services[index]!, error: outcome.error }] : []));
    if (failed.length > 0) {
      for (const { service, error } of failed) this.problems.push(`request rate of ${graph.graphId}/${service.id} unavailable: ${error}`);
      this.deps.logger.warn({ graph: graph.graphId, cluster, services: failed.slice(0, 10).map(({ service }) => service.id), err: failed[0]!.error }, 'request rate unavailable; cluster skipped this round');
      return;
    }
    if (outcomes.includes(GIVEN_UP)) {
      if (this.ratesDown) this.ratesDown.skipped++;
      return;
    }
    const measured = measuring.map(({ service, parameters }, index) => ({ service, parameters, rate: (outcomes[index] as RateOutcome & { ok: true }).rate }));
    // No series: no request counted yet, or the exporter is gone. Its replicas stay as they are; the others are scaled around them.
    for (const { service, rate } of measured) if (rate === null) this.withoutData.push(`${graph.graphId}/${service.id}`);
    if (measured.every(({ rate }) => rate === null)) return;
    // The replicas running now, not those SMO last set: a fresh install runs the chart's count (SMO forgets what it had set).
    const live = await this.deps.replicas.replicas(graph, services.map((service) => service.id), this.abort.signal);
    if (this.abort.signal.aborted) return;
    if (live.unanswered) {
      this.karmadaDown = { error: live.unanswered, scaleCalls: 0, clusters: 0 };
      this.rateReads?.giveUp(); // the clusters left are given up: their rates are not needed
      this.problems.push(`replicas of ${graph.graphId} on ${cluster} not read: ${live.unanswered}`);
      this.deps.logger.warn({ graph: graph.graphId, cluster, err: live.unanswered }, 'Karmada did not answer; the round gives up the clusters left');
      return;
    }
    const inputs: ScalingService[] = [];
    const rates: Record<string, number> = {};
    const own = ownGraphOf(graph, this.deps.inventoryShowsPlacements);
    /** CPU of the replicas held this round (no series) the cluster's free CPU does not already count: the others are scaled in what is left. */
    let heldCpu = 0;
    /** CPU of the replicas to scale the cluster's free CPU already counts as taken: theirs to keep or give up, not taken twice. */
    let scaledCpu = 0;
    const specs = new Map(graph.normalised.services.map((spec) => [spec.id, spec]));
    for (const { service, parameters, rate } of measured) {
      const spec = specs.get(service.id)!;
      const replicas = live.replicas.get(service.id) ?? service.replicas ?? 1;
      if (rate === null) {
        if (!own.inAllocation(service.id)) heldCpu += replicas * spec.resources.cpuCores;
        continue;
      }
      if (own.inAllocation(service.id)) scaledCpu += replicas * spec.resources.cpuCores;
      rates[service.id] = rate;
      inputs.push({
        id: service.id,
        requestRate: rate,
        previousReplicas: replicas,
        cpu: spec.resources.cpuCores,
        gpu: spec.resources.gpu,
        alpha: parameters.alpha,
        beta: parameters.beta,
        maxReplicas: parameters.maxReplicas,
      });
    }
    const context = (step: string): CommandContext => ({
      commandId: deterministicId('scaling', graph.graphId, cluster, now.toISOString(), step),
      correlationId: deterministicId('scaling', graph.graphId, now.toISOString()),
      actor: 'processor:scaling',
      now,
    });
    const none = { cpu: 0, memoryBytes: 0, gpu: 0 };
    const [room] = withDemand([info], { [cluster]: { ...none, cpu: heldCpu } }, { [cluster]: { ...none, cpu: scaledCpu } });
    const result = await decideReplicas(inputs, { cpu: room!.cpuAvailable, accelerated: info.acceleration }, { solver: await this.deps.solver() });
    if (!result.feasible && result.kind !== 'infeasible') {
      // The solver failed (its worker died, its time ran out): nothing is known of the demand, so nothing is re-placed; next round solves again.
      this.problems.push(`scaling ${graph.graphId} on ${cluster} not solved: ${result.reason}`);
      this.deps.logger.warn({ graph: graph.graphId, cluster, kind: result.kind, err: result.reason }, 'scaling not solved; retried next round');
      return;
    }
    if (!result.feasible) {
      // Recorded with its re-placement request, once per cause: the decider records nothing when the same cause was.
      await this.recordOnRead(
        read,
        {
          type: 'RecordScalingInfeasible',
          data: { graphId: graph.graphId, cluster, services: inputs.map((s) => s.id), reason: result.reason, bindingResource: result.bindingResource ?? null, requestRates: rates },
          requestId: deterministicId('scaling', graph.graphId, cluster, now.toISOString()),
        },
        context('infeasible'),
      );
      return;
    }
    for (const [index, service] of inputs.entries()) {
      const to = result.replicas[index]!;
      if (to === service.previousReplicas) continue;
      if (this.karmadaDown) {
        this.karmadaDown.scaleCalls++;
        continue;
      }
      try {
        await this.deps.scaler.scale(service.id, graph.project, to, this.abort.signal);
      } catch (error) {
        // Stopped mid-call: whether it was applied is not known; the next round reads the live replicas and decides again.
        if (this.abort.signal.aborted) return;
        // Nothing changed as far as SMO knows (replicas stay as recorded): the next round decides again.
        const message = error instanceof Error ? error.message : String(error);
        if (isUnanswered(error)) {
          this.karmadaDown = { error: message, scaleCalls: 0, clusters: 0 };
          this.rateReads?.giveUp();
        }
        this.problems.push(`scaling ${service.id} to ${to} failed: ${message}`);
        this.deps.logger.warn({ graph: graph.graphId, service: service.id, cluster, to, err: message }, 'scale call failed; retried next round');
        await this.recordOnRead(
          read,
          {
            type: 'RecordScaling',
            event: { type: 'ServiceScalingFailed', data: { graphId: graph.graphId, serviceId: service.id, cluster, from: service.previousReplicas, to, error: message } },
          },
          context(`scale-failed:${service.id}`),
        );
        continue;
      }
      await this.recordOnRead(
        read,
        {
          type: 'RecordScaling',
          event: {
            type: 'ServiceScaled',
            data: { graphId: graph.graphId, serviceId: service.id, cluster, from: service.previousReplicas, to, requestRate: service.requestRate, solver: result.solver, objective: result.objective },
          },
        },
        context(`scaled:${service.id}`),
      );
    }
    // Demand beyond a service's maximum: it runs its maximum (as an HPA would), and the cause is recorded once, as a
    // scaling infeasibility that asks no re-placement (another cluster allows no more replicas).
    if (result.saturated.length === 0 || this.karmadaDown || this.abort.signal.aborted) return;
    const saturated = inputs.filter((service) => result.saturated.includes(service.id));
    await this.recordOnRead(
      read,
      {
        type: 'RecordScalingInfeasible',
        data: {
          graphId: graph.graphId,
          cluster,
          services: saturated.map((service) => service.id),
          reason: `At their maximum replicas, which serve less than their request rate: ${saturated.map((service) => `${service.id} (${service.maxReplicas} replicas, ${service.requestRate}/s)`).join(', ')}.`,
          bindingResource: 'maxReplicas',
          requestRates: Object.fromEntries(saturated.map((service) => [service.id, service.requestRate])),
        },
        requestId: deterministicId('scaling', graph.graphId, cluster, now.toISOString(), 'saturated'),
      },
      context('saturated'),
    );
  }

  /**
   * Records a fact of the round on the submission of the graph it read. Meanwhile the graph may have been removed and
   * submitted again under the same id, its new release running the chart's replicas: the round's `from` (and its
   * infeasible demand) belong to the old one. The append is pinned to the revision the round knows; when other events
   * landed since, it is pinned again to the graph as it is now, unless one of them is a GraphSubmitted: then nothing
   * is recorded, and the next round reads the new submission.
   */
  private async recordOnRead(read: GraphRead, command: GraphCommand, context: CommandContext): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        read.revision = (await this.deps.dispatch(command, { ...context, expectedRevision: read.revision })).revision;
        return;
      } catch (error) {
        if (!(error instanceof PreconditionFailedError) || attempt >= MAX_RECORD_ATTEMPTS) throw error;
        const since = await this.deps.graphs.recordedSince(read.graph.graphId, read.revision, SUBMISSION);
        if (since.recorded) {
          this.deps.logger.info({ graph: read.graph.graphId, command: command.type }, 'graph submitted again during the scaling round; its fact is not recorded on the new submission');
          return;
        }
        read.revision = since.revision;
      }
    }
  }
}

/** A graph as the round read it, and the stream revision its appends are pinned to (moved on by each of them). */
interface GraphRead {
  graph: ExistingGraph;
  revision: number;
}

/** A graph of the round: its clusters, each service's request rate being read. */
interface GraphPlan {
  read: GraphRead;
  clusters: ClusterPlan[];
  /** Request-rate reads started for it. */
  reads: number;
}

interface ClusterPlan {
  cluster: string;
  info: ClusterDocument;
  services: Array<{ service: ServiceState; parameters: ScalingParameters; rate: Promise<RateOutcome | typeof GIVEN_UP> }>;
}
