import { serviceBaseUrl } from '../../shared/base-url';

/** Validates GRAFANA_HOST (see serviceBaseUrl). */
export function grafanaBaseUrl(raw: string): string {
  return serviceBaseUrl(raw, 'Grafana', '; set the username and password options');
}
