/**
 * A loopback stand-in for the parts of Grafana's HTTP API that SMO uses (no real Grafana can
 * be installed here): create/overwrite, read and delete dashboards by uid, search them
 * (`/api/search`), with basic or Bearer auth, Grafana's 40-character uid limit, injected
 * failures and delays, and a log.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isRecord } from '../../../src/shared/is-record';
import { FakeDelays, listenOnLoopback } from '../loopback-server';

export interface FakeGrafanaOptions {
  /** Basic-auth credentials Grafana accepts (default admin/admin, as a fresh install). */
  username?: string;
  password?: string;
  /** A service-account token accepted as `Authorization: Bearer <token>`. */
  apiToken?: string;
}

export interface StoredDashboard {
  id: number;
  uid: string;
  title: string;
  slug: string;
  version: number;
  /** The dashboard JSON as posted. */
  dashboard: Record<string, unknown>;
}

export interface LoggedRequest {
  method: string;
  path: string;
  auth: 'basic' | 'bearer' | 'none' | 'other';
  status: number;
}

export interface RunningFakeGrafana {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  url: string;
  stop(): Promise<void>;
  dashboards(): Map<string, StoredDashboard>;
  requests(): LoggedRequest[];
  /** The next `times` requests answer `status` (3xx with `Location: /login`) with `body`. */
  failNext(status: number, times?: number, body?: unknown): void;
  /** The next `times` requests wait `ms` before being handled. */
  delayNext(ms: number, times?: number): void;
  /** Grafana is down: every request's connection is reset, until `up()`. */
  down(): void;
  up(): void;
}

