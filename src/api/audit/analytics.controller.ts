import { Controller, Get, HttpStatus, Inject, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Runtime } from '../../app/runtime';
import { ApiJson, ApiProblems, ApiQueryParam } from '../openapi/responses';
import { ProblemException } from '../problem';
import { wholeNumberParam } from '../validation/query-number';
import { listSize, MAX_GRAPHS_PER_LIST } from '../graphs/graph-params';
import type { FindQuery } from '../../readstore/read-store';
import { announceNextPage, cursorParam } from '../paging';
import { arrayOf, shape } from '../openapi/schemas';
import { RUNTIME } from '../../app/runtime.token';
import { MAX_REF_LENGTH } from '../../descriptor/artifact-ref';
import type { AlertsByRule } from '../../../projections/analytics/alerts-by-rule.projection';
import type { DeploymentFailures } from '../../../projections/analytics/deployment-failures.projection';
import {
  CLUSTER_LOAD_POINTS as MAX_LOAD_POINTS,
  chunkIdsFor,
  clusterLoadProjection,
  latestPoints,
  type ClusterChunk,
  type ClusterSeries,
} from '../../../projections/analytics/cluster-load.projection';
import type { PlacementMoves } from '../../../projections/analytics/placement-moves.projection';
import { HOURLY_POINTS, RECENT_POINTS, placedResourcesProjection, type PlacedResources } from '../../../projections/analytics/placed-resources.projection';
import type { ScalingActions } from '../../../projections/analytics/scaling-actions.projection';

const DAY_MS = 86_400_000;
/** What the lists' `?after` may be: any id of the list's, or a `<graph>/<service>` pair. */
/**
 * The longest alert name a page of alerts may end on and be paged past: Alertmanager bounds no label value, and the
 * `Link` to the next page must fit a request line within Node's 16 KiB of headers, percent-encoded (up to 12
 * characters per character: 4,096 of them made a 49 KB URL, answered 431 by the HTTP parser).
 */
const MAX_ALERT_CURSOR_LENGTH = 1024;
const AFTER_ALERT = { type: 'string', minLength: 1, maxLength: MAX_ALERT_CURSOR_LENGTH } as const;
/** A chart reference: the descriptor's artifact reference, at most MAX_REF_LENGTH characters. */
const AFTER_CHART = { type: 'string', minLength: 1, maxLength: MAX_REF_LENGTH } as const;
const AFTER_PAIR = { type: 'string', pattern: '^[^/]+/[^/]+$', maxLength: 255 } as const;
/** /analytics/placement-moves answers the last year by default, and ten at most. */
const DEFAULT_MOVES_DAYS = 366;
const MAX_MOVES_DAYS = 3660;

/** Analytics read models (each rebuildable through /admin/projections). */
@ApiTags('analytics')
@Controller('analytics')
export class AnalyticsController {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  @Get('cluster-load')
  @ApiOperation({
    summary: 'CPU cores and memory placed per cluster over time (all graphs)',
    description: `Each cluster's latest \`limit\` points (default and maximum ${MAX_LOAD_POINTS}); each point is the total then. \`X-Truncated: true\` says a series had more.`,
  })
  @ApiQueryParam('limit', `at most this many of each cluster's latest points (1–${MAX_LOAD_POINTS})`, { type: 'integer', minimum: 1, maximum: MAX_LOAD_POINTS })
  @ApiJson(200, 'Per cluster, the placed load after each change', { type: 'object', additionalProperties: arrayOf(shape({ at: { type: 'string' }, cpu: { type: 'number' }, memoryBytes: { type: 'number' } })) })
  async clusterLoad(@Query('limit') limit: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    const size = wholeNumberParam(limit, 'limit', 1, MAX_LOAD_POINTS) ?? MAX_LOAD_POINTS;
    // A head and at most a few chunks per cluster, however many graphs placed on it.
    const { readStore } = this.runtime;
    const heads = (await readStore.find<ClusterSeries>(clusterLoadProjection.collection, { where: { kind: 'cluster' }, orderBy: [{ field: 'cluster' }] })).map(({ doc }) => doc);
    const found = await readStore.getMany<ClusterChunk>(clusterLoadProjection.collection, heads.flatMap((head) => chunkIdsFor(head, size)));
    const chunks = new Map([...found].map(([id, { doc }]) => [id, doc]));
    // Every point is a total, so a series cut at its start still reads right from its first point.
    if (heads.some((head) => head.changes > size)) void reply.header('x-truncated', 'true');
    return Object.fromEntries(heads.map((head) => [head.cluster, latestPoints(head, chunks, size)]));
  }

