/**
 * Writes SMO's self-monitoring dashboard for Grafana's file provisioning (docker-compose.yml mounts
 * config/grafana): `npm run dashboards`. The file is generated; test/e2e/dashboard-queries checks it is current.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { smoDashboard } from '../src/integrations/grafana/smo-dashboard';

export const SMO_DASHBOARD_FILE = join(__dirname, '..', 'config', 'grafana', 'dashboards', 'smo.json');

/** The provisioned file holds the dashboard model itself (not the API envelope). */
export function smoDashboardFile(): string {
  return `${JSON.stringify(smoDashboard().dashboard, null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(SMO_DASHBOARD_FILE, smoDashboardFile());
  process.stdout.write(`${SMO_DASHBOARD_FILE}\n`);
}
