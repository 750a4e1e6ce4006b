/**
 * GrafanaPort over Grafana's HTTP API (`POST /api/dashboards/db`, `GET` and `DELETE /api/dashboards/uid/:uid`).
 * Every call is bounded by a timeout, refuses redirects, and answers an outcome: failures are
 * values, never exceptions, and their messages never contain the password or token.
 */
import { clusterDashboard, graphDashboard, serviceDashboard, type DashboardEnvelope, type DashboardOptions } from './dashboards';
import { ownerTag, ownerTagsOf, type DashboardOwner } from './dashboard-owner';
import { grafanaBaseUrl } from './grafana-base-url';
import { isRecord, type JsonRecord } from '../../shared/is-record';
import { jsonHttp } from '../../shared/json-http';
import { SecretRedactor } from '../../shared/secret-redactor';
import { authorizationHeader } from './grafana-secrets';
import type { GrafanaOutcome, GrafanaPort, PublishedDashboard } from './grafana.port';

/** Grafana's answers are small; a bigger body is refused rather than buffered. */
const MAX_RESPONSE_BYTES = 1024 * 1024;
const MAX_MESSAGE_LENGTH = 300;
/** Hits a search page asks for (Grafana allows up to 5000, each a few hundred bytes under MAX_RESPONSE_BYTES). */
export const SEARCH_PAGE_SIZE = 500;
/** Pages one search reads at most: a graph's submission publishes one dashboard per service and one for the graph. */
const MAX_SEARCH_PAGES = 20;

export interface GrafanaHttpOptions {
  /** GRAFANA_HOST, e.g. `http://grafana.monitoring:3000` (a sub-path is kept). */
  baseUrl: string;
  /** GRAFANA_USERNAME / GRAFANA_PASSWORD, sent as HTTP basic auth. */
  username?: string;
  password?: string;
  /** A service-account token; when set it is sent as a Bearer token instead of basic auth. */
  apiToken?: string;
  /** Uid of Grafana's Prometheus datasource; defaults to upstream's 'prometheus'. */
  datasourceUid?: string;
  timeoutMs: number;
}

export class GrafanaHttpAdapter implements GrafanaPort {
  private readonly baseUrl: string;
  private readonly authorization: string | undefined;
  private readonly redactor: SecretRedactor;
  private readonly dashboardOptions: DashboardOptions;
  private readonly timeoutMs: number;

