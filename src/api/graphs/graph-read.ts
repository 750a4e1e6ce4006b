import { HttpStatus } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { GraphDocument } from '../../../projections/graphs.projection';
import type { Runtime } from '../../app/runtime';
import type { CachedDocument } from '../../readstore/caching-read-store';
import type { Logger } from '../../observability/logger';
import { sendProblem } from '../problem.filter';
import { ProblemException } from '../problem';
import { etag, inLogContext } from '../request-context';
import type { RequestAuthorizer } from '../security/auth.guard';
import { graphViewBody, JSON_CONTENT_TYPE } from './graph-view-body';

/** The route GraphsController.get defines and documents. */
const GRAPH_ROUTE = '/graphs/:name';

/** The graph's current read-model document, as the shared cached copy; 404 when there is none. */
export async function currentGraph(runtime: Runtime, name: string): Promise<CachedDocument<GraphDocument>> {
  const found = await runtime.readStore.cachedGet<GraphDocument>('graphs', name);
  if (!found) throw ProblemException.of(HttpStatus.NOT_FOUND, `Graph with name ${name} not found`);
  return found;
}

/** GET /graphs/{name} without `?at=`: the graph view body with the document's revision as ETag. */
export async function answerCurrentGraph(runtime: Runtime, name: string, reply: FastifyReply): Promise<Buffer> {
  return answerGraph(await currentGraph(runtime, name), reply);
}

function answerGraph(cached: CachedDocument<GraphDocument>, reply: FastifyReply): Buffer {
  void reply.header('etag', etag(cached.doc.revision)).type(JSON_CONTENT_TYPE);
  return graphViewBody(cached);
}

/**
 * The most frequent read, `GET /graphs/{name}` without a query, is answered by Fastify without
 * Nest's per-request pipeline (execution contexts, guard and interceptor consumers, parameter
 * factories: about a quarter of the request's CPU, see bench:api). Same authorisation (the one
 * RequestAuthorizer), same answer (answerCurrentGraph), same problem bodies (sendProblem); Fastify's
 * hooks (correlation id, metrics, request log, security headers) run as for every route. Any query
 * string, and HEAD, go through Nest, where GraphsController.get defines and documents the route.
 * Install before Nest registers its routes: this wraps the handler Nest registers.
 */
export function answerGraphReadsDirectly(fastify: FastifyInstance, runtime: Runtime, authorizer: RequestAuthorizer, logger: Logger): void {
  fastify.addHook('onRoute', (route) => {
    if (route.url !== GRAPH_ROUTE || route.method !== 'GET') return;
    const throughNest = route.handler;
    // The log context is entered below only where this route can log: not for a read answered from the cache.
    route.config = { ...route.config, entersLogContext: true };
    route.handler = function direct(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      const { name } = request.params as { name: string };
      // Nest's handler also sends an empty name to the not-found handler; a query needs Nest's parsing and validation.
      if (name === '' || request.url.includes('?')) return inLogContext(request, () => throughNest.call(this, request, reply));
      try {
        authorizer.authorize(request, reply);
        // A current cached copy is answered without a promise; otherwise the document is read.
        const cached = runtime.readStore.cachedNow<GraphDocument>('graphs', name);
        if (cached) return reply.send(answerGraph(cached, reply));
      } catch (error) {
        inLogContext(request, () => sendProblem(error, request, reply, logger));
        return reply;
      }
      return inLogContext(request, () =>
        answerCurrentGraph(runtime, name, reply).then(
          (body) => reply.send(body),
          (error: unknown) => {
            sendProblem(error, request, reply, logger);
            return reply;
          },
        ),
      );
    } as RouteHandlerMethod;
  });
}
