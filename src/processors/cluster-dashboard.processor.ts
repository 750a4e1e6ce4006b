import type { RecordedEvent } from '../eventstore/event-store';
import { CLUSTER_CATEGORY, isClusterEvent } from '../domain/cluster/events';
import type { ClusterCommand, ClusterState } from '../domain/cluster/decide';
import type { CommandContext } from '../application/command-handler';
import { processorContext } from '../application/processor-context';
import type { GrafanaPort } from '../integrations/grafana/grafana.port';
import type { Processor } from '../processing/processor';

const NAME = 'cluster-dashboard';

/**
 * Publishes a cluster's Grafana dashboard when it registers, and deletes it once the cluster is removed (clusters that
 * came and went, NFVCL's among them, had left a dashboard each); a failure is retried, then parked.
 */
export class ClusterDashboardProcessor implements Processor {
  readonly name = NAME;
  readonly filter = { eventTypes: ['ClusterRegistered', 'ClusterRemoved'], streamCategories: [CLUSTER_CATEGORY] };

  constructor(
    private readonly deps: {
      grafana: GrafanaPort;
      dispatch: (command: ClusterCommand, context: CommandContext) => Promise<unknown>;
      clusters: { load(name: string): Promise<ClusterState> };
    },
  ) {}

  async handle(event: RecordedEvent): Promise<void> {
    if (!isClusterEvent(event)) return;
    const name = event.data.name;
    if (event.type === 'ClusterRemoved') {
      // Registered again since, the cluster keeps its dashboard (published again under the same uid).
      const cluster = await this.deps.clusters.load(name);
      if (cluster.kind !== 'known' || !cluster.removed || cluster.dashboard === null) return;
      const { uid } = cluster.dashboard;
      const deleted = await this.deps.grafana.deleteDashboard(uid);
      if (!deleted.ok) throw new Error(`Grafana refused to delete the dashboard of cluster ${name}: ${deleted.error}`);
      await this.deps.dispatch({ type: 'RecordClusterDashboardRemoved', data: { name, uid } }, processorContext(NAME, event, 'dashboard-removed'));
      return;
    }
    if (event.type !== 'ClusterRegistered') return;
    const outcome = await this.deps.grafana.publishClusterDashboard(name);
    if (!outcome.ok) throw new Error(`Grafana refused the dashboard of cluster ${name}: ${outcome.error}`);
    await this.deps.dispatch({ type: 'RecordClusterDashboard', data: { name, ...outcome.value } }, processorContext(NAME, event, 'dashboard'));
  }
}
