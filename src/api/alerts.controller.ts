import { timingSafeEqual, createHash } from 'node:crypto';
import { Body, Controller, Headers, HttpCode, HttpStatus, Inject, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandBus } from '@nestjs/cqrs';
import type { ReceivedAlert } from '../application/alert-log';
import { smoAlertsOf, type SmoAlert } from '../integrations/prometheus/alertmanager-webhook';
import { AlertmanagerWebhookBody, parseAlertmanagerWebhook } from './alertmanager-webhook';
import { RecordAlerts } from '../app/cqrs';
import type { Runtime } from '../app/runtime';
import { RUNTIME } from '../app/runtime.token';
import type { GraphDocument } from '../../projections/graphs.projection';
import { serviceOwnersProjection } from '../../projections/service-owners.projection';
import { firstOwnerOf } from './service-owners';
import { waitsForEvent } from '../domain/graph/decide';
import { AcceptsUnknownQuery } from './command-inputs';
import { ApiJson, ApiProblems, ApiQueryParam } from './openapi/responses';
import { shape } from './openapi/schemas';
import { ProblemException } from './problem';
import { correlationIdOf } from './request-context';

const EXAMPLE = {
  receiver: 'webhook-receiver',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'main-event', service: 'image-compression-vo', severity: 'critical' },
      annotations: { description: 'High vo-metric', summary: 'High vo-metric' },
      startsAt: '2025-05-02T09:12:44Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus/graph',
      fingerprint: 'c0ffee',
    },
  ],
  groupLabels: {},
  commonLabels: {},
  commonAnnotations: {},
  externalURL: 'http://alertmanager:9093',
  version: '4',
  groupKey: '{}:{}',
  truncatedAlerts: 0,
};

/** How long an upstream-style alert waits for the service-owners read model to catch up (after an upgrade). */
const OWNERS_WAIT_MS = 5_000;

/**
 * The Alertmanager webhook (upstream `POST /alerts`): every alert is recorded; firing ones trigger Pending
 * services (under `event.condition: ALL`, once every event of the service fires; resolved ones un-fire their event).
 */
