/** The Grafana port: dashboards SMO publishes for graphs, services and clusters. */

export interface PublishedDashboard {
  uid: string;
  /** Absolute URL of the dashboard (GRAFANA_HOST + the path Grafana answered). */
  url: string;
}

export type GrafanaOutcome<T> = { ok: true; value: T } | { ok: false; status: number | null; error: string };

export interface GrafanaPort {
  publishGraphDashboard(graphId: string, serviceIds: readonly string[]): Promise<GrafanaOutcome<PublishedDashboard>>;
  publishServiceDashboard(serviceId: string): Promise<GrafanaOutcome<PublishedDashboard>>;
  publishClusterDashboard(clusterName: string): Promise<GrafanaOutcome<PublishedDashboard>>;
  /** Deleting a dashboard that does not exist is a success. */
  deleteDashboard(uid: string): Promise<GrafanaOutcome<void>>;
}
