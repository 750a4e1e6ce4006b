import { randomUUID } from 'node:crypto';
import { alertsStream, type AlertFired } from '../domain/alert/events';
import { SCHEMA_VERSION } from '../domain/event-schema';
import { MaxAppendSizeExceededError, WrongExpectedVersionError } from '../eventstore/errors';
import { ANY, type EventStore, type NewEvent } from '../eventstore/event-store';
import { deterministicId } from '../shared/deterministic-id';

/**
 * One alert of a notification, when it ended, and the submission of the graph it was routed to (neither is
 * recorded: they only tell one delivery of the alert from another).
 */
export interface ReceivedAlert {
  data: AlertFired['data'];
  /** null while firing. */
  endsAt: string | null;
  /** The stream revision of the routed graph's latest submission (GraphDocument's `submission`, 0 for its first); null when routed to no graph. */
  submission: number | null;
}

/**
 * Records alerts from Alertmanager in the stream of the day (UTC) each started. Nothing is decided:
 * every alert is a fact, and what it triggers is the conditional deployment processor's business.
 *
 * An alert's event id follows from the alert as delivered (fingerprint, status, startsAt, endsAt)
 * and where SMO routed it (graph, service, event, and the graph's submission): Alertmanager sends a
 * notification again when the webhook answered late or failed, and repeats a firing alert every
 * repeat_interval, unchanged; a repeat appends nothing, after midnight too, since it goes to the same
 * stream (the store knows an event id per stream). A graph removed and submitted again under the same
 * id is another submission: the first repeat of an alert that kept firing is recorded for it, once, and
 * triggers its Pending service (recorded for the removed one only, it never would: Alertmanager sends it
 * unchanged until it resolves). A graph's first submission adds nothing to the id: the ids of alerts
 * recorded before the submission counted stay those of a graph submitted once. An alert routed to no graph (its graph not
 * submitted yet) has an id of its own too: its repeat once the graph is submitted is recorded, and triggers. An alert with
 * neither fingerprint nor start cannot be told apart and gets an id of its own, in the day's stream.
 */
export class AlertLog {
  constructor(private readonly store: EventStore) {}

  async record(alerts: readonly ReceivedAlert[], context: { correlationId: string; actor: string; now: Date }): Promise<{ position: number | null }> {
    if (alerts.length === 0) return { position: null };
    const metadata = { correlationId: context.correlationId, actor: context.actor, at: context.now.toISOString(), schemaVersion: SCHEMA_VERSION };
    const byStream = new Map<string, Map<string, NewEvent<'AlertFired', AlertFired['data']>>>();
    for (const alert of alerts) {
      const id = alertEventId(alert);
      const stream = alertsStream(startDay(alert, context.now));
      const events = byStream.get(stream) ?? new Map<string, NewEvent<'AlertFired', AlertFired['data']>>();
      byStream.set(stream, events);
      if (!events.has(id)) events.set(id, { id, type: 'AlertFired', data: alert.data, metadata });
    }
    let position: number | null = null;
    for (const [stream, events] of byStream) position = Math.max(position ?? 0, await this.append(stream, [...events.values()]));
    return { position };
  }

  private async append(stream: string, events: readonly NewEvent<'AlertFired', AlertFired['data']>[]): Promise<number> {
    try {
      return (await this.store.appendToStream(stream, events, { expectedRevision: ANY })).position;
    } catch (error) {
      // More alerts than one append holds (about 3,000 of a day): in halves. Refused with 413 instead, the notification
      // was lost, since Alertmanager retries only a 5xx; each alert's id keeps a retry after a failure half-way from
      // recording any twice.
      if (error instanceof MaxAppendSizeExceededError && events.length > 1) {
        const half = Math.ceil(events.length / 2);
        return Math.max(await this.append(stream, events.slice(0, half)), await this.append(stream, events.slice(half)));
      }
      // Some of them were recorded before, among others (the store takes a repeat only as a whole batch): one at a time.
      if (!(error instanceof WrongExpectedVersionError) || events.length === 1) throw error;
      let position = 0;
      for (const event of events) position = Math.max(position, (await this.store.appendToStream(stream, [event], { expectedRevision: ANY })).position);
      return position;
    }
  }
}

/** The day the alert started (Alertmanager's startsAt, validated as RFC 3339), else the day it was received. */
function startDay({ data }: ReceivedAlert, now: Date): Date {
  const startsAt = data.startsAt === null ? Number.NaN : Date.parse(data.startsAt);
  return Number.isNaN(startsAt) ? now : new Date(startsAt);
}

export function alertEventId({ data, endsAt, submission }: ReceivedAlert): string {
  if (data.fingerprint === null && data.startsAt === null) return randomUUID();
  const routed = [data.graphId ?? '', data.serviceId ?? '', data.eventId ?? '', ...(submission === null ? ['unrouted'] : submission > 0 ? [submission] : [])];
  return deterministicId('alert', data.fingerprint ?? '', data.alertName, data.status, data.startsAt ?? '', endsAt ?? '', ...routed);
}