  @Get('placed-resources/:graph')
  @ApiOperation({
    summary: 'What one graph placed on each cluster over time',
    description:
      `The graph's services (cluster, CPU, memory, replicas), whether it runs, and its timeline: the CPU cores and memory it placed on each cluster after each change. ` +
      `The latest ${RECENT_POINTS} changes are one point each; the \`hourly\` points before them are one per UTC hour (the load after that hour's last change), at most ${HOURLY_POINTS} (30 days). ` +
      'One bounded document, however long the graph has lived.',
  })
  @ApiJson(
    200,
    "The graph's placed resources",
    shape({
      graphId: { type: 'string' },
      running: { type: 'boolean' },
      services: { type: 'object', additionalProperties: shape({ cluster: { type: 'string' }, cpu: { type: 'number' }, memoryBytes: { type: 'number' }, replicas: { type: 'integer' } }) },
      timeline: arrayOf(shape({ at: { type: 'string' }, position: { type: 'integer' }, byCluster: { type: 'object', additionalProperties: shape({ cpu: { type: 'number' }, memoryBytes: { type: 'number' } }) } })),
      hourly: { type: 'integer' },
    }),
  )
  @ApiProblems(404)
  async placedResources(@Param('graph') graph: string): Promise<PlacedResources> {
    const found = await this.runtime.readStore.get<PlacedResources>(placedResourcesProjection.collection, graph);
    if (!found) throw ProblemException.of(HttpStatus.NOT_FOUND, `No placed resources recorded for graph ${graph}`);
    return found.doc;
  }

  @Get('scaling')
  @ApiOperation({
    summary: 'Scaling actions per service',
    description: `One document per scaled service, by graph then service; at most \`limit\` (default and maximum ${MAX_GRAPHS_PER_LIST}). When there were more, \`X-Truncated: true\` and \`Link: <…>; rel="next"\` give the next page (\`after\`).`,
  })
  @ApiQueryParam('limit', `at most this many services (1–${MAX_GRAPHS_PER_LIST})`, { type: 'integer', minimum: 1, maximum: MAX_GRAPHS_PER_LIST })
  @ApiQueryParam('after', '`<graph>/<service>` of the last document of the page before (from its `Link: rel="next"`)', AFTER_PAIR)
  @ApiJson(200, 'One document per scaled service', arrayOf({ type: 'object' }), ['link'])
  async scaling(@Query('limit') limit: string | undefined, @Query('after') after: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    // Documents are keyed <graph>/<service> and ordered by graph, then id.
    const cursor = cursorParam(after, { parts: 2, described: '<graph>/<service>' });
    const start: Pick<FindQuery, 'after'> = cursor ? { after: { values: [cursor[0]!], id: after! } } : {};
    return this.page<ScalingActions>('/analytics/scaling', 'analytics-scaling-actions', { orderBy: [{ field: 'graphId' }], ...start }, limit, reply);
  }

