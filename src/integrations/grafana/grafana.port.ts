/** The Grafana port: dashboards SMO publishes for graphs, services and clusters. */
import type { DashboardOwner } from './dashboard-owner';

export type { DashboardOwner } from './dashboard-owner';

export interface PublishedDashboard {
  uid: string;
  /** Absolute URL of the dashboard (GRAFANA_HOST + the path Grafana answered). */
  url: string;
}

/** `timedOut`: Grafana did not answer within the timeout (a call after it would most likely wait as long). */
export type GrafanaOutcome<T> = { ok: true; value: T } | { ok: false; status: number | null; error: string; timedOut?: true };

export interface GrafanaPort {
  /**
   * `project`: the namespace of the graph's services (its panels read that namespace only). `owner`: the graph's
   * submission, marked on the dashboard (see `deleteOwnedDashboard`).
   */
  publishGraphDashboard(graphId: string, serviceIds: readonly string[], project?: string, owner?: DashboardOwner): Promise<GrafanaOutcome<PublishedDashboard>>;
  /** `project`: the service's project; its dashboard is the project's own (a service id is unique only within one). */
  publishServiceDashboard(serviceId: string, project?: string, owner?: DashboardOwner): Promise<GrafanaOutcome<PublishedDashboard>>;
  publishClusterDashboard(clusterName: string): Promise<GrafanaOutcome<PublishedDashboard>>;
  /** Deleting a dashboard that does not exist is a success. */
  deleteDashboard(uid: string): Promise<GrafanaOutcome<void>>;
  /**
   * Deletes the dashboard unless another owner published it since (answers `not-owned` and leaves it); one that carries
   * no owner (published before SMO marked them) is deleted, and one that does not exist counts as deleted.
   */
  deleteOwnedDashboard(uid: string, owner: DashboardOwner): Promise<GrafanaOutcome<'deleted' | 'not-owned'>>;
  /** The uids of the dashboards that carry the owner's tag: one search, paged (those it published, recorded or not). */
  ownedDashboards(owner: DashboardOwner): Promise<GrafanaOutcome<string[]>>;
}
