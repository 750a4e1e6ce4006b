import type { RecordedEvent } from '../eventstore/event-store';
import { CLUSTER_CATEGORY, isClusterEvent } from '../domain/cluster/events';
import type { ClusterCommand } from '../domain/cluster/decide';
import type { CommandContext } from '../application/command-handler';
import { processorContext } from '../application/processor-context';
import type { GrafanaPort } from '../integrations/grafana/grafana.port';
import type { Processor } from '../processing/processor';

const NAME = 'cluster-dashboard';

/** Publishes a cluster's Grafana dashboard when it first registers; a failure is retried, then parked. */
export class ClusterDashboardProcessor implements Processor {
  readonly name = NAME;
  readonly filter = { eventTypes: ['ClusterRegistered'], streamCategories: [CLUSTER_CATEGORY] };

  constructor(private readonly deps: { grafana: GrafanaPort; dispatch: (command: ClusterCommand, context: CommandContext) => Promise<unknown> }) {}

  async handle(event: RecordedEvent): Promise<void> {
    if (!isClusterEvent(event) || event.type !== 'ClusterRegistered') return;
    const name = event.data.name;
    const outcome = await this.deps.grafana.publishClusterDashboard(name);
    if (!outcome.ok) throw new Error(`Grafana refused the dashboard of cluster ${name}: ${outcome.error}`);
    await this.deps.dispatch({ type: 'RecordClusterDashboard', data: { name, ...outcome.value } }, processorContext(NAME, event, 'dashboard'));
  }
}
