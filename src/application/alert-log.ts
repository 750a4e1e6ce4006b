import { randomUUID } from 'node:crypto';
import { alertsStream, type AlertFired } from '../domain/alert/events';
import { SCHEMA_VERSION } from '../domain/event-schema';
import { WrongExpectedVersionError } from '../eventstore/errors';
import { ANY, type EventStore, type NewEvent } from '../eventstore/event-store';
import { deterministicId } from '../shared/deterministic-id';

/** One alert of a notification, and when it ended (not recorded: it only tells one delivery of the alert from another). */
export interface ReceivedAlert {
  data: AlertFired['data'];
  /** null while firing. */
  endsAt: string | null;
}

/**
 * Records alerts from Alertmanager in the day's stream. Nothing is decided: every alert is a fact,
 * and what it triggers is the conditional deployment processor's business.
 *
 * An alert's event id follows from the alert as delivered (fingerprint, status, startsAt, endsAt)
 * and where SMO routed it (graph, service): Alertmanager sends a notification again when the
 * webhook answered late or failed, and repeats a firing alert every repeat_interval, unchanged;
 * a repeat appends nothing. An alert with neither fingerprint nor start cannot be told apart and
 * gets an id of its own.
 */
export class AlertLog {
  constructor(private readonly store: EventStore) {}

  async record(alerts: readonly ReceivedAlert[], context: { correlationId: string; actor: string; now: Date }): Promise<{ position: number | null }> {
    if (alerts.length === 0) return { position: null };
    const metadata = { correlationId: context.correlationId, actor: context.actor, at: context.now.toISOString(), schemaVersion: SCHEMA_VERSION };
    const byId = new Map<string, NewEvent<'AlertFired', AlertFired['data']>>();
    for (const alert of alerts) {
      const id = alertEventId(alert);
      if (!byId.has(id)) byId.set(id, { id, type: 'AlertFired', data: alert.data, metadata });
    }
    const events = [...byId.values()];
    const stream = alertsStream(context.now);
    try {
      const { position } = await this.store.appendToStream(stream, events, { expectedRevision: ANY });
      return { position };
    } catch (error) {
      // Some of them were recorded before, among others (the store takes a repeat only as a whole batch): one at a time.
      if (!(error instanceof WrongExpectedVersionError) || events.length === 1) throw error;
      let position: number | null = null;
      for (const event of events) position = (await this.store.appendToStream(stream, [event], { expectedRevision: ANY })).position;
      return { position };
    }
  }
}

export function alertEventId({ data, endsAt }: ReceivedAlert): string {
  if (data.fingerprint === null && data.startsAt === null) return randomUUID();
  return deterministicId('alert', data.fingerprint ?? '', data.alertName, data.status, data.startsAt ?? '', endsAt ?? '', data.graphId ?? '', data.serviceId ?? '', data.eventId ?? '');
}
