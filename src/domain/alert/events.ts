/**
 * Alerts received from Alertmanager. They go to one stream per day (`alerts-YYYYMMDD`, the UTC day
 * the alert started), not to graph streams: firing alerts repeat every minute, and most change nothing.
 */
import { eventGuard } from '../event-schema';
export interface AlertFired {
  type: 'AlertFired';
  data: {
    alertName: string;
    status: 'firing' | 'resolved';
    /** From the rule's labels (SMO's rules carry graph and service); null when unknown. */
    graphId: string | null;
    serviceId: string | null;
    eventId: string | null;
    fingerprint: string | null;
    startsAt: string | null;
    receiver: string | null;
    /** Why nothing will come of it, when SMO already knows (unknown service, …). */
    note: string | null;
  };
}

export const ALERT_EVENT_TYPES: Record<AlertFired['type'], true> = { AlertFired: true };
export const isAlertFired = eventGuard<AlertFired>(ALERT_EVENT_TYPES);

export const ALERTS_CATEGORY = 'alerts';

export function alertsStream(day: Date): string {
  return `${ALERTS_CATEGORY}-${day.toISOString().slice(0, 10).replace(/-/g, '')}`;
}
