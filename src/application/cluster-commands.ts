import type { EventStore } from '../eventstore/event-store';
import { clusterDecider, type ClusterCommand, type ClusterState } from '../domain/cluster/decide';
import { clusterStream, type ClusterEvent } from '../domain/cluster/events';
import { handleCommand, loadDecided, type CommandContext, type CommandResult, type HandleOptions } from './command-handler';
import { AggregateCache } from './aggregate-loader';

export function clusterNameOf(command: ClusterCommand): string {
  return command.type === 'ObserveCluster' ? command.data.observed.name : command.data.name;
}

/** Runs cluster commands against the cluster's stream. */
export class ClusterCommands {
  constructor(
    private readonly store: EventStore,
    private readonly options: Pick<HandleOptions<ClusterState>, 'cache'> = { cache: new AggregateCache() },
  ) {}

  execute(command: ClusterCommand, context: CommandContext): Promise<CommandResult<ClusterEvent, ClusterState>> {
    return handleCommand(this.store, clusterStream(clusterNameOf(command)), clusterDecider, command, context, this.options);
  }

  /** The cluster as its events say now. */
  async load(name: string): Promise<ClusterState> {
    return (await loadDecided(this.store, clusterStream(name), clusterDecider, this.options)).state;
  }
}