@ApiTags('monitoring')
@Controller('alerts')
export class AlertsController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly commandBus: CommandBus,
  ) {}

  @Post()
  @HttpCode(HttpStatus.OK)
  @AcceptsUnknownQuery()
  @ApiOperation({
    summary: 'Alertmanager webhook (version 4)',
    description:
      'Every alert is recorded. A firing one deploys the Pending service it names; a service whose descriptor says `event.condition: ALL` deploys once every one of its events is firing at the same time (a resolved alert un-fires its event until then; once deployed, a resolution changes nothing). With SMO_ALERTS_TOKEN set, send it as `Authorization: Bearer <token>` (or `?token=`).',
  })
  @ApiBody({ type: AlertmanagerWebhookBody, examples: { firing: { summary: 'A firing alert', value: EXAMPLE } } })
  @ApiQueryParam('token', 'SMO_ALERTS_TOKEN, when the Alertmanager cannot send a header', { type: 'string' })
  @ApiJson(200, 'Recorded: the body back, with notes on alerts that matched no service', shape({ message: { type: 'string' }, data: {}, notes: { type: 'array', items: { type: 'string' } } }))
  @ApiProblems(401, 503)
  async receive(@Req() request: FastifyRequest, @Body() body: unknown, @Headers('authorization') authorization: string | undefined, @Query('token') token: string | undefined) {
    this.authorize(authorization, token);
    const parsed = parseAlertmanagerWebhook(body);
    if (!parsed.ok) {
      throw new ProblemException({ type: 'about:blank', title: 'Bad Request', status: 400, detail: 'Not an Alertmanager webhook (version 4); see "errors"', errors: parsed.problems });
    }
    const alerts = smoAlertsOf(parsed.webhook);
    const notes: string[] = [];
    const fired: ReceivedAlert[] = [];
    if (alerts.some((alert) => alert.service && !alert.graph)) await this.ownersUpToNow();
    for (const smoAlert of alerts) {
      // Upstream names its rule after the event and labels it with the service only: an alert without an `event` label names its event by its name.
      const alert = smoAlert.event === null && smoAlert.service !== null ? { ...smoAlert, event: smoAlert.alertname } : smoAlert;
      const routed = await this.route(alert);
      if (routed.note) notes.push(routed.note);
      fired.push({
        data: {
          alertName: alert.alertname ?? 'unknown',
          status: alert.status,
          graphId: routed.graphId,
          serviceId: routed.serviceId,
          eventId: alert.event,
          fingerprint: alert.fingerprint || null,
          startsAt: alert.startsAt || null,
          receiver: parsed.webhook.receiver || null,
          note: routed.note,
        },
        endsAt: alert.endsAt || null,
        submission: routed.submission,
      });
    }
    await this.commandBus.execute(new RecordAlerts(fired, { correlationId: correlationIdOf(request), actor: 'alertmanager', now: new Date() }));
    return { message: 'Alert received', data: body, notes };
  }

  /**
   * SMO's rules carry `graph`, `service` and `event`: the graph is read by id. Upstream-style rules carry only
   * `service`, and are named after their event: its owner is the first graph, by id, that has a service of that
   * id (the service-owners read model, one seek however many graphs there are), and the alert triggers it only
   * if the service waits for an event of that name (another system's alert with a `service` label does not).
   * An alert that names no event (neither an `event` label nor an `alertname`) triggers nothing. `submission`:
   * which submission of the graph it went to, null for none (the alert log records a repeat once per submission).
   */
  private async route(alert: SmoAlert): Promise<{ graphId: string | null; serviceId: string | null; note: string | null; submission: number | null }> {
    if (!alert.service) return { graphId: alert.graph, serviceId: null, note: `alert ${alert.alertname ?? '?'} names no service; recorded only`, submission: null };
    const ownerId = alert.graph ?? (await firstOwnerOf(this.runtime.readStore, alert.service));
    const graph = ownerId === null ? null : await this.graphDocument(ownerId);
    // A graph named by the alert must have the service; an owner found by the service has it (the graph's document may lag).
    const owner = alert.graph === null ? ownerId : graph?.state.services.some((service) => service.id === alert.service) ? graph.name : null;
    if (!owner) {
      // Said of the graph the alert names when it names one: another graph may well have a service of that id.
      const why = alert.graph === null ? `no graph has a service ${alert.service}` : graph === null ? `no graph ${alert.graph}` : `graph ${alert.graph} has no service ${alert.service}`;
      return { graphId: alert.graph, serviceId: alert.service, note: `${why}; recorded only`, submission: null };
    }
    const submission = graph?.submission ?? 0;
    // SMO's rules name their event; the graph decides on it too (decide.ts), this only says why nothing comes of it.
    if (alert.event === null) return { graphId: owner, serviceId: alert.service, note: `alert ${alert.alertname ?? '?'} names no event of service ${alert.service}; recorded only`, submission };
    if (!graph || !waitsForEvent(graph.state, alert.service, alert.event)) {
      return { graphId: owner, serviceId: alert.service, note: `service ${alert.service} of graph ${owner} has no event ${alert.event} (a rule of an earlier submission?); recorded only`, submission };
    }
    return { graphId: owner, serviceId: alert.service, note: null, submission };
  }

  private async graphDocument(graphId: string): Promise<GraphDocument | null> {
    return (await this.runtime.readStore.get<GraphDocument>('graphs', graphId))?.doc ?? null;
  }

  /**
   * Waits (bounded) until the service-owners read model holds every graph recorded before this call:
   * at once in steady state; after an upgrade it catches up from the first event. An alert routed
   * meanwhile would find no graph, and Alertmanager sends a firing alert again only hours later: past
   * the bound, the notification is refused with 503 (ReadModelBehindError) before anything is recorded,
   * and Alertmanager retries it.
   */
  private async ownersUpToNow(): Promise<void> {
    const head = (await this.runtime.eventStore.headPosition()) ?? 0;
    await this.runtime.processing.whenProcessed(head, { names: [serviceOwnersProjection.name], timeoutMs: OWNERS_WAIT_MS });
  }

  private authorize(authorization: string | undefined, token: string | undefined): void {
    const expected = this.runtime.config.alertsToken;
    if (!expected) return;
    const given = authorization?.startsWith('Bearer ') ? authorization.slice(7) : token;
    if (!given || !sameSecret(given, expected)) throw ProblemException.of(HttpStatus.UNAUTHORIZED, 'The alerts webhook needs its token');
  }
}

/** Constant-time comparison of two secrets of any length. */
export function sameSecret(given: string, expected: string): boolean {
  const hash = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(hash(given), hash(expected));
}
