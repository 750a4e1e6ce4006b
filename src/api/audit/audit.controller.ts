import { applyDecorators, Body, Controller, Get, HttpCode, HttpStatus, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { graphStream, GRAPH_CATEGORY, GRAPH_EVENT_TYPES } from '../../domain/graph/events';
import { SNAPSHOT_CATEGORY } from '../../application/aggregate-loader';
import { streamCategory, type ReadStreamOptions, type RecordedEvent } from '../../eventstore/event-store';
import { StreamNotFoundError } from '../../eventstore/errors';
import type { Runtime } from '../../app/runtime';
import { RUNTIME } from '../../app/runtime.token';
import { ApiJson, ApiNameParam, ApiProblems, ApiQueryList, ApiQueryParam } from '../openapi/responses';
import { arrayOf, schemaRef, shape } from '../openapi/schemas';
import { ProblemException } from '../problem';
import { replayDecisions } from './counterfactual-replay';
import { eventView, isPlacementOutcome, placementRecord } from './graph-history';
import { OpenEventStreams } from './open-event-streams';
import { recordRequest } from '../request-log';
import { validBody } from '../validation/request-body';
import { wholeNumberParam } from '../validation/query-number';
import { ReplayOptionsBody, toReplayOptions } from './replay-options';
import { placementDecisionId, placementDecisionsProjection, type PlacementDecisionDocument } from '../../../projections/placement-decisions.projection';
import { parameterProblem } from '../query-parameters';

const MAX_PAGE = 500;
/** Events examined per read, and at most per request, when a page is filtered by type. */
const SCAN_PAGE = 1000;
const MAX_SCAN = 10_000;
/** A page of placement decisions (GET placements and their replay): the latest DEFAULT_DECISIONS unless asked. */
const DEFAULT_DECISIONS = 100;
const MAX_DECISIONS = 1_000;
/** Paging back goes through the index entries it skips: bounded too. */
const MAX_DECISION_OFFSET = 100_000;
/** How long a placements read waits for the placement-decisions projection to reach the graph's last event. */
const PROJECTION_WAIT_MS = 5_000;

/** Audit: a graph's events, its placement decisions, and the story of one command. */
@ApiTags('audit')
@Controller()
export class AuditController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly openStreams: OpenEventStreams,
  ) {}

  @Get('graphs/:name/history')
  @ApiOperation({
    summary: "A graph's events, oldest first, paged; filter with ?type=A,B",
    description: 'Each page is one read of a revision range. With `type`, at most 10,000 events are examined per request: a page may hold fewer events than `limit` while `next` continues the scan. A `type` that is not a graph event type is refused with 400 naming it.',
  })
  @ApiNameParam('name', 'the graph id')
  @ApiQueryList('type', 'event types, comma-separated', Object.keys(GRAPH_EVENT_TYPES).sort())
  @ApiQueryParam('from', 'first stream revision (default 0)', { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER })
  @ApiQueryParam('limit', `at most ${MAX_PAGE} (default 100)`, { type: 'integer', minimum: 1, maximum: MAX_PAGE })
  @ApiJson(200, 'One page of events; `next` links the following one', shape({ graph: { type: 'string' }, events: arrayOf(schemaRef('EventView')), next: { type: 'string', nullable: true } }))
  @ApiProblems(400, 404)
  async history(@Param('name') name: string, @Query('type') type?: string, @Query('from') from?: string, @Query('limit') limit?: string) {
    const start = wholeNumberParam(from, 'from', 0, Number.MAX_SAFE_INTEGER) ?? 0;
    const size = wholeNumberParam(limit, 'limit', 1, MAX_PAGE) ?? 100;
    const types = type ? type.split(',').map((t) => t.trim()).filter(Boolean) : null;
    const unknown = types?.filter((t) => !Object.hasOwn(GRAPH_EVENT_TYPES, t)) ?? [];
    // A misspelt type would match nothing, and an empty history reads as "it never happened".
    if (unknown.length > 0) {
      throw parameterProblem('type', `${unknown.map((t) => JSON.stringify(t)).join(', ')} ${unknown.length > 1 ? 'are not event types' : 'is not an event type'} of a graph; they are ${Object.keys(GRAPH_EVENT_TYPES).sort().join(', ')}`);
    }
    const { page, nextRevision } = await this.historyPage(name, start, size, types);
    return {
      graph: name,
      events: page.map(eventView),
      next: nextRevision !== null ? `/graphs/${name}/history?from=${nextRevision}&limit=${size}${type ? `&type=${encodeURIComponent(type)}` : ''}` : null,
    };
  }

  /**
   * One page read by revision range. With a type filter, at most MAX_SCAN events are examined per
   * request: a page may then hold fewer matches than asked, and `next` continues the scan.
   */
  private async historyPage(name: string, start: number, size: number, types: string[] | null): Promise<{ page: RecordedEvent[]; nextRevision: number | null }> {
    const page: RecordedEvent[] = [];
    let from = start;
    let scanned = 0;
    for (;;) {
      const want = types ? Math.min(SCAN_PAGE, MAX_SCAN - scanned) : size + 1;
      const batch = await this.readGraph(name, { fromRevision: from, maxCount: want });
      scanned += batch.length;
      for (const event of batch) {
        if (types && !types.includes(event.type)) continue;
        if (page.length === size) return { page, nextRevision: page.at(-1)!.revision + 1 };
        page.push(event);
      }
      if (batch.length < want) return { page, nextRevision: null };
      from = batch.at(-1)!.revision + 1;
      if (!types) return { page, nextRevision: page.at(-1)!.revision + 1 };
      if (scanned >= MAX_SCAN) return { page, nextRevision: from };
    }
  }

  @Get('graphs/:name/placements')
  @ApiOperation({
    summary: 'Placement history: when, why, algorithm, solver, inputs, objective, moves and the result',
    description: `The latest \`limit\` decisions (default ${DEFAULT_DECISIONS}), oldest first; \`before\` keeps the decisions recorded below that revision of the graph's stream, \`offset\` skips that many of the latest. \`Link: <…>; rel="next"\` points to the older ones when there are more (by \`before\`: a page costs the same however old).`,
  })
  @ApiNameParam('name', 'the graph id')
  @ApiDecisionPage('at most this many decisions')
  @ApiJson(200, 'A page of placement decisions, oldest first', ['PlacementRecord'], ['link'])
  @ApiProblems(400, 404, 503)
  async placements(@Param('name') name: string, @Query() query: DecisionPageQuery, @Res({ passthrough: true }) reply: FastifyReply) {
    const events = await this.placementEvents(name, decisionPage(query), reply, 'placements');
    return events.filter(isPlacementOutcome).map(placementRecord);
  }

  @Post('graphs/:name/placements/replay')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Counterfactual replay: re-solve every recorded placement decision under another solver, algorithm, objective or intents; nothing is recorded',
  })
  @ApiBody({
    required: false,
    type: ReplayOptionsBody,
    examples: {
      fresh: { summary: 'Re-solve with GLPK, ignoring the recorded placement', value: { solver: 'glpk', algorithm: 'milp', objective: 'fresh' } },
      withoutEnergy: { summary: 'What the energy intent changed', value: { intents: { energyEfficiency: false } } },
    },
  })
  @ApiNameParam('name', 'the graph id')
  @ApiDecisionPage('replay the latest this many decisions')
  @ApiJson(200, 'Each recorded decision next to the replayed one', shape({ graph: { type: 'string' }, options: { type: 'object' }, decisions: { type: 'array' } }), ['link'])
  @ApiProblems(400, 404, 503)
  async replay(@Param('name') name: string, @Query() query: DecisionPageQuery, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const options = toReplayOptions(validBody(ReplayOptionsBody, body === undefined ? {} : body));
    const clientLeft = whenClientLeaves(reply.raw);
    const events = await this.placementEvents(name, decisionPage(query), reply, 'placements/replay');
    const replay = await replayDecisions(events, options, {
      intentLabels: this.runtime.config.karmada.intentLabels,
      latencyLimitsMs: this.runtime.config.latency.limitsMs,
      signal: clientLeft,
    });
    if (clientLeft.aborted) {
      const total = events.filter(isPlacementOutcome).length;
      this.runtime.logger.info({ graph: name, replayed: replay.decisions.length, decisions: total }, 'replay stopped: its client left');
    }
    return { graph: name, ...replay };
  }

  @Get('events')
  @ApiOperation({ summary: 'The whole story of one command: every event carrying ?correlationId=' })
  @ApiQueryParam('correlationId', 'the X-Correlation-Id of the request', { type: 'string', minLength: 1, maxLength: 200 }, true)
  @ApiJson(200, 'Every event with that correlation id, in order', ['EventView'])
  async byCorrelation(@Query('correlationId') correlationId?: string) {
    if (!correlationId || correlationId.length > 200) throw parameterProblem('correlationId', 'is required (at most 200 characters)');
    return (await this.runtime.eventStore.readByCorrelationId(correlationId)).map(eventView);
  }

  @Get('events/stream')
  @ApiOperation({ summary: 'Server-Sent Events of new events; ?graph=<name> keeps one graph', description: 'Each message: `event: <type>`, `id: <position>`, `data: <event JSON>`. Send Last-Event-ID to resume. When SMO shuts down the stream ends after `event: shutdown` (no id).' })
  @ApiQueryParam('graph', 'only this graph', { type: 'string' })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'resume after this position', schema: { type: 'string' } })
  @ApiResponse({ status: 200, description: 'An endless event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } })
  @ApiProblems(503)
  async stream(@Query('graph') graph: string | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const lastId = request.headers['last-event-id'];
    const from = typeof lastId === 'string' && /^\d+$/.test(lastId) ? Number(lastId) : ((await this.runtime.eventStore.headPosition()) ?? 0);
    // From here to the stream's registration below nothing awaits: two requests cannot both take the last place.
    if (this.openStreams.full) {
      void reply.header('retry-after', '5');
      throw ProblemException.of(HttpStatus.SERVICE_UNAVAILABLE, `${this.openStreams.limit} event streams are open, the most SMO_MAX_EVENT_STREAMS allows; retry later`);
    }
    const subscription = this.runtime.eventStore.subscribeToAll({ fromPosition: from, ...(graph ? { filter: { streamCategories: [GRAPH_CATEGORY] } } : {}) });
    reply.hijack();
    const raw = reply.raw;
    // Hijacked, the answer is written here: with the headers every answer carries (correlation id, security headers), set on the reply as the request arrived.
    const everyAnswer = Object.entries(reply.getHeaders()).filter((entry): entry is [string, string | number | string[]] => entry[1] !== undefined);
    raw.writeHead(200, { ...Object.fromEntries(everyAnswer), 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    // The stream's start as its first id: a client dropped before any event resumes from here, not from the head then.
    raw.write(`: connected\nid: ${from}\n\n`);
    const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), 15_000);
    // On shutdown the client hears why the stream ends (it may reconnect with Last-Event-ID).
    const forget = this.openStreams.add(() => {
      raw.write(`event: shutdown\ndata: ${JSON.stringify({ reason: 'SMO is shutting down' })}\n\n`);
      void subscription.close();
    });
    request.raw.on('close', () => {
      clearInterval(keepAlive);
      forget();
      void subscription.close();
    });
    const wanted = graph ? graphStream(graph) : null;
    try {
      for await (const message of subscription) {
        if (message.kind !== 'event' || (wanted && message.event.streamId !== wanted) || streamCategory(message.event.streamId) === SNAPSHOT_CATEGORY) continue;
        // Back-pressure: a client that reads slowly (or not at all) holds the next read of the store, not SMO's memory.
        if (!raw.write(`id: ${message.event.position}\nevent: ${message.event.type}\ndata: ${JSON.stringify(eventView(message.event))}\n\n`)) await drained(raw);
      }
    } finally {
      clearInterval(keepAlive);
      forget();
      raw.end();
      // A hijacked answer runs no onResponse hook: its request line and metric sample, for as long as it was open.
      recordRequest(this.runtime, request, 200, reply.elapsedTime);
    }
  }

  /** Reads part of the graph's stream; 404 when the graph never existed. */
  private async readGraph(name: string, options: ReadStreamOptions): Promise<RecordedEvent[]> {
    try {
      return await this.runtime.eventStore.readStream(graphStream(name), options);
    } catch (error) {
      if (error instanceof StreamNotFoundError) throw ProblemException.of(HttpStatus.NOT_FOUND, `Graph with name ${name} not found`);
      throw error;
    }
  }

  /**
   * A page of the graph's placement decisions, oldest first, from the placement-decisions read model
   * (found by graph, so the cost follows the page, not every graph's decisions nor this graph's
   * history), once that projection has processed the graph's last event (read-your-writes). When
   * older decisions remain, `Link` points to the next page of `route`.
   */
  private async placementEvents(name: string, page: DecisionPage, reply: FastifyReply, route: 'placements' | 'placements/replay'): Promise<RecordedEvent[]> {
    const [first] = await this.readGraph(name, { maxCount: 1 });
    const [last] = await this.readGraph(name, { direction: 'backwards', fromRevision: 'end', maxCount: 1 });
    try {
      await this.runtime.processing.whenProcessed(last!.position, { names: [placementDecisionsProjection.name], timeoutMs: PROJECTION_WAIT_MS });
    } catch {
      void reply.header('retry-after', '5');
      throw ProblemException.of(HttpStatus.SERVICE_UNAVAILABLE, `The placement decisions of ${name} are still being indexed (the read models are catching up); retry shortly`);
    }
    // Newest first in index order, one more than asked: whether older ones remain. Decisions of a
    // deleted stream's earlier life come last (older revisions) and are left out.
    const found = await this.runtime.readStore.find<PlacementDecisionDocument>(placementDecisionsProjection.collection, {
      where: { graphId: name },
      ...(page.before === undefined ? {} : { afterId: placementDecisionId(name, page.before) }),
      limit: page.limit + 1,
      offset: page.offset,
    });
    const current = found.map(({ doc }) => doc.event).filter((event) => event.revision >= first!.revision);
    if (current.length > page.limit) {
      // Keyset: the next page starts below the oldest decision of this one, so it costs what the first did.
      const oldest = current[page.limit - 1]!.revision;
      void reply.header('link', `</graphs/${encodeURIComponent(name)}/${route}?before=${oldest}&limit=${page.limit}>; rel="next"`);
    }
    return current.slice(0, page.limit).reverse();
  }
}

/** The query parameters of a decisions page (placements and their replay), as `decisionPage` reads them. */
function ApiDecisionPage(limitDescription: string): MethodDecorator {
  return applyDecorators(
    ApiQueryParam('limit', `${limitDescription} (1–${MAX_DECISIONS}, default ${DEFAULT_DECISIONS})`, { type: 'integer', minimum: 1, maximum: MAX_DECISIONS }),
    ApiQueryParam('before', "only decisions recorded below this revision of the graph's stream (what Link rel=next gives)", { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    ApiQueryParam('offset', 'skip this many of the latest decisions (default 0); each costs, prefer before', { type: 'integer', minimum: 0, maximum: MAX_DECISION_OFFSET }),
  );
}

/** The query string of a decisions page, as sent. */
interface DecisionPageQuery {
  limit?: string;
  offset?: string;
  before?: string;
}

interface DecisionPage {
  limit: number;
  offset: number;
  /** Only decisions below this stream revision. */
  before?: number;
}

function decisionPage({ limit, offset, before }: DecisionPageQuery): DecisionPage {
  const below = wholeNumberParam(before, 'before', 0, Number.MAX_SAFE_INTEGER);
  return {
    limit: wholeNumberParam(limit, 'limit', 1, MAX_DECISIONS) ?? DEFAULT_DECISIONS,
    offset: wholeNumberParam(offset, 'offset', 0, MAX_DECISION_OFFSET) ?? 0,
    ...(below === undefined ? {} : { before: below }),
  };
}

/** Aborts when the connection closes before the response was written: nobody waits for the answer any more. */
function whenClientLeaves(raw: ServerResponse): AbortSignal {
  const left = new AbortController();
  raw.once('close', () => {
    if (!raw.writableFinished) left.abort();
  });
  return left.signal;
}

/** Resolves once the response may be written again, or is closed (a closed one never drains). */
function drained(raw: ServerResponse): Promise<void> {
  if (raw.destroyed || raw.writableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      raw.off('drain', done);
      raw.off('close', done);
      resolve();
    };
    raw.on('drain', done);
    raw.on('close', done);
  });
}
