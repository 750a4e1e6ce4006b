import type { EventStore } from '../eventstore/event-store';
import type { GraphCommand } from '../domain/graph/commands';
import { graphDecider } from '../domain/graph/decide';
import { graphStream, type GraphEvent } from '../domain/graph/events';
import type { GraphState } from '../domain/graph/state';
import { handleCommand, readAggregate, type CommandContext, type CommandResult } from './command-handler';

export function graphIdOf(command: GraphCommand): string {
  return 'event' in command ? command.event.data.graphId : command.data.graphId;
}

/** Runs graph commands against the graph's stream. */
export class GraphCommands {
  constructor(private readonly store: EventStore) {}

  execute(command: GraphCommand, context: CommandContext): Promise<CommandResult<GraphEvent, GraphState>> {
    return handleCommand(this.store, graphStream(graphIdOf(command)), graphDecider, command, context);
  }

  /** The graph as its events say now (the source of truth, not a read model). */
  async load(graphId: string): Promise<{ state: GraphState; revision: number }> {
    const history = await readAggregate(this.store, graphStream(graphId), graphDecider);
    const state = history.reduce(graphDecider.evolve, graphDecider.initialState);
    return { state, revision: history.length > 0 ? history[history.length - 1]!.revision : -1 };
  }
}
