import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { serveDocumentLinks } from '../api/openapi/document-links';
import { answerClientError, frameworkErrorAnswer, MAX_PATH_PARAMETER_LENGTH } from '../api/framework-errors';
import { answerUnsupportedMethods } from '../api/method-not-allowed';
import { repeatedQueryParameters } from '../api/query-parameters';
import { completeDocument } from '../api/openapi/document';
import { bodyOtherThanJson, useJsonBodyParser } from '../api/json-body';
import { refuseCommandInputsNotRead } from '../api/command-inputs';
import { ProblemDetailsFilter, sendProblem } from '../api/problem.filter';
import { AuthGuard, RequestAuthorizer } from '../api/security/auth.guard';
import { answerGraphReadsDirectly, cachedGraphReads } from '../api/graphs/graph-read';
import { FrontDoor } from '../api/front-door';
import { inLogContext } from '../api/request-context';
import { assignCorrelationId, recordRequest } from '../api/request-log';
import { YAML_MEDIA_TYPES } from '../descriptor';
import { AppModule } from './app.module';
import type { Runtime } from './runtime';
import { NestPinoLogger } from './nest-pino-logger';
import { serveConsole } from '../ui/console-routes';
import { securityHeadersOf } from '../api/answer-headers';
import { bindsLoopbackOnly } from '../api/security/browser-requests';

/** Builds the Nest application (Fastify) over a runtime; the caller decides where it listens. */
export async function createApp(runtime: Runtime): Promise<NestFastifyApplication> {
  const loopbackOnly = bindsLoopbackOnly(runtime.config.bind);
  const authorizer = new RequestAuthorizer(runtime.config.security, runtime.config.alertsToken, loopbackOnly);
  const frontDoor = new FrontDoor(runtime, authorizer, cachedGraphReads(runtime));
  const adapter = new FastifyAdapter({
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PATH_PARAMETER_LENGTH },
    // Refusals before any route runs are problem+json too.
    frameworkErrors: frameworkErrorAnswer(runtime),
    clientErrorHandler: answerClientError(runtime),
    bodyLimit: runtime.config.maxBodyBytes,
    // Fastify already answers 503 to new requests while closing; in-flight ones finish.
    return503OnClosing: true,
    // SMO has no Nest middleware: without middie, no request pays for its hook.
    skipMiddie: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.with(runtime), adapter, {
    logger: new NestPinoLogger(runtime.logger),
    abortOnError: false,
    // Descriptor intake reads the bytes as sent (encoding checks, upstream's JSON-string form).
    rawBody: true,
  });
  app.useGlobalFilters(new ProblemDetailsFilter(runtime.logger));
  app.useGlobalGuards(new AuthGuard(authorizer));
  const fastify = app.getHttpAdapter().getInstance();
  frontDoor.install(fastify);
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
    loopbackOnly,
  );
  // Before Nest registers its routes (at init): the hook is added to each route as it is registered.
  refuseCommandInputsNotRead(fastify, document, (problem, request, reply) => sendProblem(problem, request, reply, runtime.logger));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'smo-api-spec.json', swaggerUiEnabled: runtime.config.security.swaggerUi });
  serveDocumentLinks(fastify, document);
  serveConsole(fastify);
  warnAboutOpenSettings(runtime);
  // No enableShutdownHooks(): main.ts stops SMO on signals (a second one exits at once, which Nest's ignores).
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

/**
 * Correlation ids and security headers on every request and response, request metrics, and the log
 * context. The headers are set as the request arrives, in the one request hook: an `onSend` hook
 * would cost every answer a hook run of its own (see bench:api).
 */
function instrumentRequests(app: NestFastifyApplication, runtime: Runtime): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    assignCorrelationId(request, reply);
    void reply.headers(securityHeadersOf(request.url));
    if (request.routeOptions.config?.entersLogContext === true) return done();
    inLogContext(request, done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    recordRequest(runtime, request, reply.statusCode, reply.elapsedTime);
    done();
  });
}