  @Get('alerts')
  @ApiOperation({
    summary: 'Alerts received per rule',
    description: `One document per alert name, by name; at most \`limit\` (default and maximum ${MAX_GRAPHS_PER_LIST}). When there were more, \`X-Truncated: true\` and \`Link: <…>; rel="next"\` give the next page (\`after\`).`,
  })
  @ApiQueryParam('limit', `at most this many alert names (1–${MAX_GRAPHS_PER_LIST})`, { type: 'integer', minimum: 1, maximum: MAX_GRAPHS_PER_LIST })
  @ApiQueryParam('after', 'the last alert name of the page before (from its `Link: rel="next"`)', AFTER_ALERT)
  @ApiJson(200, 'One document per alert name', arrayOf({ type: 'object' }), ['link'])
  alerts(@Query('limit') limit: string | undefined, @Query('after') after: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    // Documents are keyed by alert name: id order is name order.
    const [name] = cursorParam(after, { described: 'an alert name', maxLength: MAX_ALERT_CURSOR_LENGTH }) ?? [];
    return this.page<AlertsByRule>('/analytics/alerts', 'analytics-alerts-by-rule', name === undefined ? {} : { afterId: name }, limit, reply);
  }

  @Get('deployment-failures')
  @ApiOperation({
    summary: 'Failed installs and upgrades per chart',
    description: `One document per chart, by chart; at most \`limit\` (default and maximum ${MAX_GRAPHS_PER_LIST}). When there were more, \`X-Truncated: true\` and \`Link: <…>; rel="next"\` give the next page (\`after\`).`,
  })
  @ApiQueryParam('limit', `at most this many charts (1–${MAX_GRAPHS_PER_LIST})`, { type: 'integer', minimum: 1, maximum: MAX_GRAPHS_PER_LIST })
  @ApiQueryParam('after', 'the last chart of the page before (from its `Link: rel="next"`)', AFTER_CHART)
  @ApiJson(200, 'One document per chart', arrayOf({ type: 'object' }), ['link'])
  failures(@Query('limit') limit: string | undefined, @Query('after') after: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    // Documents are keyed by chart: id order is chart order. A chart reference has slashes of its own.
    const [chart] = cursorParam(after, { described: 'a chart reference', maxLength: MAX_REF_LENGTH }) ?? [];
    return this.page<DeploymentFailures>('/analytics/deployment-failures', 'analytics-deployment-failures', chart === undefined ? {} : { afterId: chart }, limit, reply);
  }

  @Get('placement-moves')
  @ApiOperation({
    summary: 'Placement decisions and moves per day',
    description: `One document per UTC day with decisions, oldest first, over the last \`days\` days (default ${DEFAULT_MOVES_DAYS}, at most ${MAX_MOVES_DAYS}). \`X-Truncated: true\` says older days have some.`,
  })
  @ApiQueryParam('days', `the last this many days, today included (1–${MAX_MOVES_DAYS})`, { type: 'integer', minimum: 1, maximum: MAX_MOVES_DAYS })
  @ApiJson(200, 'One document per day', arrayOf({ type: 'object' }))
  async moves(@Query('days') days: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    const span = wholeNumberParam(days, 'days', 1, MAX_MOVES_DAYS) ?? DEFAULT_MOVES_DAYS;
    // Documents are keyed by day (YYYY-MM-DD sorts by date): the days after the cutoff, in one seek; the first document says whether older ones exist.
    const cutoff = new Date(Date.now() - span * DAY_MS).toISOString().slice(0, 10);
    const collection = 'analytics-placement-moves';
    const [recent, [oldest]] = await Promise.all([
      this.runtime.readStore.find<PlacementMoves>(collection, { afterId: cutoff, limit: span }),
      this.runtime.readStore.find<PlacementMoves>(collection, { limit: 1 }),
    ]);
    if (oldest && oldest.id <= cutoff) void reply.header('x-truncated', 'true');
    return recent.map(({ doc }) => doc);
  }

  /**
   * A page of `?limit` documents in the query's order; one more is read to tell whether the answer was cut
   * (then `X-Truncated` and the next page's `Link`, which starts after this page's last id), so the read stays bounded.
   */
  private async page<T>(path: string, collection: string, query: Pick<FindQuery, 'orderBy' | 'after' | 'afterId'>, limit: string | undefined, reply: FastifyReply): Promise<T[]> {
    const size = listSize(limit);
    const docs = await this.runtime.readStore.find<T>(collection, { ...query, limit: size + 1 });
    if (docs.length > size) announceNextPage(reply, path, size, docs[size - 1]!.id);
    return docs.slice(0, size).map(({ doc }) => doc);
  }
}
