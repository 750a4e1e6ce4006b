import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { serveDocumentLinks } from '../api/openapi/document-links';
import { answerClientError, frameworkErrorAnswer, MAX_PATH_PARAMETER_LENGTH } from '../api/framework-errors';
import { answerUnsupportedMethods } from '../api/method-not-allowed';
import { repeatedQueryParameters } from '../api/query-parameters';
import { completeDocument } from '../api/openapi/document';
import { bodyOtherThanJson, useJsonBodyParser } from '../api/json-body';
import { ProblemDetailsFilter, sendProblem } from '../api/problem.filter';
import { AuthGuard, RequestAuthorizer } from '../api/security/auth.guard';
import { answerGraphReadsDirectly } from '../api/graphs/graph-read';
import { correlationIdOf, inLogContext, setCorrelationId } from '../api/request-context';
import { YAML_MEDIA_TYPES } from '../descriptor';
import { redactUrl, type Logger } from '../observability/logger';
import { AppModule } from './app.module';
import type { Runtime } from './runtime';
import { NestPinoLogger } from './nest-pino-logger';
import { CONSOLE_CSP, serveConsole } from '../ui/console-routes';

const CORRELATION_HEADER = 'x-correlation-id';
const API_CSP = "default-src 'none'; frame-ancestors 'none'";
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** W3C Trace Context `traceparent`: version-traceid-parentid-flags; its trace id (32 hex, not all zeros). */
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The trace id of a valid `traceparent`, used as the correlation id when no X-Correlation-Id is given. */
export function traceIdOf(header: string | string[] | undefined): string | null {
  const match = typeof header === 'string' ? TRACEPARENT.exec(header.trim()) : null;
  // Version ff and an all-zero trace id are invalid.
  return match && !match[0].startsWith('ff') && !/^0+$/.test(match[1]!) ? match[1]! : null;
}

/** Builds the Nest application (Fastify) over a runtime; the caller decides where it listens. */
export async function createApp(runtime: Runtime): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PATH_PARAMETER_LENGTH },
    // Refusals before any route runs are problem+json too.
    frameworkErrors: frameworkErrorAnswer(runtime.logger),
    clientErrorHandler: answerClientError,
    bodyLimit: runtime.config.maxBodyBytes,
    // Fastify already answers 503 to new requests while closing; in-flight ones finish.
    return503OnClosing: true,
    // SMO has no Nest middleware: without middie, no request pays for its hook.
    skipMiddie: true,
  } as ConstructorParameters<typeof FastifyAdapter>[0]);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.with(runtime), adapter, {
    logger: new NestPinoLogger(runtime.logger),
    abortOnError: false,
    // Descriptor intake reads the bytes as sent (encoding checks, upstream's JSON-string form).
    rawBody: true,
  });
  app.useGlobalFilters(new ProblemDetailsFilter(runtime.logger));
  const authorizer = new RequestAuthorizer(runtime.config.security, runtime.config.alertsToken);
  app.useGlobalGuards(new AuthGuard(authorizer));
  const fastify = app.getHttpAdapter().getInstance();
  answerGraphReadsDirectly(fastify, runtime, authorizer, runtime.logger);
  useJsonBodyParser(app, runtime.config.maxBodyBytes);
  fastify.addContentTypeParser([...YAML_MEDIA_TYPES], { parseAs: 'buffer', bodyLimit: runtime.config.maxBodyBytes }, (_request, body, done) => done(null, body));

  instrumentRequests(app, runtime);
  answerUnsupportedMethods(fastify);
  // Requests no route can serve as sent, refused before any runs; one hook for both (each hook costs every request).
  fastify.addHook('onRequest', (request, reply, done) => {
    const problem = repeatedQueryParameters(request) ?? bodyOtherThanJson(request);
    if (problem === null) return done();
    sendProblem(problem, request, reply, runtime.logger);
  });
  const document = completeDocument(
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('SMO — Synergetic Meta-Orchestrator')
        .setDescription('Event-sourced orchestration of HDAG application graphs across Karmada clusters.')
        .setVersion('0.1.0')
        // Tags in the order a user meets them; Swagger UI groups the operations this way.
        .addTag('graphs', 'Deploy HDAG graphs (or dry-run them), follow, stop, start, re-place, retry and remove them')
        .addTag('placement', 'What-if placement: solve a plan request without recording anything')
        .addTag('audit', "A graph's events and placement decisions, counterfactual replay, the story of one request, the live event stream")
        .addTag('analytics', 'Read models over all graphs: cluster load, scaling, alerts, failures, moves')
        .addTag('clusters', 'The Karmada member clusters SMO places on')
        .addTag('monitoring', 'The Alertmanager webhook that triggers event-driven services')
        .addTag('nfvcl', 'OpenStack VIMs and Kubernetes clusters provisioned through NFVCL')
        .addTag('operations', 'Health and read-model administration (metrics at /metrics)')
        .build(),
    ),
    runtime.config.security,
    runtime.config.alertsToken,
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'smo-api-spec.json', swaggerUiEnabled: runtime.config.security.swaggerUi });
  serveDocumentLinks(fastify, document);
  serveConsole(fastify);
  warnAboutOpenSettings(runtime);
  app.enableShutdownHooks();
  return app;
}

