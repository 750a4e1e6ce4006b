import type { EventStore } from '../eventstore/event-store';
import { currentClaims, releaseNamesDecider, type ClaimHolder, type ReleaseNamesState } from '../domain/release-names/decide';
import { releaseNamesStream } from '../domain/release-names/events';
import { holdsRelease, type GraphState } from '../domain/graph/state';
import { deterministicId } from '../shared/deterministic-id';
import { AggregateCache } from './aggregate-loader';
import { handleCommand, loadDecided, type CommandContext } from './command-handler';

/** Concurrent deploys into one project each re-read and re-decide after losing a race; each round one of them wins. */
const RESERVATION_CONFLICT_RETRIES = 32;

/** Runs release-name commands against a project's reservation stream (`releases-<project>`). */
export class ReleaseNames {
  /** A project's stream grows with every deploy and removal: loads fold only what was appended since the last one. */
  private readonly cache = new AggregateCache<ReleaseNamesState>();

  constructor(
    private readonly store: EventStore,
    /** The graph as its events say now. */
    private readonly loadGraph: (graphId: string) => Promise<{ state: GraphState }>,
  ) {}

  /**
   * Reserves the graph's release names before the graph is created; throws ReleaseNameConflictError (409) when another graph holds one.
   * Acknowledged at commit: the submission appended right after, acknowledged once on disk, carries the reservation
   * there too, so a deploy waits for one flush, not two. Lost in a crash before that, it held names for a graph never created.
   */
  async reserve(project: string, graphId: string, serviceIds: string[], context: CommandContext): Promise<void> {
    const holders = await this.holdersOf((await this.load(project)).state, graphId, serviceIds);
    await handleCommand(
      this.store,
      releaseNamesStream(project),
      releaseNamesDecider,
      { type: 'ReserveReleaseNames', data: { project, graphId, commandId: context.commandId, serviceIds, now: context.now.toISOString(), holders } },
      // The graph is part of the step's id: a command id reused for another graph (an Idempotency-Key sent again
      // with another descriptor) must not pass for a repeat of the first graph's reservation and leave this one holding nothing.
      stepContext(context, `reserve-release-names:${graphId}`),
      { conflictRetries: RESERVATION_CONFLICT_RETRIES, cache: this.cache, acknowledge: 'committed' },
    );
  }

  /**
   * The reservation's decision without recording it: throws ReleaseNameConflictError (409) when
   * another graph holds one of the names now. An early answer (and the dry run's): under
   * concurrency, `reserve` is what decides.
   */
  async check(project: string, graphId: string, serviceIds: string[], now: Date): Promise<void> {
    const { state } = await this.load(project);
    const holders = await this.holdersOf(state, graphId, serviceIds);
    releaseNamesDecider.decide({ type: 'ReserveReleaseNames', data: { project, graphId, commandId: 'check', serviceIds, now: now.toISOString(), holders } }, state);
  }

  /** What the graph streams of the names' other owners say now (the decider does no I/O). */
  private async holdersOf(state: ReleaseNamesState, graphId: string, serviceIds: string[]): Promise<Record<string, ClaimHolder>> {
    const claims = currentClaims(state);
    const owners = new Set(serviceIds.map((id) => claims[id]?.graphId).filter((owner): owner is string => owner !== undefined && owner !== graphId));
    const holders: Record<string, ClaimHolder> = {};
    for (const owner of owners) holders[owner] = claimHolderOf((await this.loadGraph(owner)).state);
    return holders;
  }

  /** Frees the names a graph holds (once it is removed and its releases are gone). */
  async release(project: string, graphId: string, context: CommandContext): Promise<void> {
    await handleCommand(this.store, releaseNamesStream(project), releaseNamesDecider, { type: 'ReleaseReleaseNames', data: { project, graphId } }, stepContext(context, 'release-release-names'), {
      conflictRetries: RESERVATION_CONFLICT_RETRIES,
      cache: this.cache,
    });
  }

  async load(project: string): Promise<{ state: ReleaseNamesState; revision: number }> {
    const { state, revision } = await loadDecided(this.store, releaseNamesStream(project), releaseNamesDecider, { cache: this.cache });
    return { state, revision };
  }
}

/** What a claim's owner graph says about its names, for the (pure) reservation rule. */
export function claimHolderOf(state: GraphState): ClaimHolder {
  if (state.kind === 'none') return { kind: 'absent' };
  return {
    kind: 'exists',
    project: state.project,
    removed: state.removed,
    serviceIds: state.services.map((s) => s.id),
    installedServiceIds: state.services.filter(holdsRelease).map((s) => s.id),
  };
}

/** The context of a step of a command on another stream: its own id, derived, so a repeated command repeats nothing. */
function stepContext(context: CommandContext, step: string): CommandContext {
  const { expectedRevision: _pinnedToTheGraph, ...rest } = context;
  return { ...rest, commandId: deterministicId(context.commandId, step), causationId: context.commandId };
}
