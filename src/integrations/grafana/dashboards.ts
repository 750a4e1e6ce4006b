/**
 * Pure builders for the dashboards SMO publishes: one per graph (panels repeated
 * per service), one per service, one per cluster. Each returns the body of
 * `POST /api/dashboards/db`. Only change from upstream: the uid goes through `dashboardUid`.
 */
import { clusterPanels } from './cluster-panels';
import type { CustomVariable, DashboardEnvelope, DashboardOptions, DatasourceRef, Panel } from './dashboard.types';
import { dashboardUid } from './dashboard-uid';
import { SERVICE_VARIABLE, servicePanels } from './service-panels';

export { dashboardUid, MAX_DASHBOARD_UID_LENGTH } from './dashboard-uid';
export type { DashboardEnvelope, DashboardOptions } from './dashboard.types';

export const DEFAULT_DATASOURCE_UID = 'prometheus';


export function graphDashboard(graphId: string, serviceIds: readonly string[], options: DashboardOptions = {}): DashboardEnvelope {
  const envelope = basicDashboard(graphId, servicePanels(`$${SERVICE_VARIABLE}`, datasourceOf(options)));
  envelope.dashboard.templating = { list: [customVariable(SERVICE_VARIABLE, serviceIds)] };
  return envelope;
}

export function serviceDashboard(serviceId: string, options: DashboardOptions = {}): DashboardEnvelope {
  return basicDashboard(serviceId, servicePanels(serviceId, datasourceOf(options)));
}

export function clusterDashboard(clusterName: string, options: DashboardOptions = {}): DashboardEnvelope {
  return basicDashboard(clusterName, clusterPanels(clusterName, datasourceOf(options)));
}

/** Upstream `create_basic_dashboard`; overwrite so that re-publishing replaces by uid. */
function basicDashboard(name: string, panels: Panel[]): DashboardEnvelope {
  return {
    dashboard: {
      editable: true,
      id: null,
      uid: dashboardUid(name),
      title: name,
      tags: [],
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