/** What an operator should hear about at start-up. */
function warnAboutOpenSettings(runtime: Runtime): void {
  const { security, bind } = runtime.config;
  if (security.tokens.length === 0) {
    runtime.logger.warn({ bind }, 'no API tokens (SMO_API_TOKENS): every request is allowed; SMO listens on loopback only unless SMO_BIND says otherwise');
  }
  if (security.allowedRegistries.length === 0) runtime.logger.warn('SMO_ALLOWED_REGISTRIES is not set: charts and artifacts from any registry are accepted');
}

/** Security headers on every answer (the Swagger UI needs its inline scripts, so no CSP there; the console loads its own script and style). */
function setSecurityHeaders(url: string, reply: FastifyReply): void {
  void reply.header('x-content-type-options', 'nosniff').header('x-frame-options', 'DENY').header('referrer-policy', 'no-referrer');
  if (url === '/ui' || url.startsWith('/ui/') || url.startsWith('/ui?')) void reply.header('content-security-policy', CONSOLE_CSP);
  else if (!url.startsWith('/docs')) void reply.header('content-security-policy', API_CSP);
}

/**
 * Correlation ids and security headers on every request and response, request metrics, and the log
 * context. The headers are set as the request arrives, in the one request hook: an `onSend` hook
 * would cost every answer a hook run of its own (see bench:api).
 */
function instrumentRequests(app: NestFastifyApplication, runtime: Runtime): void {
  const fastify = app.getHttpAdapter().getInstance();
  // The request line holds only the method, the URL (its credential parameters redacted by
  // redactUrl), the status and the time: pino's path redaction, about 5 µs a line, is skipped.
  const requestLog = runtime.logger.child({}, { redact: { paths: [] } });
  fastify.addHook('onRequest', (request, reply, done) => {
    const given = request.headers[CORRELATION_HEADER];
    const correlationId = typeof given === 'string' && CORRELATION_ID.test(given) ? given : (traceIdOf(request.headers.traceparent) ?? randomUUID());
    setCorrelationId(request, correlationId);
    void reply.header(CORRELATION_HEADER, correlationId);
    setSecurityHeaders(request.url, reply);
    if (request.routeOptions.config?.entersLogContext === true) return done();
    inLogContext(request, done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    runtime.metrics.httpRequests.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    if (route !== '/metrics' && !route.startsWith('/health')) {
      logRequest(requestLog, request, reply.statusCode, reply.elapsedTime);
    }
    done();
  });
}

/** Named explicitly: a route that answers without entering the log context has no correlation id to mix in. */
function logRequest(logger: Logger, request: FastifyRequest, status: number, ms: number): void {
  logger.info({ correlationId: correlationIdOf(request), method: request.method, url: redactUrl(request.url), status, ms: Math.round(ms * 10) / 10 }, 'request');
}
