import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { HelmOutcome, HelmPort } from '../integrations/helm/helm.port';
import type { ReadStore } from '../readstore/read-store';
import { GRAPH_COUNTS_ID, graphCounts, type GraphCounts } from '../../projections/graphs.projection';
import type { Logger } from './logger';
import type { PlacementDecided } from '../domain/graph/events';

/** An appended event as the observer sees it. */
interface DomainEvent {
  type: string;
  data: unknown;
}

/**
 * SMO's domain metrics (README "Domain metrics"). Counters follow the events this instance appends, so they count
 * what this instance decided and did; the status gauges are read at scrape time from the graph counts the graphs read model keeps.
 */
export class DomainMetrics {
  private readonly placements: Counter<'algorithm' | 'reason' | 'outcome'>;
  private readonly placementDuration: Histogram<'algorithm'>;
  private readonly placementMoves: Counter<'reason'>;
  private readonly helmOperations: Counter<'action' | 'outcome'>;
  private readonly helmDuration: Histogram<'action' | 'outcome'>;
  private readonly alertsReceived: Counter<'status'>;
  private readonly alertsTriggering: Counter;
  private readonly scalingActions: Counter<'direction'>;
  private readonly scalingFailures: Counter<'kind'>;
  private readonly dashboardsFailed: Counter<'action'>;

