import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { answerUnsupportedMethods } from '../api/method-not-allowed';
import { completeDocument } from '../api/openapi/document';
import { ProblemDetailsFilter } from '../api/problem.filter';
import { AuthGuard } from '../api/security/auth.guard';
import { YAML_MEDIA_TYPES } from '../descriptor';
import { logContext, redactUrl, type Logger } from '../observability/logger';
import { AppModule } from './app.module';
import type { Runtime } from './runtime';
import { NestPinoLogger } from './nest-pino-logger';

const CORRELATION_HEADER = 'x-correlation-id';
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Builds the Nest application (Fastify) over a runtime; the caller decides where it listens. */
export async function createApp(runtime: Runtime): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    routerOptions: { ignoreTrailingSlash: true },
    bodyLimit: runtime.config.maxBodyBytes,
    // Fastify already answers 503 to new requests while closing; in-flight ones finish.
    return503OnClosing: true,
  } as ConstructorParameters<typeof FastifyAdapter>[0]);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.with(runtime), adapter, {
    logger: new NestPinoLogger(runtime.logger),
    abortOnError: false,
    // Descriptor intake reads the bytes as sent (encoding checks, upstream's JSON-string form).
    rawBody: true,
  });
  app.useGlobalFilters(new ProblemDetailsFilter(runtime.logger));
  app.useGlobalGuards(new AuthGuard(runtime.config.security));
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addContentTypeParser([...YAML_MEDIA_TYPES], { parseAs: 'buffer', bodyLimit: runtime.config.maxBodyBytes }, (_request, body, done) => done(null, body));

  instrumentRequests(app, runtime);
  secureHeaders(app);
  answerUnsupportedMethods(fastify);
  const document = completeDocument(
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('SMO — Synergetic Meta-Orchestrator')
        .setDescription('Event-sourced orchestration of HDAG application graphs across Karmada clusters.')
        .setVersion('0.1.0')
        .build(),
    ),
    runtime.config.security,
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'smo-api-spec.json', swaggerUiEnabled: runtime.config.security.swaggerUi });
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

/** Security headers on every answer (the Swagger UI needs its inline scripts, so no CSP there). */
function secureHeaders(app: NestFastifyApplication): void {
  app.getHttpAdapter().getInstance().addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-content-type-options', 'nosniff').header('x-frame-options', 'DENY').header('referrer-policy', 'no-referrer');
    if (!request.url.startsWith('/docs')) void reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    done(null, payload);
  });
}

/** Correlation ids on every request and response, request metrics, and the log context. */
function instrumentRequests(app: NestFastifyApplication, runtime: Runtime): void {
  const fastify = app.getHttpAdapter().getInstance();
  // The request line holds only the method, the URL (its credential parameters redacted by
  // redactUrl), the status and the time: pino's path redaction, about 5 µs a line, is skipped.
  const requestLog = runtime.logger.child({}, { redact: { paths: [] } });
  fastify.addHook('onRequest', (request, reply, done) => {
    const given = request.headers[CORRELATION_HEADER];
    const correlationId = typeof given === 'string' && CORRELATION_ID.test(given) ? given : randomUUID();
    (request as { correlationId?: string }).correlationId = correlationId;
    void reply.header(CORRELATION_HEADER, correlationId);
    logContext.run({ correlationId }, done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    runtime.metrics.httpRequests.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    if (route !== '/metrics' && !route.startsWith('/health')) {
      logRequest(requestLog, request.method, request.url, reply.statusCode, reply.elapsedTime);
    }
    done();
  });
}

function logRequest(logger: Logger, method: string, url: string, status: number, ms: number): void {
  logger.info({ method, url: redactUrl(url), status, ms: Math.round(ms * 10) / 10 }, 'request');
}
