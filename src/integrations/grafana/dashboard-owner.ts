import { dashboardUid } from './dashboard-uid';

/** Who published a dashboard: one submission of one graph (a graph removed and submitted again is another owner). */
export interface DashboardOwner {
  project: string;
  graphId: string;
  submission: number;
}

/** Grafana keeps a dashboard tag in a 50-character column (dashboard_tag.term). */
export const MAX_DASHBOARD_TAG_LENGTH = 50;
const OWNER_TAG_PREFIX = 'smo-owner:';

/**
 * The tag SMO sets on the dashboards a graph's submission publishes: a removal then deletes only its own (a uid names
 * the graph or `<project>_<service>`, which another graph, or the same graph submitted again, may have published since),
 * and finds those it published without recording them. At most 50 characters (`dashboardUid` shortens a long name);
 * project and graph ids hold no `_`, so no two owners share one.
 */
export function ownerTag(owner: DashboardOwner): string {
  return OWNER_TAG_PREFIX + dashboardUid(`${owner.project}_${owner.graphId}_${owner.submission}`);
}

/** The owner tags among a dashboard's tags (none: a dashboard published before SMO tagged them, or not SMO's). */
export function ownerTagsOf(tags: unknown): string[] {
  return Array.isArray(tags) ? tags.filter((tag): tag is string => typeof tag === 'string' && tag.startsWith(OWNER_TAG_PREFIX)) : [];
}
