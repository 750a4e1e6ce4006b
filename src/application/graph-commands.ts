import type { EventStore } from '../eventstore/event-store';
import type { GraphCommand } from '../domain/graph/commands';
import { graphDecider } from '../domain/graph/decide';
import { graphStream, type GraphEvent } from '../domain/graph/events';
import type { GraphState } from '../domain/graph/state';
import { handleCommand, loadDecided, type CommandContext, type CommandResult, type HandleOptions } from './command-handler';
import { AggregateCache } from './aggregate-loader';

export function graphIdOf(command: GraphCommand): string {
  return 'event' in command ? command.event.data.graphId : command.data.graphId;
}

/** Runs graph commands against the graph's stream. */
export class GraphCommands {
  constructor(
    private readonly store: EventStore,
    private readonly options: Pick<HandleOptions<GraphState>, 'cache'> = { cache: new AggregateCache() },
  ) {}

  execute(command: GraphCommand, context: CommandContext): Promise<CommandResult<GraphEvent, GraphState>> {
    return handleCommand(this.store, graphStream(graphIdOf(command)), graphDecider, command, context, this.options);
  }

  /** The graph as its events say now (the source of truth, not a read model): its latest snapshot and the events after it. */
  async load(graphId: string): Promise<{ state: GraphState; revision: number }> {
    const { state, revision } = await loadDecided(this.store, graphStream(graphId), graphDecider, this.options);
    return { state, revision };
  }
}
