import { DomainError, type Decider } from '../decider';
import { isReleaseNamesEvent, type ReleaseNamesEvent } from './events';

/** How long a claim whose graph does not exist yet is honoured: graph creation is one append after the reservation. */
export const RESERVATION_GRACE_MS = 60_000;

export interface ReleaseClaim {
  graphId: string;
  commandId: string;
  reservedAt: string;
}

/**
 * Release name (service id) → the graph that owns it in this project: `settled` claims (shared
 * between states, never changed) plus the events since, folded in by batches. Folding each event
 * into a fresh copy of every claim would make loading a long stream quadratic.
 */
export interface ReleaseNamesState {
  settled: Record<string, ReleaseClaim>;
  /** At most FOLD_BATCH events not folded into `settled` yet. */
  recent: ReleaseNamesEvent[];
}

const FOLD_BATCH = 64;

/** The claims as of the last event. */
export function currentClaims(state: ReleaseNamesState): Record<string, ReleaseClaim> {
  if (state.recent.length === 0) return state.settled;
  const claims = { ...state.settled };
  for (const event of state.recent) applyEvent(claims, event);
  return claims;
}

/** Applies an event to claims the caller owns (a fresh copy). */
function applyEvent(claims: Record<string, ReleaseClaim>, event: ReleaseNamesEvent): void {
  switch (event.type) {
    case 'ReleaseNamesReserved':
      for (const serviceId of event.data.serviceIds) {
        claims[serviceId] = { graphId: event.data.graphId, commandId: event.data.commandId, reservedAt: event.data.reservedAt };
      }
      return;
    case 'ReleaseNamesReleased':
      for (const serviceId of event.data.serviceIds) {
        if (claims[serviceId]?.graphId === event.data.graphId) delete claims[serviceId];
      }
      return;
  }
}

/** What the graph stream of a claim's owner says now, read by the caller (the decider does no I/O). */
export type ClaimHolder =
  | { kind: 'absent' }
  | {
      kind: 'exists';
      project: string;
      removed: boolean;
      serviceIds: string[];
      /** Services whose release is installed or being uninstalled: the name is still in use. */
      installedServiceIds: string[];
    };

export type ReleaseNamesCommand =
  | {
      type: 'ReserveReleaseNames';
      data: {
        project: string;
        graphId: string;
        commandId: string;
        serviceIds: string[];
        now: string;
        /** Owners of the requested names as their graph streams say now; an owner missing here is taken to hold. */
        holders: Record<string, ClaimHolder>;
      };
    }
  | { type: 'ReleaseReleaseNames'; data: { project: string; graphId: string } };

/** A name belongs to another graph: the HTTP layer answers 409 naming the service and its owner. */
export class ReleaseNameConflictError extends DomainError {
  constructor(
    project: string,
    readonly conflicts: Array<{ serviceId: string; graphId: string }>,
  ) {
    const [first] = conflicts;
    super(
      'conflict',
      // Said of a service placed or not: the graph holds its release name from its submission on.
      `Service ${first!.serviceId} is already a service of graph ${first!.graphId} in project ${project}; Helm release names must be unique per project`,
      { conflicts },
    );
  }
}

export const initialReleaseNamesState: ReleaseNamesState = { settled: {}, recent: [] };

/**
 * Whether a claim still keeps the name from another graph. It does while its graph uses the name
 * (exists, not removed, has the service), while its release is still installed (removal under
 * way), and for a grace period while its graph does not exist yet (created right after the
 * reservation). It does not once the graph is gone from this project or never appeared in time
 * (a crash between reservation and creation): such a name is reclaimable.
 */
export function claimHolds(claim: ReleaseClaim, serviceId: string, holder: ClaimHolder | undefined, project: string, now: string): { holds: boolean; why: string } {
  if (holder === undefined) return { holds: true, why: 'reserved concurrently' };
  if (holder.kind === 'absent') {
    const age = Date.parse(now) - Date.parse(claim.reservedAt);
    return age < RESERVATION_GRACE_MS
      ? { holds: true, why: 'its graph is being created' }
      : { holds: false, why: `graph never created within ${RESERVATION_GRACE_MS / 1000} s of the reservation (command ${claim.commandId})` };
  }
  if (holder.project !== project) return { holds: false, why: `graph belongs to project ${holder.project}` };
  if (holder.installedServiceIds.includes(serviceId)) return { holds: true, why: holder.removed ? 'its release is still being uninstalled' : 'its release is installed' };
  if (!holder.removed && holder.serviceIds.includes(serviceId)) return { holds: true, why: 'its graph uses it' };
  return { holds: false, why: holder.removed ? 'graph removed and release uninstalled' : 'graph does not use it' };
}

export function decideReleaseNames(command: ReleaseNamesCommand, state: ReleaseNamesState): ReleaseNamesEvent[] {
  switch (command.type) {
    case 'ReserveReleaseNames': {
      const { project, graphId, commandId, serviceIds, now, holders } = command.data;
      const claims = currentClaims(state);
      const reclaimed: Array<{ serviceId: string; fromGraphId: string; why: string }> = [];
      const conflicts: Array<{ serviceId: string; graphId: string }> = [];
      for (const serviceId of serviceIds) {
        const claim = claims[serviceId];
        if (!claim || claim.graphId === graphId) continue;
        const verdict = claimHolds(claim, serviceId, holders[claim.graphId], project, now);
        if (verdict.holds) conflicts.push({ serviceId, graphId: claim.graphId });
        else reclaimed.push({ serviceId, fromGraphId: claim.graphId, why: verdict.why });
      }
      if (conflicts.length > 0) throw new ReleaseNameConflictError(project, conflicts);
      // Owned already: a repeated or re-submitted graph appends nothing.
      if (serviceIds.every((id) => claims[id]?.graphId === graphId)) return [];
      return [{ type: 'ReleaseNamesReserved', data: { project, graphId, commandId, serviceIds, reservedAt: now, reclaimed } }];
    }
    case 'ReleaseReleaseNames': {
      const { project, graphId } = command.data;
      const owned = Object.entries(currentClaims(state))
        .filter(([, claim]) => claim.graphId === graphId)
        .map(([serviceId]) => serviceId);
      return owned.length === 0 ? [] : [{ type: 'ReleaseNamesReleased', data: { project, graphId, serviceIds: owned } }];
    }
  }
}

/** Version of evolveReleaseNames and of ReleaseNamesState's shape: bump it when either changes (older snapshots are then ignored). */
export const RELEASE_NAMES_EVOLVE_VERSION = 1;

export function evolveReleaseNames(state: ReleaseNamesState, event: ReleaseNamesEvent): ReleaseNamesState {
  const recent = [...state.recent, event];
  if (recent.length < FOLD_BATCH) return { settled: state.settled, recent };
  return { settled: currentClaims({ settled: state.settled, recent }), recent: [] };
}

export const releaseNamesDecider: Decider<ReleaseNamesCommand, ReleaseNamesEvent, ReleaseNamesState> = {
  decide: decideReleaseNames,
  evolve: evolveReleaseNames,
  initialState: initialReleaseNamesState,
  isEvent: isReleaseNamesEvent,
  snapshotVersion: RELEASE_NAMES_EVOLVE_VERSION,
};
