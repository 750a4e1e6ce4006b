import { eventGuard } from '../event-schema';

/**
 * Helm release names are service ids, unique within a project (its Kubernetes namespace). Which
 * graph owns which name is part of the write model: one stream per project, appended with the
 * revision read, so of any number of concurrent deploys exactly one gets a name.
 */
export interface ReleaseNamesReserved {
  type: 'ReleaseNamesReserved';
  data: {
    project: string;
    graphId: string;
    /** The submission that reserved them: a reservation whose graph never got created is recognisable. */
    commandId: string;
    serviceIds: string[];
    reservedAt: string;
    /** Names taken over from claims that no longer held (orphaned or released graphs), and why. */
    reclaimed: Array<{ serviceId: string; fromGraphId: string; why: string }>;
  };
}

export interface ReleaseNamesReleased {
  type: 'ReleaseNamesReleased';
  data: { project: string; graphId: string; serviceIds: string[] };
}

export type ReleaseNamesEvent = ReleaseNamesReserved | ReleaseNamesReleased;

/** Every release-names event type (exhaustive) and the stream's guard. */
export const RELEASE_NAMES_EVENT_TYPES: Record<ReleaseNamesEvent['type'], true> = { ReleaseNamesReserved: true, ReleaseNamesReleased: true };
export const isReleaseNamesEvent = eventGuard<ReleaseNamesEvent>(RELEASE_NAMES_EVENT_TYPES);

export const RELEASE_NAMES_CATEGORY = 'releases';

export function releaseNamesStream(project: string): string {
  return `${RELEASE_NAMES_CATEGORY}-${project}`;
}
