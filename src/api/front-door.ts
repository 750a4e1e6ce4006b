import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyContextConfig, FastifyInstance } from 'fastify';
import type { Runtime } from '../app/runtime';
import { securityHeadersOf } from './answer-headers';
import { MAX_PATH_PARAMETER_LENGTH } from './framework-errors';
import type { CachedRead } from './graphs/graph-read';
import { CORRELATION_HEADER, correlationIdFrom, recordAnswer } from './request-log';
import type { RequestAuthorizer } from './security/auth.guard';

/** A path parameter as the router reads it: unreserved characters only (none it would decode), at most as long as it allows. */
const PARAMETER = `([A-Za-z0-9._~-]{1,${MAX_PATH_PARAMETER_LENGTH}})`;

interface Entrance {
  /** The route, as Fastify knows it (`/graphs/:name`). */
  route: string;
  /** The request targets of the route the door reads itself: the route's exact shape, no query, no trailing slash. */
  target: RegExp;
  parameters: string[];
  read: CachedRead;
  /** The route's config as Fastify registered it (what authorisation reads of it). */
  config?: FastifyContextConfig;
}

type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * The hottest reads (graph-read.ts: cachedGraphReads) answered from the read cache before Fastify sees the request.
 * Fastify and Nest cost a graph read most of its CPU even when answered directly: Nest's adapter runs six request
 * hooks on every request and SMO three, and the router derives Nest's version constraint (bench:api). The door
 * answers only a plain request (GET, a target of the route's exact shape, no body) that authorisation lets through
 * and whose answer the cache holds: the route's status, headers and body, the same request metric and log line.
 * Anything else (a refusal, an answer not cached, HEAD, a query, an escape, Fastify closing) it leaves untouched
 * to Fastify, which answers as for any request: every refusal is written in one place. Authorisation comes first,
 * so a refused request learns nothing from the cache (not even from its timing); one it let through and leaves to
 * Fastify is not charged to its caller's rate limit twice (RequestAuthorizer.grantBeforeRouting).
 */
export class FrontDoor {
  private closing = false;
  private readonly entrances: Entrance[];
  /** GET paths Fastify routes elsewhere though an entrance's target matches them (a static route beside `/graphs/:name`). */
  private readonly routedElsewhere = new Set<string>();

  constructor(
    private readonly runtime: Pick<Runtime, 'logger' | 'metrics'>,
    private readonly authorizer: RequestAuthorizer,
    reads: Record<string, CachedRead>,
  ) {
    this.entrances = Object.entries(reads).map(([route, read]) => ({
      route,
      target: new RegExp(`^${route.replace(/:\w+/g, PARAMETER)}$`),
      parameters: [...route.matchAll(/:(\w+)/g)].map((match) => match[1]!),
      read,
    }));
  }

  /**
   * Puts the door in front of Fastify's request handler, learns the routes Fastify registers from now on (install
   * it before Nest registers them), and closes as Fastify begins to close (Fastify answers 503 from then on).
   */
  install(fastify: FastifyInstance): void {
    fastify.addHook('preClose', (done) => {
      this.close();
      done();
    });
    fastify.addHook('onRoute', (route) => {
      if (![route.method].flat().includes('GET')) return;
      const entrance = this.entrances.find((candidate) => candidate.route === route.url);
      if (entrance) entrance.config = route.config;
      else if (!route.url.includes(':') && this.entrances.some((candidate) => candidate.target.test(route.url))) this.routedElsewhere.add(route.url);
    });
    const { server } = fastify;
    const handlers = server.listeners('request') as RequestHandler[];
    if (handlers.length !== 1) throw new Error(`the front door expects Fastify's one request handler on its server, found ${handlers.length}`);
    const [throughFastify] = handlers as [RequestHandler];
    server.removeListener('request', throughFastify);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      if (!this.answer(request, response)) throughFastify.call(server, request, response);
    });
  }

  /** Every request is Fastify's from now on. */
  close(): void {
    this.closing = true;
  }

  /** Answers the request (true), or writes nothing and leaves it to Fastify (false). */
  answer(request: IncomingMessage, response: ServerResponse): boolean {
    const { method, url, headers } = request;
    if (method !== 'GET' || url === undefined || this.closing) return false;
    if (headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined) return false;
    for (const entrance of this.entrances) {
      const match = entrance.target.exec(url);
      if (match) return !this.routedElsewhere.has(url) && this.answerAt(entrance, match, request, response);
    }
    return false;
  }

  private answerAt(entrance: Entrance, match: RegExpExecArray, request: IncomingMessage, response: ServerResponse): boolean {
    const started = performance.now();
    const { url, headers } = request as IncomingMessage & { url: string };
    const params: Record<string, string> = {};
    entrance.parameters.forEach((name, index) => (params[name] = match[index + 1]!));
    const answerHeaders: Record<string, string | number> = { ...securityHeadersOf(url) };
    const sink = { header: (name: string, value: string) => (answerHeaders[name] = value) };
    const authorized = { method: 'GET', route: entrance.route, routeConfig: entrance.config, target: url, headers, ip: request.socket.remoteAddress };
    let body: Buffer | undefined;
    try {
      const role = this.authorizer.roleFor(authorized, sink);
      body = entrance.read(params, sink);
      if (body === undefined) this.authorizer.grantBeforeRouting(request, role);
    } catch {
      return false; // refused (nothing taken from the rate limit): Fastify refuses it again, with the route's problem
    }
    if (body === undefined) return false;
    const correlationId = correlationIdFrom(headers);
    answerHeaders[CORRELATION_HEADER] = correlationId;
    answerHeaders['content-length'] = body.length;
    response.writeHead(200, answerHeaders);
    // The body's bytes as a latin1 string (one character per byte, so the same bytes go out): Node then sends head
    // and body in one write, where a Buffer goes out beside the head as a writev of two (about 5-10% more requests/s).
    response.end(body.toString('latin1'), 'latin1');
    recordAnswer(this.runtime, { method: 'GET', route: entrance.route, url, correlationId }, 200, performance.now() - started);
    return true;
  }
}