  constructor(registry: Registry, readStore: () => ReadStore | undefined) {
    const registers = [registry];
    this.placements = new Counter({ name: 'smo_placements_total', help: 'Placement decisions by algorithm, reason and outcome (decided, failed, proposed)', labelNames: ['algorithm', 'reason', 'outcome'], registers });
    this.placementDuration = new Histogram({
      name: 'smo_placement_duration_seconds',
      help: 'Time to compute a placement, by algorithm',
      labelNames: ['algorithm'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.placementMoves = new Counter({ name: 'smo_placement_moves_total', help: 'Services moved to another cluster by applied placements, by reason', labelNames: ['reason'], registers });
    this.helmOperations = new Counter({ name: 'smo_helm_operations_total', help: 'helm install/upgrade/uninstall/rollback calls by outcome (ok, failed, timeout)', labelNames: ['action', 'outcome'], registers });
    this.helmDuration = new Histogram({
      name: 'smo_helm_operation_duration_seconds',
      help: 'Duration of helm install/upgrade/uninstall/rollback calls',
      labelNames: ['action', 'outcome'],
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.alertsReceived = new Counter({ name: 'smo_alerts_received_total', help: 'Alerts received from Alertmanager, by status', labelNames: ['status'], registers });
    this.alertsTriggering = new Counter({ name: 'smo_alerts_triggering_total', help: 'Alerts that triggered a Pending service', registers });
    this.scalingActions = new Counter({ name: 'smo_scaling_actions_total', help: 'Replica changes applied by the scaler, by direction', labelNames: ['direction'], registers });
    this.scalingFailures = new Counter({
      name: 'smo_scaling_failures_total',
      help: 'Scaling that failed: a scale call (call), a scale call given up in a round once Karmada did not answer (given_up), no feasible scaling (infeasible)',
      labelNames: ['kind'],
      registers,
    });
    this.dashboardsFailed = new Counter({ name: 'smo_dashboards_failed_total', help: 'Grafana refusing a dashboard, by action', labelNames: ['action'], registers });

    // The three gauges (collected together) share one read of the graphs' counts, a document the
    // graphs projection keeps: a scrape costs the same however many graphs there are.
    let snapshot: Promise<GraphCounts | null> | null = null;
    const read = () => (snapshot ??= (async () => (await readStore()?.get<GraphCounts>(graphCounts.collection, GRAPH_COUNTS_ID))?.doc ?? null)().finally(() => setTimeout(() => (snapshot = null), 0)));
    const fill = (gauge: Gauge<'status'>, counts: Record<string, number> | undefined) => {
      gauge.reset();
      for (const [status, count] of Object.entries(counts ?? {})) gauge.set({ status }, count);
    };
    const graphs: Gauge<'status'> = new Gauge({ name: 'smo_graphs', help: 'Graphs by status (read model)', labelNames: ['status'], registers, collect: async () => fill(graphs, (await read())?.graphs) });
    const services: Gauge<'status'> = new Gauge({ name: 'smo_services', help: 'Services by status (read model)', labelNames: ['status'], registers, collect: async () => fill(services, (await read())?.services) });
    const proposals: Gauge = new Gauge({ name: 'smo_placement_proposals_pending', help: 'Placement proposals waiting for approval (read model)', registers, collect: async () => proposals.set((await read())?.pendingProposals ?? 0) });
  }

  /** Counts what the appended events say happened, and logs placement decisions and helm outcomes at info (failures at warn). */
  observe(events: readonly DomainEvent[], logger: Logger): void {
    for (const { type, data } of events) {
      const d = data as Record<string, unknown>;
      const graph = d.graphId;
      switch (type) {
        case 'PlacementDecided': {
          const { algorithm, reason, solver, objective, moves, durationMs, placement, clusterSets } = d as PlacementDecided['data'];
          this.placements.inc({ algorithm, reason, outcome: 'decided' });
          this.placementDuration.observe({ algorithm }, durationMs / 1000);
          if (moves > 0) this.placementMoves.inc({ reason }, moves);
          // A summary, its size bounded by the clusters: the placement itself (a graph of 1,000 services) only at debug.
          const summary = { services: Object.keys(placement).length, clusters: servicesPerCluster(placement, clusterSets) };
          logger.info({ graph, algorithm, solver, reason, objective, moves, durationMs: Math.round(durationMs), ...summary }, 'placement decided');
          logger.debug({ graph, placement, ...(clusterSets ? { clusterSets } : {}) }, 'placement decided: the placement');
          break;
        }
        case 'PlacementFailed': {
          const { algorithm, reason, detail, bindingResource } = d as { algorithm: string; reason: string; detail: string; bindingResource: string | null };
          this.placements.inc({ algorithm, reason, outcome: 'failed' });
          logger.warn({ graph, algorithm, reason, bindingResource }, `placement failed: ${detail}`);
          break;
        }
        case 'PlacementProposed': {
          const decision = (d.decision ?? {}) as { algorithm?: string; reason?: string };
          this.placements.inc({ algorithm: decision.algorithm ?? 'milp', reason: decision.reason ?? 'manual', outcome: 'proposed' });
          logger.info({ graph, proposal: d.proposalId, moves: Array.isArray(d.diff) ? d.diff.length : null }, 'placement proposed');
          break;
        }
        case 'ServiceDeployed':
          logger.info({ graph, service: d.serviceId, action: d.action, cluster: d.cluster, chart: d.chart }, `helm ${String(d.action)} succeeded`);
          break;
        case 'ServiceDeploymentFailed':
          logger.warn({ graph, service: d.serviceId, action: d.action, cluster: d.cluster, chart: d.chart, exitCode: d.exitCode, timedOut: d.timedOut }, `helm ${String(d.action)} failed: ${lastLine(d.stderr)}`);
          break;
        case 'ServiceUninstalled':
          logger.info({ graph, service: d.serviceId, namespace: d.namespace }, 'helm uninstall succeeded');
          break;
        case 'ServiceUninstallFailed':
          logger.warn({ graph, service: d.serviceId, namespace: d.namespace, exitCode: d.exitCode, timedOut: d.timedOut }, `helm uninstall failed: ${lastLine(d.stderr)}`);
          break;
        case 'AlertFired':
          this.alertsReceived.inc({ status: String(d.status) });
          break;
        case 'ServiceTriggered':
          this.alertsTriggering.inc();
          break;
        case 'ServiceScaled':
          this.scalingActions.inc({ direction: Number(d.to) > Number(d.from) ? 'up' : 'down' });
          break;
        case 'ServiceScalingFailed':
          this.scalingFailures.inc({ kind: 'call' });
          break;
        case 'ScalingInfeasible':
          this.scalingFailures.inc({ kind: 'infeasible' });
          break;
        case 'DashboardFailed':
          this.dashboardsFailed.inc({ action: String(d.action) });
          break;
      }
    }
  }

  /** Scale calls a round gave up once Karmada did not answer one in time: no event records them, so they are counted here. */
  scaleCallsGivenUp(count: number): void {
    if (count > 0) this.scalingFailures.inc({ kind: 'given_up' }, count);
  }

  /** The helm port, timed and counted per operation. */
  instrumentHelm(helm: HelmPort): HelmPort {
    const timed = async (action: string, call: () => Promise<HelmOutcome>): Promise<HelmOutcome> => {
      const stop = this.helmDuration.startTimer({ action });
      const outcome = await call();
      const result = outcome.ok ? 'ok' : outcome.timedOut ? 'timeout' : 'failed';
      stop({ outcome: result });
      this.helmOperations.inc({ action, outcome: result });
      return outcome;
    };
    // Every call forwards all its arguments (a wrapper that named them dropped upgrade's values mode).
    return {
      mode: helm.mode,
      status: (...args) => helm.status(...args),
      history: (...args) => helm.history(...args),
      isOwnedBy: (...args) => helm.isOwnedBy(...args),
      install: (...args) => timed('install', () => helm.install(...args)),
      upgrade: (...args) => timed('upgrade', () => helm.upgrade(...args)),
      uninstall: (...args) => timed('uninstall', () => helm.uninstall(...args)),
      rollback: (...args) => timed('rollback', () => helm.rollback(...args)),
    };
  }
}

function lastLine(stderr: unknown): string {
  return typeof stderr === 'string' ? (stderr.trim().split('\n').at(-1) ?? '').slice(0, 300) : '';
}

/** Cluster → how many services run there (on several clusters, highAvailability: counted on each). */
function servicesPerCluster(placement: Record<string, string>, clusterSets: Record<string, string[]> | undefined): Record<string, number> {
  const counts = new Map<string, number>();
  for (const [service, cluster] of Object.entries(placement)) {
    for (const used of clusterSets?.[service] ?? [cluster]) counts.set(used, (counts.get(used) ?? 0) + 1);
  }
  return Object.fromEntries(counts);
}
