import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { applyDecorators, HttpStatus, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiExtension } from '@nestjs/swagger';
import type { FastifyContextConfig, FastifyReply, FastifyRequest } from 'fastify';
import type { SmoConfig } from '../../config/config';
import { ProblemException } from '../problem';
import type { HeaderSink } from '../answer-headers';
import { TokenBuckets } from './token-bucket';
import { refuseCrossSiteCommand, refuseForeignHost } from './browser-requests';

export type Role = 'read' | 'operate';

/** The Alertmanager webhook: it checks SMO_ALERTS_TOKEN itself when one is set. */
export const WEBHOOK = '/alerts';
export const OPERATIONS = ['/health', '/health/live', '/health/ready', '/metrics'];
/**
 * Probes, open even with SMO_PROTECT_OPERATIONS: they tell only whether to restart SMO or route to it, and
 * the image's HEALTHCHECK or a Kubernetes probe carries no token (with one required, the container was
 * reported unhealthy for good).
 */
export const PROBES = ['/health/live', '/health/ready'];

/** Whether a route is open: a probe, or an operations route SMO_PROTECT_OPERATIONS leaves open. */
export function isOpenRoute(route: string, security: Pick<SmoConfig['security'], 'protectOperations'>): boolean {
  return PROBES.includes(route) || (OPERATIONS.includes(route) && !security.protectOperations);
}

const ROLE = Symbol('smo.role');

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A GET route that changes state (see ChangesState). */
    changesState?: boolean;
  }
}

/**
 * Marks a GET route that changes state: upstream's `GET /graphs/{name}/stop`, `/start`, `/placement`,
 * `GET /vims/sync/nfvcl_vims`. It needs the operate role like any command, and HEAD never runs it
 * (method-not-allowed.ts answers 405): a link checker or a probe must not uninstall a graph. The
 * OpenAPI operation says so (`x-changes-state`), and gets the 403 of a read token (document.ts).
 */
export const CHANGES_STATE_EXTENSION = 'x-changes-state';
export const ChangesState = (): MethodDecorator => applyDecorators(RouteConfig({ changesState: true } satisfies FastifyContextConfig), ApiExtension(CHANGES_STATE_EXTENSION, true));

/**
 * Whether the route checks a token of its own: the webhook, when SMO_ALERTS_TOKEN is set. Without it the
 * webhook is guarded like any command (with API tokens, Alertmanager must send an operate token): an open
 * webhook on a server that needs tokens would let anyone deploy a Pending service by posting an alert.
 */
export function checksOwnToken(route: string, alertsToken: string | undefined): boolean {
  return route === WEBHOOK && alertsToken !== undefined;
}

/** Whether a request with this method, on a route with this config, only reads. */
export function onlyReads(method: string, config: FastifyContextConfig | undefined): boolean {
  return (method === 'GET' || method === 'HEAD') && config?.changesState !== true;
}

/** The role the guard granted this request (`operate` when SMO runs without tokens); null before the guard ran. */
export function roleOfRequest(request: FastifyRequest): Role | null {
  return (request as FastifyRequest & { [ROLE]?: Role })[ROLE] ?? null;
}

/** What authorisation reads of a request: Fastify's, or one the front door answers before Fastify sees it (front-door.ts). */
export interface RequestToAuthorize {
  method: string;
  /** The route it matched (its URL when none did). */
  route: string;
  routeConfig: FastifyContextConfig | undefined;
  /** The request target as sent: origin-form (`/graphs/x`), or absolute-form (`http://host/graphs/x`), whose host applies. */
  target: string;
  headers: IncomingHttpHeaders;
  /** The caller's address (the socket's: SMO trusts no proxy header). */
  ip: string | undefined;
}

/**
 * Bearer tokens from SMO_API_TOKENS: `read` may GET what only reads, `operate` may do anything. Tokens are compared
 * as SHA-256 digests in constant time. Every caller is rate-limited (per token, or per address
 * when SMO runs without tokens). One instance per application: the guard and the routes Fastify
 * answers directly (see graph-read.ts) share its rate-limit buckets.
 */
