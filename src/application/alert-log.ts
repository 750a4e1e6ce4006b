import { randomUUID } from 'node:crypto';
import { alertsStream, type AlertFired } from '../domain/alert/events';
import { SCHEMA_VERSION } from '../domain/event-schema';
import { ANY, type EventStore } from '../eventstore/event-store';

/**
 * Records alerts from Alertmanager in the day's stream. Nothing is decided: every alert is a fact
 * (firing alerts repeat, so each gets its own id), and what it triggers is the conditional
 * deployment processor's business.
 */
export class AlertLog {
  constructor(private readonly store: EventStore) {}

  async record(alerts: readonly AlertFired['data'][], context: { correlationId: string; actor: string; now: Date }): Promise<{ position: number | null }> {
    if (alerts.length === 0) return { position: null };
    const metadata = { correlationId: context.correlationId, actor: context.actor, at: context.now.toISOString(), schemaVersion: SCHEMA_VERSION };
    const events = alerts.map((data) => ({ id: randomUUID(), type: 'AlertFired' as const, data, metadata }));
    const { position } = await this.store.appendToStream(alertsStream(context.now), events, { expectedRevision: ANY });
    return { position };
  }
}