  /** Throws on a configuration mistake (bad URL, timeout or token), so that start-up fails early. */
  constructor(options: GrafanaHttpOptions) {
    this.baseUrl = grafanaBaseUrl(options.baseUrl);
    if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) throw new Error('Grafana timeoutMs must be a positive number');
    // A control character would make fetch refuse the header and quote it in its error.
    if (options.apiToken && hasControlCharacter(options.apiToken)) throw new Error('Grafana apiToken contains control characters');
    this.timeoutMs = Math.ceil(options.timeoutMs);
    this.authorization = authorizationHeader(options.username, options.password, options.apiToken);
    const basicCredentials = this.authorization?.startsWith('Basic ') ? this.authorization.slice('Basic '.length) : undefined;
    this.redactor = new SecretRedactor([options.password, options.apiToken, basicCredentials]);
    this.dashboardOptions = { datasourceUid: options.datasourceUid };
  }

  publishGraphDashboard(graphId: string, serviceIds: readonly string[], project?: string, owner?: DashboardOwner): Promise<GrafanaOutcome<PublishedDashboard>> {
    return this.publish(graphDashboard(graphId, serviceIds, this.dashboardOptions, project, owner));
  }

  publishServiceDashboard(serviceId: string, project?: string, owner?: DashboardOwner): Promise<GrafanaOutcome<PublishedDashboard>> {
    return this.publish(serviceDashboard(serviceId, this.dashboardOptions, project, owner));
  }

  publishClusterDashboard(clusterName: string): Promise<GrafanaOutcome<PublishedDashboard>> {
    return this.publish(clusterDashboard(clusterName, this.dashboardOptions));
  }

  async deleteDashboard(uid: string): Promise<GrafanaOutcome<void>> {
    const answer = await this.send('DELETE', `/api/dashboards/uid/${encodeURIComponent(uid)}`);
    if (answer.ok || answer.status === 404) return { ok: true, value: undefined }; // already gone
    return answer;
  }

  /** Read, then deleted: another graph's publication between the two is not told apart (Grafana's DELETE has no precondition). */
  async deleteOwnedDashboard(uid: string, owner: DashboardOwner): Promise<GrafanaOutcome<'deleted' | 'not-owned'>> {
    const read = await this.send('GET', `/api/dashboards/uid/${encodeURIComponent(uid)}`);
    if (!read.ok && read.status === 404) return { ok: true, value: 'deleted' }; // already gone
    if (!read.ok) return read;
    const owners = ownerTagsOf(dashboardOf(read.value)?.tags);
    if (owners.length > 0 && !owners.includes(ownerTag(owner))) return { ok: true, value: 'not-owned' };
    const deleted = await this.deleteDashboard(uid);
    return deleted.ok ? { ok: true, value: 'deleted' } : deleted;
  }

  /**
   * `GET /api/search?tag=<owner tag>&type=dash-db`, a page at a time until one is not full. A hit counts only if it
   * carries the tag itself: a Grafana (or proxy) that ignored the filter would otherwise hand over every dashboard.
   */
  async ownedDashboards(owner: DashboardOwner): Promise<GrafanaOutcome<string[]>> {
    const tag = ownerTag(owner);
    const uids = new Set<string>();
    for (let page = 1; page <= MAX_SEARCH_PAGES; page++) {
      const query = new URLSearchParams({ tag, type: 'dash-db', limit: String(SEARCH_PAGE_SIZE), page: String(page) });
      const answer = await this.send('GET', `/api/search?${query}`);
      if (!answer.ok) return answer;
      if (!Array.isArray(answer.value)) return { ok: false, status: 200, error: 'Grafana answered a search with something other than a list' };
      const before = uids.size;
      for (const hit of answer.value) {
        if (isRecord(hit) && typeof hit.uid === 'string' && ownerTagsOf(hit.tags).includes(tag)) uids.add(hit.uid);
      }
      // A page that adds nothing: a Grafana that ignores `page` would answer the first one again and again.
      if (answer.value.length < SEARCH_PAGE_SIZE || uids.size === before) break;
    }
    return { ok: true, value: [...uids] };
  }

  private async publish(envelope: DashboardEnvelope): Promise<GrafanaOutcome<PublishedDashboard>> {
    const answer = await this.send('POST', '/api/dashboards/db', envelope);
    if (!answer.ok) return answer;
    const { uid, url } = fieldsOf(answer.value);
    if (url === undefined || !url.startsWith('/')) {
      return { ok: false, status: 200, error: 'Grafana answered 200 without a dashboard url' };
    }
    return { ok: true, value: { uid: uid ?? envelope.dashboard.uid, url: this.dashboardAddress(url) } };
  }

  /**
   * Like upstream, GRAFANA_HOST + the path Grafana answered (`/d/<uid>/<slug>`), unless that path already begins with
   * GRAFANA_HOST's own: Grafana served under a sub-path (root_url `…/grafana/`) answers `/grafana/d/<uid>/<slug>`, which
   * upstream's join doubled (`…/grafana/grafana/d/…`, a link to nothing).
   */
  private dashboardAddress(path: string): string {
    const { origin, pathname } = new URL(this.baseUrl);
    const subPath = pathname.replace(/\/+$/, '');
    return subPath !== '' && path.startsWith(`${subPath}/d/`) ? origin + path : this.baseUrl + path;
  }

  /** The parsed JSON body of a 2xx answer, else why not (secrets masked): never throws. */
  private async send(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<GrafanaOutcome<unknown>> {
    const fail = (status: number | null, error: string, timedOut = false): GrafanaOutcome<unknown> => ({
      ok: false,
      status,
      error: this.redactor.redact(error).slice(0, MAX_MESSAGE_LENGTH),
      ...(timedOut ? { timedOut: true as const } : {}),
    });
    const outcome = await jsonHttp({
      peer: 'Grafana',
      method,
      url: this.baseUrl + path,
      body,
      headers: this.authorization ? { authorization: this.authorization } : {},
      timeoutMs: this.timeoutMs,
      maxResponseBytes: MAX_RESPONSE_BYTES,
    });
    if (!outcome.answered) return fail(outcome.status, outcome.message, outcome.failure === 'timeout');
    if (outcome.status < 200 || outcome.status > 299) return fail(outcome.status, `Grafana answered ${outcome.status}: ${messageOf(outcome.body) ?? outcome.statusText}`);
    if (outcome.body === undefined) return fail(outcome.status, `Grafana answered ${outcome.status} with a body that is not JSON`);
    return { ok: true, value: outcome.body };
  }
}

/** Grafana's errors carry `{message}`. */
function messageOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('message' in body)) return undefined;
  return typeof body.message === 'string' ? body.message : undefined;
}

/** `GET /api/dashboards/uid/:uid` answers `{dashboard, meta}`. */
function dashboardOf(body: unknown): JsonRecord | undefined {
  return isRecord(body) && Object.hasOwn(body, 'dashboard') && isRecord(body.dashboard) ? body.dashboard : undefined;
}

function fieldsOf(body: unknown): { uid?: string; url?: string } {
  if (typeof body !== 'object' || body === null) return {};
  const text = (key: 'uid' | 'url'): string | undefined => {
    const value: unknown = Object.hasOwn(body, key) ? (body as Record<string, unknown>)[key] : undefined;
    return typeof value === 'string' ? value : undefined;
  };
  return { uid: text('uid'), url: text('url') };
}

function hasControlCharacter(text: string): boolean {
  return Array.from(text).some((character) => character.charCodeAt(0) < 0x20 || character.charCodeAt(0) === 0x7f);
}
