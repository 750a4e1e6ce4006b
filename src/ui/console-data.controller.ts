import { Controller, Get, Inject, Query, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { GraphDocument } from '../../projections/graphs.projection';
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

export function graphSummary({ state, settled, updatedAt }: GraphDocument): GraphSummary {
  const servicesByStatus: Record<string, number> = {};
  for (const service of state.services) servicesByStatus[service.status] = (servicesByStatus[service.status] ?? 0) + 1;
  const now = new Date().toISOString();
  return {
    name: state.graphId,
    project: state.project,
    status: state.status,
    settled,
    servicesByStatus,
    clusters: [...new Set(state.services.flatMap((s) => (s.target?.cluster ? [s.target.cluster] : [])))].sort(),
    lastDecision: state.placement ? { decisionId: state.placement.decisionId, reason: state.placement.reason, algorithm: state.placement.algorithm } : null,
    placementFailure: state.placementFailure?.detail ?? null,
    pendingProposals: (state.proposals ?? []).filter((p) => p.status === 'pending' && p.expiresAt >= now).length,
    updatedAt,
  };
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
   * A page of graph summaries as GET /graphs and GET /project/{p}/graphs page their views: every
   * project's by project then name, or one project's by name; at most `limit`, after the graph `after`
   * names (`<project>/<name>`, or `<name>` in a project). `next` is the `after` of the following page,
   * null on the last: keyset paging, so a page costs the same however deep.
   */
  @Get('graphs')
  async graphs(@Query('project') project: string | undefined, @Query('after') after: string | undefined, @Query('limit') limit: string | undefined) {
    if (project !== undefined) checkProject(project);
    const scope: ListScope = project ? 'project' : 'all';
    const size = listSize(limit);
    const cursor = listCursor(after, scope);
    const docs = await this.runtime.readStore.find<GraphDocument>('graphs', {
      ...(project ? { where: { project }, orderBy: [{ field: 'name' }] } : { orderBy: [{ field: 'project' }, { field: 'name' }] }),
      ...(cursor ? { after: cursor } : {}),
      limit: size + 1,
    });
    const page = docs.slice(0, size);
    const truncated = docs.length > size;
    return { graphs: page.map(({ doc }) => graphSummary(doc)), truncated, next: truncated ? cursorAfter(page.at(-1)!.doc, scope) : null };
  }
}
