/**
 * Pure builders for the dashboards SMO publishes: one per graph (panels repeated
 * per service), one per service, one per cluster. Each returns the body of
 * `POST /api/dashboards/db`. Only change from upstream: the uid goes through `dashboardUid`.
 */
import { clusterPanels } from './cluster-panels';
import type { CustomVariable, DashboardEnvelope, DashboardOptions, DatasourceRef, Panel } from './dashboard.types';
import { ownerTag, type DashboardOwner } from './dashboard-owner';
import { dashboardUid } from './dashboard-uid';
import { SERVICE_VARIABLE, servicePanels } from './service-panels';

export { dashboardUid, MAX_DASHBOARD_UID_LENGTH } from './dashboard-uid';
export type { DashboardEnvelope, DashboardOptions } from './dashboard.types';
export type { DashboardOwner } from './dashboard-owner';

export const DEFAULT_DATASOURCE_UID = 'prometheus';


/**
 * `project`: the namespace the graph's services run in (absent: upstream's panels, across namespaces). `owner`: the graph's
 * submission, set as a tag (`ownerTag`) so that its removal deletes this dashboard only while it is still its own.
 */
export function graphDashboard(graphId: string, serviceIds: readonly string[], options: DashboardOptions = {}, project?: string, owner?: DashboardOwner): DashboardEnvelope {
  const envelope = basicDashboard(graphId, graphDashboardUid(graphId), servicePanels(`$${SERVICE_VARIABLE}`, datasourceOf(options), project), owner);
  envelope.dashboard.templating = { list: [customVariable(SERVICE_VARIABLE, serviceIds)] };
  return envelope;
}

/**
 * A service's dashboard. With its project, the uid (`<project>_<service>`: `_` is in no DNS label, so it
 * meets no graph's or cluster's uid) and the title name the project, and the panels read its namespace
 * only: a service id is unique only within a project, and two projects' dashboards under one uid had
 * been one dashboard, which removing either graph deleted. Without a project: upstream's dashboard.
 */
export function serviceDashboard(serviceId: string, options: DashboardOptions = {}, project?: string, owner?: DashboardOwner): DashboardEnvelope {
  const panels = servicePanels(serviceId, datasourceOf(options), project);
  const title = project === undefined ? serviceId : `${serviceId} (${project})`;
  return basicDashboard(title, serviceDashboardUid(serviceId, project), panels, owner);
}

/** The uid of a graph's dashboard (what `graphDashboard` publishes under). */
export function graphDashboardUid(graphId: string): string {
  return dashboardUid(graphId);
}

/** The uid of a service's dashboard (what `serviceDashboard` publishes under). */
export function serviceDashboardUid(serviceId: string, project?: string): string {
  return dashboardUid(project === undefined ? serviceId : `${project}_${serviceId}`);
}

/**
 * A cluster's dashboard, uid `cluster__<name>`: no graph's uid (no `_`) nor service's (`<project>_<service>`, where a
 * service id never begins with `_`). Upstream's uid, the cluster name, was a graph's of that name too: each overwrote
 * the other's dashboard, and removing the graph deleted the cluster's.
 */
export function clusterDashboard(clusterName: string, options: DashboardOptions = {}): DashboardEnvelope {
  return basicDashboard(clusterName, dashboardUid(`cluster__${clusterName}`), clusterPanels(clusterName, datasourceOf(options)));
}

/** Upstream `create_basic_dashboard`; overwrite so that re-publishing replaces by uid (and owner). */
function basicDashboard(title: string, uid: string, panels: Panel[], owner?: DashboardOwner): DashboardEnvelope {
  return {
    dashboard: {
      editable: true,
      id: null,
      uid,
      title,
      tags: owner ? [ownerTag(owner)] : [],
      timezone: 'browser',
      schemaVersion: 40,
      version: 0,
      refresh: '5s',
      panels,
    },
    overwrite: true,
  };
}

/** A multi-value list with "All"; the first value is selected, as upstream. */
function customVariable(name: string, values: readonly string[]): CustomVariable {
  const first = values[0] ?? ''; // upstream crashes on an empty graph; here nothing is selected
  return {
    name,
    type: 'custom',
    query: values.join(', '),
    options: values.map((value, index) => ({ text: value, value, selected: index === 0 })),
    current: { text: first, value: first },
    includeAll: true,
    multi: true,
  };
}

function datasourceOf(options: DashboardOptions): DatasourceRef {
  return { type: 'prometheus', uid: options.datasourceUid ?? DEFAULT_DATASOURCE_UID };
}
