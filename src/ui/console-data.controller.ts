import { Controller, Get, HttpStatus, Inject, Query, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { GraphDocument } from '../../projections/graphs.projection';
import type { Runtime } from '../app/runtime';
import { RUNTIME } from '../app/runtime.token';
import { ProblemException } from '../api/problem';
import { roleOfRequest } from '../api/security/auth.guard';
import { dnsLabel, MAX_GRAPH_ID_LENGTH } from '../descriptor/rules';
// The console's list reads at most as many graphs as the API's lists answer.
import { MAX_GRAPHS_PER_LIST } from '../api/graphs/graph-params';

const projectProblem = dnsLabel(MAX_GRAPH_ID_LENGTH, 'the Kubernetes namespace');

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

  @Get('graphs')
  async graphs(@Query('project') project: string | undefined) {
    if (project !== undefined) {
      const problem = projectProblem(project);
      if (problem) throw new ProblemException({ type: 'about:blank', title: 'Bad Request', status: HttpStatus.BAD_REQUEST, detail: `project: ${problem}`, errors: [{ pointer: '/project', message: problem }] });
    }
    const docs = await this.runtime.readStore.find<GraphDocument>('graphs', {
      ...(project ? { where: { project } } : {}),
      orderBy: [{ field: 'project' }, { field: 'name' }],
      limit: MAX_GRAPHS_PER_LIST + 1,
    });
    return { graphs: docs.slice(0, MAX_GRAPHS_PER_LIST).map(({ doc }) => graphSummary(doc)), truncated: docs.length > MAX_GRAPHS_PER_LIST };
  }
}
