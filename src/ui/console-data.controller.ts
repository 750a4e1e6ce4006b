import { Controller, Get, Inject, Query, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { GRAPH_SUMMARIES_SINCE, graphSummaries, graphSummaryOf, graphsProjection, type GraphDocument, type GraphSummaryDocument } from '../../projections/graphs.projection';
import { builtProjectionVersion } from '../processing/projection-runner';
import type { FindQuery, ReadStore } from '../readstore/read-store';
import type { Runtime } from '../app/runtime';
import { RUNTIME } from '../app/runtime.token';
import { roleOfRequest } from '../api/security/auth.guard';
// The console's list reads pages as the API's lists do: the same size, order and cursors.
import { checkProject, cursorAfter, listCursor, listSize, type ListScope } from '../api/graphs/graph-params';

/** One row of the console's graph list: what an operator scans for, without descriptors or values. */
export interface GraphSummary {
  name: string;
  project: string;
  status: string;
  settled: boolean;
  servicesByStatus: Record<string, number>;
  clusters: string[];
  lastDecision: { decisionId: string; reason: string; algorithm: string } | null;
  placementFailure: string | null;
  pendingProposals: number;
  updatedAt: string;
}

/** A row of the list from the graph's summary: the proposals still open at `now` (ISO) are counted. */
export function graphSummary(summary: GraphSummaryDocument, now: string): GraphSummary {
  const { name, project, status, settled, servicesByStatus, clusters, lastDecision, placementFailure, pendingProposalsExpireAt, updatedAt } = summary;
  const pendingProposals = pendingProposalsExpireAt.filter((expiresAt) => expiresAt >= now).length;
  return { name, project, status, settled, servicesByStatus, clusters, lastDecision, placementFailure, pendingProposals, updatedAt };
}

/**
 * Whether the graph summaries hold every graph: false until the graphs projection has been built by a
 * version that writes them (after an upgrade from an older one, until its rebuild switches over).
 */
async function graphSummariesBuilt(readStore: ReadStore): Promise<boolean> {
  return ((await builtProjectionVersion(readStore, graphsProjection.name)) ?? 1) >= GRAPH_SUMMARIES_SINCE;
}

/**
 * Read models shaped for the console (behind the API's authentication like every route): the
 * caller's role, and a compact graph list (a full graph view carries its descriptor and values,
 * too heavy for a first page of 100 graphs).
 */
@ApiExcludeController()
@Controller('ui/data')
export class ConsoleDataController {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  @Get('session')
  session(@Req() request: FastifyRequest) {
    return { role: roleOfRequest(request), tokensRequired: this.runtime.config.security.tokens.length > 0 };
  }

  /**
   * A page of graph summaries, read from their own small documents (not the graphs' whole ones), as GET
   * /graphs and GET /project/{p}/graphs page their views: every project's by project then name, or one project's by name; at most `limit`, after the graph `after`
   * names (`<project>/<name>`, or `<name>` in a project). `next` is the `after` of the following page,
   * null on the last: keyset paging, so a page costs the same however deep.
   */
  @Get('graphs')
  async graphs(@Query('project') project: string | undefined, @Query('after') after: string | undefined, @Query('limit') limit: string | undefined) {
    if (project !== undefined) checkProject(project);
    const scope: ListScope = project ? 'project' : 'all';
    const size = listSize(limit);
    const cursor = listCursor(after, scope);
    const query: FindQuery = {
      ...(project ? { where: { project }, orderBy: [{ field: 'name' }] } : { orderBy: [{ field: 'project' }, { field: 'name' }] }),
      ...(cursor ? { after: cursor } : {}),
      limit: size + 1,
    };
    const { readStore } = this.runtime;
    // The summaries, about 1 KB a graph; the graphs' whole documents only while an upgrade builds the summaries.
    const summaries = (await graphSummariesBuilt(readStore))
      ? (await readStore.find<GraphSummaryDocument>(graphSummaries.collection, query)).map(({ doc }) => doc)
      : (await readStore.find<GraphDocument>(graphsProjection.collection, query)).map(({ doc }) => graphSummaryOf(doc));
    const page = summaries.slice(0, size);
    const truncated = summaries.length > size;
    const now = new Date().toISOString();
    return { graphs: page.map((summary) => graphSummary(summary, now)), truncated, next: truncated ? cursorAfter(page.at(-1)!, scope) : null };
  }
}
