import { HttpStatus } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { GraphDocument } from '../../../projections/graphs.projection';
import type { Runtime } from '../../app/runtime';
import type { CachedDocument, CachedResult } from '../../readstore/caching-read-store';
import type { FindQuery, Keyset, ReadStore } from '../../readstore/read-store';
import type { Logger } from '../../observability/logger';
import { sendProblem } from '../problem.filter';
import { ProblemException } from '../problem';
import { etag, inLogContext } from '../request-context';
import type { RequestAuthorizer } from '../security/auth.guard';
import { graphViewBody, graphViewListBody, JSON_CONTENT_TYPE } from './graph-view-body';
import { toGraphView } from './graph-view';
import { checkProject, cursorAfter, listCursor, listSize, MAX_GRAPHS_PER_LIST } from './graph-params';
import { announceNextPage } from '../paging';
import type { HeaderSink } from '../answer-headers';

/** The routes GraphsController.get and GraphsController.list define and document. */
const GRAPH_ROUTE = '/graphs/:name';
const PROJECT_GRAPHS_ROUTE = '/project/:project/graphs';

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

function answerGraph(cached: CachedDocument<GraphDocument>, reply: HeaderSink): Buffer {
  reply.header('etag', etag(cached.doc.revision));
  reply.header('content-type', JSON_CONTENT_TYPE);
  return graphViewBody(cached);
}

/** The list of a project's graphs: by name, one more than asked (it tells whether the answer was cut; the read stays bounded). */
function projectGraphsQuery(project: string, size: number, after?: Keyset): FindQuery {
  return { where: { project }, orderBy: [{ field: 'name' }], limit: size + 1, ...(after ? { after } : {}) };
}

/**
 * GET /project/{project}/graphs: the project's graph views by name, at most `limit`, after the graph `after`
 * names; when there were more, `X-Truncated: true` and a `Link: rel="next"` to the next page.
 */
export async function answerProjectGraphs(runtime: Runtime, project: string, query: { limit?: string; after?: string }, reply: FastifyReply): Promise<Buffer> {
  checkProject(project);
  return readProjectGraphs(runtime, project, listSize(query.limit), reply, listCursor(query.after, 'project'));
}

/** The list of a project already checked, at most `size` graphs. */
async function readProjectGraphs(runtime: Runtime, project: string, size: number, reply: FastifyReply, after?: Keyset): Promise<Buffer> {
  const result = await runtime.readStore.cachedFind<GraphDocument>('graphs', projectGraphsQuery(project, size, after));
  return answerGraphList(result, size, reply, `/project/${encodeURIComponent(project)}/graphs`);
}

/** A page of a project's graph views; when it was cut, the link to the next (`path` is the list's route). */
function answerGraphList(result: CachedResult<GraphDocument>, size: number, reply: HeaderSink, path: string): Buffer {
  if (result.documents.length > size) announceNextPage(reply, path, size, cursorAfter(result.documents[size - 1]!.doc, 'project'));
  reply.header('content-type', JSON_CONTENT_TYPE);
  return graphViewListBody(result, size);
}

/** What one page of GET /graphs may hold: past it, the page ends (at least one graph) and Link: rel="next" goes on. */
export const MAX_GRAPH_PAGE_BYTES = 8 * 1024 * 1024;
/** Graph documents read at a time for GET /graphs: a graph of 1,000 services is about 1.3 MB parsed. */
const GRAPHS_READ_AT_A_TIME = 25;

/**
 * GET /graphs: every project's graph views by project then name, at most `size` and at most `maxBytes` of JSON
 * (the first view whatever its size), after the graph `after` names. Read a few documents at a time, so the
 * request holds one page's answer and one batch of documents, not `size` whole graphs: a thousand graphs of 200
 * services had been 165 MB of answer and a gigabyte of heap. When there were more, the Link to the next page.
 */
