import { END, type EventStore } from '../eventstore/event-store';
import type { OsK8sClusterCommand } from '../domain/os-k8s-cluster/commands';
import { osK8sClusterDecider } from '../domain/os-k8s-cluster/decide';
import { isOsK8sClusterEvent, osK8sClusterStream, type ClusterProvisioningRequested, type OsK8sClusterEvent } from '../domain/os-k8s-cluster/events';
import type { RecordedEvent } from '../eventstore/event-store';
import type { OsK8sClusterState } from '../domain/os-k8s-cluster/state';
import { handleCommand, readAggregate, type CommandContext, type CommandResult } from './command-handler';

/** Deletions looked at for a blueprint NFVCL may still hold: the most recent ones (a bound on the read). */
const RECENT_DELETIONS = 100;

/** Runs OpenStack Kubernetes cluster commands against `oscluster-<smo_id>`. */
export class OsK8sClusterCommands {
  constructor(private readonly store: EventStore) {}

  execute(command: OsK8sClusterCommand, context: CommandContext): Promise<CommandResult<OsK8sClusterEvent, OsK8sClusterState>> {
    return handleCommand(this.store, osK8sClusterStream(command.data.smoId), osK8sClusterDecider, command, context);
  }

  /** The cluster as its events say now, and the events a given command recorded (a repeated request). */
  async load(smoId: string, commandId?: string): Promise<{ state: OsK8sClusterState; byCommand: OsK8sClusterEvent[] }> {
    const history = await readAggregate(this.store, osK8sClusterStream(smoId), osK8sClusterDecider);
    const state = history.reduce(osK8sClusterDecider.evolve, osK8sClusterDecider.initialState);
    const byCommand = commandId ? history.filter((e) => e.metadata.commandId === commandId) : [];
    return { state, byCommand };
  }

  /** The request of a cluster still provisioning (its latest ClusterProvisioningRequested), else null. */
  async provisioningRequest(smoId: string): Promise<(RecordedEvent & ClusterProvisioningRequested) | null> {
    const history = await readAggregate(this.store, osK8sClusterStream(smoId), osK8sClusterDecider);
    const state = history.reduce(osK8sClusterDecider.evolve, osK8sClusterDecider.initialState);
    if (state.kind !== 'exists' || state.decommissioned || state.status !== 'Provisioning') return null;
    return history.findLast((event): event is RecordedEvent & ClusterProvisioningRequested => event.type === 'ClusterProvisioningRequested') ?? null;
  }

  /**
   * The blueprints of the recently deleted clusters that are still deleted: NFVCL is destroying one, or failed to and the
   * failure is not recorded yet (the cluster then comes back on it). Deleted for good, NFVCL no longer lists it.
   */
  async blueprintsOfDeleted(): Promise<Set<string>> {
    const deletions = await this.store.readAll({ direction: 'backwards', fromPosition: END, maxCount: RECENT_DELETIONS, filter: { eventTypes: ['ClusterDecommissioned'] } });
    const smoIds = new Set(deletions.flatMap((event) => (isOsK8sClusterEvent(event) && event.type === 'ClusterDecommissioned' && event.data.blueprintId !== null ? [event.data.smoId] : [])));
    const states = await Promise.all([...smoIds].map(async (smoId) => (await this.load(smoId)).state));
    return new Set(states.flatMap((state) => (state.kind === 'exists' && state.decommissioned && state.blueprintId !== null ? [state.blueprintId] : [])));
  }
}
