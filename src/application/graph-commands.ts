import type { EventStore } from '../eventstore/event-store';
import type { GraphCommand } from '../domain/graph/commands';
import { graphDecider } from '../domain/graph/decide';
import { graphStream, isGraphEvent, type GraphEvent } from '../domain/graph/events';
import { GRAPH_EVOLVE_VERSION, evolveGraph } from '../domain/graph/evolve';
import { holdsRelease, initialGraphState, type GraphState } from '../domain/graph/state';
import { handleCommand, loadDecided, type CommandContext, type CommandResult, type HandleOptions } from './command-handler';
import { AggregateCache, loadAggregateAsOf } from './aggregate-loader';
import { ReleaseNames } from './release-names';

/** Events read at a time by recordedSince. */
const EVENTS_PAGE = 100;

export function graphIdOf(command: GraphCommand): string {
  return 'event' in command ? command.event.data.graphId : command.data.graphId;
}

/** Runs graph commands against the graph's stream. */
export class GraphCommands {
  readonly releaseNames: ReleaseNames;

  constructor(
    private readonly store: EventStore,
    private readonly options: Pick<HandleOptions<GraphState>, 'cache'> = { cache: new AggregateCache() },
  ) {
    this.releaseNames = new ReleaseNames(store, (graphId) => this.load(graphId));
  }

  /**
   * A submission first reserves its release names in the project (409 if another graph holds
   * one, with nothing recorded); a removed graph frees them once its last release is gone.
   */
  async execute(command: GraphCommand, context: CommandContext): Promise<CommandResult<GraphEvent, GraphState>> {
    if (command.type === 'SubmitGraph') {
      const { project, graphId, normalised } = command.data;
      // A submission the graph refuses anyway (the id is taken) reserves nothing; a repeated one goes on to its first outcome.
      const loaded = await loadDecided(this.store, graphStream(graphId), graphDecider, this.options);
      if (!loaded.recent.some((e) => e.metadata.commandId === context.commandId)) graphDecider.decide(command, loaded.state);
      await this.releaseNames.reserve(project, graphId, normalised.services.map((s) => s.id), context);
    }
    const result = await handleCommand(this.store, graphStream(graphIdOf(command)), graphDecider, command, context, this.options);
    const graph = result.state;
    if ((command.type === 'RemoveGraph' || command.type === 'RecordServiceOutcome') && graph.kind === 'exists' && graph.removed && !graph.services.some(holdsRelease)) {
      await this.releaseNames.release(graph.project, graph.graphId, context);
    }
    return result;
  }

  /** Throws ReleaseNameConflictError (409) when another graph in the project holds one of these release names now; records nothing. */
  checkReleaseNames(project: string, graphId: string, serviceIds: string[], now: Date): Promise<void> {
    return this.releaseNames.check(project, graphId, serviceIds, now);
  }

  /** The graph as its events say now (the source of truth, not a read model): its latest snapshot and the events after it. */
  async load(graphId: string): Promise<{ state: GraphState; revision: number }> {
    const { state, revision } = await loadDecided(this.store, graphStream(graphId), graphDecider, this.options);
    return { state, revision };
  }

  /**
   * Whether an event of one of these types was recorded on the graph's stream after `revision` (a GraphSubmitted: removed
   * and submitted anew under the same id; a GraphStopped: no longer wanted), and its stream's revision now. Reads the
   * events since `revision` only.
   */
  async recordedSince(graphId: string, revision: number, types: ReadonlySet<GraphEvent['type']>): Promise<{ recorded: boolean; revision: number }> {
    let latest = revision;
    for (;;) {
      const page = await this.store.readStream(graphStream(graphId), { fromRevision: latest + 1, maxCount: EVENTS_PAGE });
      if (page.some((event) => types.has(event.type as GraphEvent['type']))) return { recorded: true, revision: page.at(-1)!.revision };
      latest = page.at(-1)?.revision ?? latest;
      if (page.length < EVENTS_PAGE) return { recorded: false, revision: latest };
    }
  }

  /**
   * The graph as its events said at a global position (an event being handled): the submission it
   * belonged to, though the graph may have been removed and submitted again since.
   */
  async loadAsOf(graphId: string, position: number): Promise<GraphState> {
    const spec = { evolve: evolveGraph, initialState: initialGraphState, snapshotVersion: GRAPH_EVOLVE_VERSION, isEvent: isGraphEvent };
    const found = await loadAggregateAsOf(this.store, graphStream(graphId), spec, { kind: 'position', position });
    return found?.state ?? initialGraphState;
  }
}