export async function answerAllGraphs(readStore: ReadStore, size: number, reply: FastifyReply, after?: Keyset, maxBytes = MAX_GRAPH_PAGE_BYTES): Promise<Buffer> {
  const bodies: Buffer[] = [];
  let bytes = 0;
  let cursor = after;
  let last: GraphDocument | undefined;
  let more = false;
  while (!more) {
    const batch = Math.min(GRAPHS_READ_AT_A_TIME, size - bodies.length);
    const docs = await readStore.find<GraphDocument>('graphs', { orderBy: [{ field: 'project' }, { field: 'name' }], limit: batch + 1, ...(cursor ? { after: cursor } : {}) });
    for (const { doc } of docs.slice(0, batch)) {
      const body = Buffer.from(JSON.stringify(toGraphView(doc)));
      if (bodies.length > 0 && bytes + body.length > maxBytes) {
        more = true;
        break;
      }
      bodies.push(body);
      bytes += body.length + 1;
      last = doc;
    }
    if (docs.length <= batch) break; // the last graph was read
    if (bodies.length === size) more = true;
    else if (last) cursor = listCursor(cursorAfter(last, 'all'), 'all');
  }
  if (more && last) announceNextPage(reply, '/graphs', size, cursorAfter(last, 'all'));
  void reply.type(JSON_CONTENT_TYPE);
  return Buffer.concat([Buffer.from('['), ...bodies.flatMap((body, index) => (index === 0 ? [body] : [Buffer.from(','), body])), Buffer.from(']')]);
}

/**
 * A read the cache can answer at once: its body, with its headers set, or undefined when the cache holds no
 * current copy (then it must be read). Throws the problem of a request the route refuses.
 */
export type CachedRead = (params: Record<string, string>, reply: HeaderSink) => Buffer | undefined;

/**
 * The most frequent reads, `GET /graphs/{name}` and `GET /project/{project}/graphs` without a query, by route, as
 * the read cache answers them: the same answers as GraphsController's (answerCurrentGraph, answerProjectGraphs).
 */
export function cachedGraphReads(runtime: Runtime): Record<string, CachedRead> {
  return {
    [GRAPH_ROUTE]: ({ name }, reply) => {
      const cached = runtime.readStore.cachedNow<GraphDocument>('graphs', name!);
      return cached && answerGraph(cached, reply);
    },
    [PROJECT_GRAPHS_ROUTE]: ({ project }, reply) => {
      checkProject(project!);
      const cached = runtime.readStore.cachedFindNow<GraphDocument>('graphs', projectGraphsQuery(project!, MAX_GRAPHS_PER_LIST));
      return cached && answerGraphList(cached, MAX_GRAPHS_PER_LIST, reply, `/project/${encodeURIComponent(project!)}/graphs`);
    },
  };
}

/**
 * The reads of cachedGraphReads answered by Fastify without Nest's per-request pipeline (execution contexts, guard
 * and interceptor consumers, parameter factories: about a quarter of the graph read's CPU, a tenth of the list's,
 * see bench:api), when the front door (front-door.ts) left them to Fastify: a copy not cached yet, a refusal.
 * Same authorisation (the one RequestAuthorizer), same answers, same problem bodies (sendProblem); Fastify's hooks
 * (correlation id, metrics, request log, security headers) run as for every route. Any query string, and HEAD,
 * go through Nest, where GraphsController defines and documents the routes. Install before Nest registers its
 * routes: this wraps the handlers Nest registers.
 */
export function answerGraphReadsDirectly(fastify: FastifyInstance, runtime: Runtime, authorizer: RequestAuthorizer, logger: Logger): void {
  const cached = cachedGraphReads(runtime);
  const uncached: Record<string, (params: Record<string, string>, reply: FastifyReply) => Promise<Buffer>> = {
    [GRAPH_ROUTE]: ({ name }, reply) => answerCurrentGraph(runtime, name!, reply),
    [PROJECT_GRAPHS_ROUTE]: ({ project }, reply) => readProjectGraphs(runtime, project!, MAX_GRAPHS_PER_LIST, reply),
  };
  fastify.addHook('onRoute', (route) => {
    const fromCache = cached[route.url];
    const read = uncached[route.url];
    if (!fromCache || !read || route.method !== 'GET') return;
    const throughNest = route.handler;
    // The log context is entered below only where this route can log: not for a read answered from the cache.
    route.config = { ...route.config, entersLogContext: true };
    route.handler = function direct(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      const params = request.params as Record<string, string>;
      // Nest's handler also sends an empty parameter to the not-found handler; a query needs Nest's parsing and validation.
      if (Object.values(params).includes('') || request.url.includes('?')) return inLogContext(request, () => throughNest.call(this, request, reply));
      let body: Buffer | undefined;
      try {
        authorizer.authorize(request, reply);
        body = fromCache(params, reply);
      } catch (error) {
        inLogContext(request, () => sendProblem(error, request, reply, logger));
        return reply;
      }
      if (body) return reply.send(body);
      return inLogContext(request, () =>
        read(params, reply).then(
          (answer) => reply.send(answer),
          (error: unknown) => {
            sendProblem(error, request, reply, logger);
            return reply;
          },
        ),
      );
    } as RouteHandlerMethod;
  });
}