export class RequestAuthorizer {
  private readonly buckets: TokenBuckets;
  private readonly digests: Array<{ digest: Buffer; role: Role }>;
  private readonly grantedBeforeRouting = new WeakMap<IncomingMessage, Role | null>();

  /** `loopbackOnly`: SMO listens on loopback only (SMO_BIND), so every request names a loopback host. */
  constructor(
    private readonly security: SmoConfig['security'],
    private readonly alertsToken: SmoConfig['alertsToken'],
    private readonly loopbackOnly = false,
  ) {
    this.buckets = new TokenBuckets(security.rateLimitPerSecond);
    this.digests = security.tokens.map((t) => ({ digest: Buffer.from(t.digest, 'hex'), role: t.role }));
  }

  /** Lets the request through or throws the 401/403/421/429 problem (with its WWW-Authenticate or Retry-After header set). */
  authorize(request: FastifyRequest, reply: HeaderSink): void {
    const { method, headers, ip, routeOptions } = request;
    const role = this.grantedBeforeRouting.has(request.raw)
      ? this.grantedBeforeRouting.get(request.raw)!
      : this.roleFor({ method, route: routeOptions.url ?? request.url, routeConfig: routeOptions.config, target: request.url, headers, ip }, reply);
    if (role !== null) (request as FastifyRequest & { [ROLE]?: Role })[ROLE] = role;
  }

  /**
   * A request the front door authorised for its route (roleFor, so charged to its caller's rate limit) and leaves to
   * Fastify: authorize grants it the same role without charging it again.
   */
  grantBeforeRouting(request: IncomingMessage, role: Role | null): void {
    this.grantedBeforeRouting.set(request, role);
  }

  /**
   * The role a request is granted (`operate` when SMO runs without tokens; null on a route open to all, which needs
   * none), or the 401/403/421/429 problem thrown, with its WWW-Authenticate or Retry-After header set. Refused, the
   * request has taken nothing from its caller's rate limit.
   */
  roleFor(request: RequestToAuthorize, reply: HeaderSink): Role | null {
    // A web page in the operator's browser must not drive SMO (browser-requests.ts), least of all one without tokens.
    if (this.loopbackOnly) refuseForeignHost(request.target, request.headers);
    const reads = onlyReads(request.method, request.routeConfig);
    if (!reads) refuseCrossSiteCommand(request.headers);
    if (checksOwnToken(request.route, this.alertsToken)) {
      this.limit(`webhook:${request.ip}`, reply);
      return null;
    }
    if (isOpenRoute(request.route, this.security)) return null;
    if (this.digests.length === 0) {
      this.limit(`address:${request.ip}`, reply);
      return 'operate';
    }
    const { authorization } = request.headers;
    const digest = authorization?.startsWith('Bearer ') ? this.digestOf(authorization) : null;
    const role = digest && this.roleOf(digest);
    if (!role) {
      void reply.header('www-authenticate', 'Bearer realm="smo"');
      throw ProblemException.of(HttpStatus.UNAUTHORIZED, 'A valid bearer token is required (Authorization: Bearer <token>)');
    }
    if (!reads && role !== 'operate') throw ProblemException.of(HttpStatus.FORBIDDEN, 'This token may only read; this request needs an operate token');
    this.limit(`token:${role}:${digest.toString('hex', 0, 8)}`, reply);
    return role;
  }

  private roleOf(digest: Buffer): Role | null {
    let role: Role | null = null;
    // Compare with every configured digest (no early exit) so timing reveals nothing.
    for (const candidate of this.digests) if (timingSafeEqual(candidate.digest, digest)) role ??= candidate.role;
    return role;
  }

  private digestOf(authorization: string): Buffer {
    return createHash('sha256').update(authorization.slice('Bearer '.length)).digest();
  }

  private limit(key: string, reply: HeaderSink): void {
    const wait = this.buckets.take(key);
    if (wait === 0) return;
    void reply.header('retry-after', String(wait));
    throw ProblemException.of(HttpStatus.TOO_MANY_REQUESTS, `Too many requests; retry in ${wait} s`);
  }
}

/** The authorizer as Nest's global guard, for every route Nest answers. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly authorizer: RequestAuthorizer) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    this.authorizer.authorize(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
    return true;
  }
}