const MAX_UID_LENGTH = 40;
/** Grafana's search: 1000 hits a page unless `limit` says otherwise, and no more than 5000. */
const DEFAULT_SEARCH_LIMIT = 1000;
const MAX_SEARCH_LIMIT = 5000;
const UID_CHARACTERS = /^[A-Za-z0-9_-]*$/;
const MAX_BODY_BYTES = 10 * 1024 * 1024;

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export class FakeGrafana {
  private readonly stored = new Map<string, StoredDashboard>();
  private readonly log: LoggedRequest[] = [];
  private readonly failures: { status: number; body: unknown }[] = [];
  private readonly delays: number[] = [];
  private readonly pendingDelays = new FakeDelays();
  private nextId = 1;
  private isDown = false;

  private constructor(private readonly options: Required<Pick<FakeGrafanaOptions, 'username' | 'password'>> & FakeGrafanaOptions) {}

  static async start(options: FakeGrafanaOptions = {}): Promise<RunningFakeGrafana> {
    const fake = new FakeGrafana({ username: 'admin', password: 'admin', ...options });
    const { url, server, close } = await listenOnLoopback((request, response) => void fake.handle(request, response));
    return {
      url,
      stop: async () => {
        fake.pendingDelays.clear();
        await close();
      },
      dashboards: () => new Map(fake.stored),
      requests: () => [...fake.log],
      failNext: (status, times = 1, body = { message: 'injected failure' }) => {
        for (let i = 0; i < times; i += 1) fake.failures.push({ status, body });
      },
      delayNext: (ms, times = 1) => {
        for (let i = 0; i < times; i += 1) fake.delays.push(ms);
      },
      down: () => {
        fake.isDown = true;
        server.closeAllConnections();
      },
      up: () => {
        fake.isDown = false;
      },
    };
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (this.isDown) {
      this.log.push({ method: request.method ?? '', path: new URL(request.url ?? '/', 'http://fake').pathname, auth: 'none', status: 0 });
      return void request.socket.destroy();
    }
    const delay = this.delays.shift();
    if (delay !== undefined) await this.sleep(delay);
    const { pathname: path, searchParams } = new URL(request.url ?? '/', 'http://fake');
    const auth = this.authOf(request.headers.authorization);
    const reply = await this.route(request, path, searchParams, auth.valid);
    this.log.push({ method: request.method ?? '', path, auth: auth.kind, status: reply.status });
    if (response.destroyed) return; // the client gave up (timeout)
    response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    response.end(JSON.stringify(reply.body));
  }

  private async route(request: IncomingMessage, path: string, query: URLSearchParams, authorized: boolean): Promise<Reply> {
    const failure = this.failures.shift();
    if (failure) {
      const redirect = failure.status >= 300 && failure.status < 400;
      return { ...failure, headers: redirect ? { location: '/login' } : undefined };
    }
    if (!authorized) return { status: 401, body: { message: 'Invalid username or password' } };
    const byUid = /^\/api\/dashboards\/uid\/([^/]+)$/.exec(path);
    if (request.method === 'POST' && path === '/api/dashboards/db') return this.save(await readBody(request));
    if (request.method === 'GET' && byUid?.[1]) return this.read(decodeURIComponent(byUid[1]));
    if (request.method === 'DELETE' && byUid?.[1]) return this.remove(decodeURIComponent(byUid[1]));
    if (request.method === 'GET' && (path === '/api/search' || path === '/api/search/')) return this.search(query);
    return { status: 404, body: { message: 'Not found' } };
  }

  private save(body: unknown): Reply {
    if (!isRecord(body) || !isRecord(body.dashboard)) return { status: 400, body: { message: 'bad request data' } };
    const dashboard = body.dashboard;
    const title = dashboard.title;
    if (typeof title !== 'string' || title.trim() === '') {
      return { status: 400, body: { message: 'Dashboard title cannot be empty', status: 'empty-name' } };
    }
    const uid = typeof dashboard.uid === 'string' && dashboard.uid !== '' ? dashboard.uid : `generated-${this.nextId}`;
    if (uid.length > MAX_UID_LENGTH) return { status: 400, body: { message: 'uid too long, max 40 characters' } };
    if (!UID_CHARACTERS.test(uid)) return { status: 400, body: { message: 'uid contains illegal characters' } };
    const existing = this.stored.get(uid);
    if (existing && body.overwrite !== true) {
      return { status: 412, body: { message: 'A dashboard with the same uid already exists', status: 'name-exists' } };
    }
    const saved: StoredDashboard = {
      id: existing?.id ?? this.nextId++,
      uid,
      title,
      slug: slugOf(title),
      version: (existing?.version ?? 0) + 1,
      dashboard,
    };
    this.stored.set(uid, saved);
    const { id, slug, version } = saved;
    return { status: 200, body: { id, uid, url: `/d/${uid}/${slug}`, status: 'success', version, slug } };
  }

  private read(uid: string): Reply {
    const saved = this.stored.get(uid);
    if (!saved) return { status: 404, body: { message: 'Dashboard not found' } };
    return {
      status: 200,
      body: { dashboard: { ...saved.dashboard, id: saved.id, uid, version: saved.version }, meta: { url: `/d/${uid}/${saved.slug}`, slug: saved.slug } },
    };
  }

  /**
   * Grafana's `GET /api/search` over dashboards (the fake has no folders): `tag` (repeated: a hit has every one),
   * `query` (in the title, any case), `dashboardUIDs`, `type` (`dash-db`; `dash-folder` finds none), sorted by title,
   * `limit` hits a page (default 1000, over 5000 refused with 422, anything not a number taken as the default) and
   * `page` (from 1).
   */
  private search(query: URLSearchParams): Reply {
    const tags = query.getAll('tag');
    const uids = query.getAll('dashboardUIDs');
    const text = (query.get('query') ?? '').toLowerCase();
    const type = query.get('type');
    const requested = Number.parseInt(query.get('limit') ?? '', 10);
    const limit = Number.isNaN(requested) || requested <= 0 ? DEFAULT_SEARCH_LIMIT : requested;
    if (limit > MAX_SEARCH_LIMIT) {
      return { status: 422, body: { message: `Limit is above maximum allowed (${MAX_SEARCH_LIMIT}), use page parameter to access hits beyond limit` } };
    }
    const page = Math.max(1, Number.parseInt(query.get('page') ?? '', 10) || 1);
    if (type !== null && type !== '' && type !== 'dash-db') return { status: 200, body: [] };
    const hits = [...this.stored.values()]
      .filter((saved) => tags.every((tag) => tagsOf(saved).includes(tag)))
      .filter((saved) => uids.length === 0 || uids.includes(saved.uid))
      .filter((saved) => saved.title.toLowerCase().includes(text))
      .sort((a, b) => a.title.toLowerCase().localeCompare(b.title.toLowerCase()))
      .slice((page - 1) * limit, page * limit)
      .map((saved) => ({
        id: saved.id,
        uid: saved.uid,
        title: saved.title,
        uri: `db/${saved.slug}`,
        url: `/d/${saved.uid}/${saved.slug}`,
        slug: '',
        type: 'dash-db',
        tags: tagsOf(saved),
        isStarred: false,
        sortMeta: 0,
      }));
    return { status: 200, body: hits };
  }

  private remove(uid: string): Reply {
    const saved = this.stored.get(uid);
    if (!saved) return { status: 404, body: { message: 'Dashboard not found' } };
    this.stored.delete(uid);
    return { status: 200, body: { title: saved.title, message: `Dashboard ${saved.title} deleted`, id: saved.id } };
  }

  private authOf(header: string | undefined): { kind: LoggedRequest['auth']; valid: boolean } {
    if (!header) return { kind: 'none', valid: false };
    const [scheme, value = ''] = header.split(' ', 2);
    if (scheme === 'Bearer') return { kind: 'bearer', valid: !!this.options.apiToken && value === this.options.apiToken };
    if (scheme !== 'Basic') return { kind: 'other', valid: false };
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const valid = colon >= 0 && decoded.slice(0, colon) === this.options.username && decoded.slice(colon + 1) === this.options.password;
    return { kind: 'basic', valid };
  }

  private sleep(ms: number): Promise<void> {
    return this.pendingDelays.sleep(ms);
  }
}

function tagsOf(saved: StoredDashboard): string[] {
  const tags = saved.dashboard.tags;
  return Array.isArray(tags) ? tags.filter((tag): tag is string => typeof tag === 'string') : [];
}

/** Grafana's slug: lower case, runs of other characters become one '-'. */
function slugOf(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
