import { applyDecorators, Controller, Delete, Get, HttpCode, HttpStatus, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HDAG_EXAMPLE, HDAG_SCHEMA_PATH, receiveGraphSubmission, toProblemDetails, type PromqlCheck } from '../../descriptor';
import type { CapacityShortfall, GraphCommand } from '../../domain/graph/commands';
import { graphStream, isGraphEvent, type PlacementFailed, type PlacementProposed, type PlacementUnchanged } from '../../domain/graph/events';
import { awaitsPlacementRetry, holdsRelease, startChecksPlacement, type ExistingGraph } from '../../domain/graph/state';
import type { RecordedEvent } from '../../eventstore/event-store';
import { graphAsOf, parseAsOf } from '../audit/graph-history';
import { graphUseCaseOf } from '../../app/cqrs';
import { DurableProcessing } from '../../app/processing.composition';
import type { Runtime } from '../../app/runtime';
import { RUNTIME } from '../../app/runtime.token';
import { graphSummaries, graphsProjection, type GraphDocument, type GraphSummaryDocument } from '../../../projections/graphs.projection';
import { clustersProjection } from '../../../projections/clusters.projection';
import { placementLedgerProjection } from '../../../projections/placement-ledger.projection';
import { ProblemException } from '../problem';
import { ApiIdempotencyHeader, ApiIfMatchHeader, ApiJson, ApiNameParam, ApiPreferHeader, ApiProblems, ApiQueryParam, ApiStringParam, ApiText, ApiTextOrJson } from '../openapi/responses';
import { schemaRef } from '../openapi/schemas';
import { etag, requestContext } from '../request-context';
import { dryRunDeploy, dryRunRequested } from './dry-run';
import { isIntent } from '../placement/plan.controller';
import { toGraphView, toProposalView, type GraphView, type ProposalView } from './graph-view';
import { answerAllGraphs, answerCurrentGraph, answerProjectGraphs, currentGraph, MAX_GRAPH_PAGE_BYTES } from './graph-read';
import { checkProject, listCursor, listSize, MAX_GRAPHS_PER_LIST } from './graph-params';
import { ChangesState } from '../security/auth.guard';
import { ReadsOwnMediaTypes } from '../json-body';
import { inventoryShowsPlacements } from '../../processors/cluster-inventory';
import { proposalShortfalls, startShortfalls } from '../../processors/proposal-capacity';
import { parameterProblem } from '../query-parameters';

/** How long an approval waits for the clusters and the placement ledger to hold every event recorded before it. */
const APPROVAL_INVENTORY_WAIT_MS = 5_000;
/** The read models an approval's capacity check reads, each named as a 503 says it is behind. */
const APPROVAL_READ_MODELS = [
  { name: clustersProjection.name, label: 'the cluster inventory' },
  { name: placementLedgerProjection.name, label: 'the placement ledger' },
] as const;
/** How long an approval waits for the placement decision before it (PlacementLease): that one's ledger wait, and as long again. */
const APPROVAL_LEASE_WAIT_MS = 2 * APPROVAL_INVENTORY_WAIT_MS;
const START_DESCRIPTION = `Reinstalls the graph where it ran, unless other graphs took that capacity while it was stopped (checked as an approval is, one placement decision at a time across SMO instances): then it is placed anew first (reason \`start\`), and answered once settled, 422 when it cannot be placed. 503 (nothing recorded) when other decisions kept it waiting over ${APPROVAL_LEASE_WAIT_MS / 1000} s, and, with \`Retry-After\`, when the placement ledger or the cluster inventory has not caught up within ${APPROVAL_INVENTORY_WAIT_MS / 1000} s.`;
const APPROVAL_BUSY = 'Other placement decisions or approvals are being checked against the clusters’ capacity; retry shortly';

/** The 503 of an approval other approvals kept waiting (or that lost the lease): nothing recorded, retry in a moment. */
function approvalsBusy(reply: FastifyReply): ProblemException {
  void reply.header('retry-after', '2');
  return ProblemException.of(HttpStatus.SERVICE_UNAVAILABLE, `Nothing was recorded: ${APPROVAL_BUSY}`);
}

/** What the placement processor answers to a request for a proposal. */
type PlacementOutcome = PlacementProposed | PlacementUnchanged | PlacementFailed;
/** Events read per look at the graph's stream while waiting for a placement outcome. */
const OUTCOME_PAGE = 50;
const TEXT = 'text/html; charset=utf-8';

/** The graph routes of the upstream SMO, with POST variants of its state-changing GETs. */
@ApiTags('graphs')
@Controller()
export class GraphsController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly commandBus: CommandBus,
    private readonly durable: DurableProcessing,
  ) {}

  @Get('project/:project/graphs')
  @ApiOperation({
    summary: 'The graphs of a project',
    description: `Ordered by name; at most \`limit\` (default and maximum ${MAX_GRAPHS_PER_LIST}), after the graph \`after\` names. When there were more, \`X-Truncated: true\` and \`Link: <…>; rel="next"\` give the next page (a page costs the same however deep).`,
  })
  @ApiNameParam('project', 'the project (a Kubernetes namespace)')
  @ApiQueryParam('limit', `at most this many graphs (1–${MAX_GRAPHS_PER_LIST})`, { type: 'integer', minimum: 1, maximum: MAX_GRAPHS_PER_LIST })
  @ApiQueryParam('after', 'the name of the last graph of the page before (from its `Link: rel="next"`)', { type: 'string', pattern: '^[^/]+$', maxLength: 255 })
  @ApiJson(200, 'Graph views (upstream Graph.to_dict() plus placement, revision, failures)', ['GraphView'], ['link'])
  async list(
    @Param('project') project: string,
    @Query('limit') limit: string | undefined,
    @Query('after') after: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    return answerProjectGraphs(this.runtime, project, { limit, after }, reply);
  }

  @Get('graphs')
  @ApiOperation({
    summary: 'The graphs of every project',
    description: `Ordered by project, then name; at most \`limit\` (default and maximum ${MAX_GRAPHS_PER_LIST}) and at most ${MAX_GRAPH_PAGE_BYTES / 1024 / 1024} MiB of views (at least one), after the graph \`after\` names. When there were more, \`X-Truncated: true\` and \`Link: <…>; rel="next"\` give the next page.`,
  })
  @ApiQueryParam('limit', `at most this many graphs (1–${MAX_GRAPHS_PER_LIST})`, { type: 'integer', minimum: 1, maximum: MAX_GRAPHS_PER_LIST })
  @ApiQueryParam('after', '`<project>/<name>` of the last graph of the page before (from its `Link: rel="next"`)', { type: 'string', pattern: '^[^/]+/[^/]+$', maxLength: 255 })
  @ApiJson(200, 'Graph views of all projects (`smo list -A`)', ['GraphView'], ['link'])
  async listAll(@Query('limit') limit: string | undefined, @Query('after') after: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer> {
    return answerAllGraphs(this.runtime.readStore, listSize(limit), reply, listCursor(after, 'all'));
  }

  @Post('project/:project/graphs')
  @ApiOperation({
    summary: 'Deploy an HDAG graph',
    description:
      'Body: `{"hdaGraph": …}`, a JSON string holding the YAML or JSON descriptor (the upstream form), a YAML body, or `{"artifact": "<ref>"}`. ' +
      'Answers 200 once every service is Deployed, Pending or Failed, or 202 with Location when `Prefer: respond-async` is sent or settling takes longer than SMO_DEPLOY_WAIT. ' +
      `The descriptor's JSON Schema: ${HDAG_SCHEMA_PATH}.`,
    externalDocs: { description: 'JSON Schema of the HDAG descriptor (information model 0.4.0)', url: HDAG_SCHEMA_PATH },
  })
  @ApiConsumes('application/json', 'application/x-yaml', 'application/yaml', 'text/yaml')
  @ReadsOwnMediaTypes()
  @ApiBody({ schema: schemaRef('DeployRequest'), examples: { graph: { summary: 'A graph of two services', value: HDAG_EXAMPLE } } })
  @ApiNameParam('project', 'the project (a Kubernetes namespace)')
  @ApiPreferHeader()
  @ApiIdempotencyHeader()
  @ApiQueryParam('dryRun', '`true`: validate, place on the current inventory and render the Helm values; record nothing (answers a DryRunAnswer)', { type: 'string', enum: ['true', 'false'] })
  @ApiTextOrJson(200, 'Every service is Deployed, Pending or Failed: "Graph deployment successful" and a line per warning (a DeployResult with `Accept: application/json`); with `?dryRun=true`, what a deploy would do (a DryRunAnswer, nothing recorded)', ['DeployResult', 'DryRunAnswer'], ['etag', 'location', 'event-position'])
  @ApiJson(202, 'Recorded; still settling (or `Prefer: respond-async`): follow Location', 'DeployAccepted', ['etag', 'location', 'event-position'])
  @ApiProblems(409, 422, 502, 504)
  async deploy(@Param('project') project: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    checkProject(project, 'deploy');
    const dryRun = dryRunRequested(request.query);
    const context = requestContext(request, { allowIfMatch: false });
    const body = rawBody(request);
    const outcome = await receiveGraphSubmission(
      { contentType: request.headers['content-type'], body },
      { artifacts: this.runtime.integrations.artifacts, limits: { maxBodyBytes: this.runtime.config.maxBodyBytes }, checkPromql: this.promqlCheck() },
    );
    if (!outcome.ok) throw new ProblemException(toProblemDetails(outcome.status, outcome.problems));
    const { submission } = outcome;
    const graphId = submission.normalised.id;
    this.refuseUnlistedRegistries(submission.normalised.services.map((s) => s.artifact.ref));
    // Helm release names are service ids within the project namespace: two graphs there cannot share one (B23).
    // An early answer (the dry run's only one) by the reservation's own rule; the reservation decides under concurrency.
    await this.runtime.graphs.checkReleaseNames(project, graphId, submission.normalised.services.map((s) => s.id), new Date());
    if (dryRun) {
      await reply.status(HttpStatus.OK).type('application/json').send(await dryRunDeploy(this.runtime, { inventory: this.durable.clusterSync, clusterLatencies: this.durable.clusterLatencies }, project, submission.normalised, submission.warnings));
      return;
    }
    const result = await this.execute(
      {
        type: 'SubmitGraph',
        data: {
          graphId,
          project,
          descriptor: (submission.received as { hdaGraph: Record<string, unknown> }).hdaGraph,
          source: submission.source,
          normalised: submission.normalised,
          warnings: submission.warnings,
        },
      },
      context,
    );
    const location = `/graphs/${graphId}`;
    const { warnings } = submission;
    void reply.header('etag', etag(result.revision)).header('location', location);
    if (result.position !== null) void reply.header('x-event-position', String(result.position));
    const wantsAsync = /respond-async/i.test(String(request.headers.prefer ?? ''));
    const settled = wantsAsync ? null : await this.waitUntilSettled(graphId, result.revision, this.runtime.config.deployWaitSeconds * 1000);
    if (!settled) {
      await reply.status(HttpStatus.ACCEPTED).type('application/json').send({ name: graphId, status: 'Deploying', location, warnings });
      return;
    }
    if (settled.state.placementFailure) throw placementRefusal(settled.state, warnings);
    // The answer describes the settled graph, so it carries that graph's revision.
    void reply.header('etag', etag(settled.revision));
    if (prefersJson(request)) {
      await reply.status(HttpStatus.OK).type('application/json').send({ name: graphId, status: 'Settled', location, revision: settled.revision, warnings });
      return;
    }
    const warningLines = warnings.map((warning) => `Warning: ${warning.pointer || '(body)'}: ${warning.message}\n`).join('');
    await reply.status(HttpStatus.OK).type(TEXT).send(`Graph deployment successful\n${warningLines}`);
  }

  @Get('graphs/:name')
  @ApiOperation({ summary: 'One graph (upstream view plus placement, revision and failures); ETag is its revision; ?at=<ISO time|position> shows it as it was' })
  @ApiNameParam('name', 'the graph id')
  @ApiQueryParam('at', 'a global event position, an ISO 8601 time with its offset (Z or ±hh:mm), or a date (its start in UTC)', {
    anyOf: [{ type: 'string', pattern: '^[0-9]{1,15}$' }, { type: 'string', format: 'date-time' }, { type: 'string', format: 'date' }],
  })
  @ApiJson(200, 'The graph', 'GraphView', ['etag'])
  @ApiProblems(404)
  async get(@Param('name') name: string, @Query('at') at: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<GraphView | Buffer> {
    if (at !== undefined) {
      const doc = await this.findAsOf(name, at);
      void reply.header('etag', etag(doc.revision));
      return toGraphView(doc);
    }
    return answerCurrentGraph(this.runtime, name, reply);
  }

  @Delete('graphs/:name')
  @ApiOperation({ summary: 'Remove a graph: uninstall its services, delete its dashboards (again on a removed graph with releases left: their uninstall)' })
  @GraphCommandResponses('Removal successful')
  async remove(@Param('name') name: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.command(name, { type: 'RemoveGraph', data: { graphId: name } }, request, reply, 'Removal successful\n', 'removal');
  }

  @Get('graphs/:name/placement')
  @ChangesState()
  @ApiOperation({ summary: 'Re-place the graph with the MILP (upstream GET; POST is the same)' })
  @GraphCommandResponses('Placement of graph <name> triggered')
  async placementGet(@Param('name') name: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.replace(name, request, reply);
  }

  @Post('graphs/:name/placement')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Re-place the graph with the MILP',
    description: '`?mode=propose` records a proposal to approve instead of applying it; `?maxMoves=N` bounds how many services may move.',
  })
  @ApiQueryParam('mode', 'apply (default) or propose', { type: 'string', enum: ['apply', 'propose'] })
  @ApiQueryParam('maxMoves', 'at most this many services may move', { type: 'string', pattern: '^[0-9]{1,4}$' })
  @ApiNameParam('name', 'the graph id')
  @ApiIfMatchHeader()
  @ApiIdempotencyHeader()
  @ApiTextOrJson(200, 'Applied: "Placement of graph <name> triggered"; proposed and nothing would move: JSON, `status: unchanged`, no proposal recorded', 'PlacementProposalAnswer', ['etag', 'event-position'])
  @ApiJson(201, 'Proposed: the proposal (id, moves, why); Location is the proposal', 'PlacementProposalAnswer', ['etag', 'event-position', 'location'])
  @ApiText(202, 'Recorded, still under way (follow Location): "Placement of graph <name> triggered"', ['etag', 'event-position', 'location'])
  @ApiProblems(404, 409, 412, 422)
  async placementPost(
    @Param('name') name: string,
    @Query('mode') mode: string | undefined,
    @Query('maxMoves') maxMoves: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (mode !== undefined && mode !== 'apply' && mode !== 'propose') throw parameterProblem('mode', 'must be apply or propose');
    if (maxMoves !== undefined && !/^\d{1,4}$/.test(maxMoves)) throw parameterProblem('maxMoves', 'must be a whole number');
    const budget = maxMoves !== undefined ? { maxMoves: Number(maxMoves) } : {};
    if (mode === 'propose') await this.propose(name, budget, request, reply);
    else await this.replace(name, request, reply, { ...(mode ? { mode } : {}), ...budget });
  }

  @Get('graphs/:name/proposals/:proposal')
  // Not under /placements/: GET /graphs/{name}/placements/replay would then be served too.
  @ApiOperation({ summary: 'One placement proposal: who would move where, why, until when it can be approved (approve at /graphs/{name}/placements/{id}/approve)' })
  @ApiNameParam('name', 'the graph id')
  @ApiStringParam('proposal', 'the proposal id')
  @ApiJson(200, 'The proposal', 'ProposalView', ['etag'])
  @ApiProblems(404)
  async proposal(@Param('name') name: string, @Param('proposal') proposalId: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<ProposalView> {
    const { doc } = await currentGraph(this.runtime, name);
    const proposal = doc.state.proposals.find((p) => p.proposalId === proposalId);
    if (!proposal) throw ProblemException.of(HttpStatus.NOT_FOUND, `Graph ${name} has no placement proposal ${proposalId}`);
    void reply.header('etag', etag(doc.revision));
    return toProposalView(proposal);
  }

  @Post('graphs/:name/placements/:proposal/approve')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Apply a placement proposal: exactly its moves',
    description: `Checked again against the capacity there is now, one placement decision at a time across SMO instances (approvals and automatic placements): 409 when it would overbook a cluster (capacity other graphs took since, approvals included; a cluster unavailable or gone), with the \`violations\`; ask for a new proposal. 503 (nothing recorded) when other decisions kept it waiting over ${APPROVAL_LEASE_WAIT_MS / 1000} s, and, with \`Retry-After\`, when the placement ledger or the cluster inventory has not caught up within ${APPROVAL_INVENTORY_WAIT_MS / 1000} s with the events recorded before the approval (the instance that folds it slow, or dead while its lease lasts): the capacity left is then not known.`,
  })
  @ApiStringParam('proposal', 'the proposal id')
  @GraphCommandResponses('Proposal <id> applied')
  @ApiProblems(503)
  async approve(@Param('name') name: string, @Param('proposal') proposal: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const context = requestContext(request);
    const result = await this.durable.placementLease.run(AbortSignal.timeout(APPROVAL_LEASE_WAIT_MS), () => approvalsBusy(reply), async (held) => {
      const overbooked = await this.approvalShortfalls(name, proposal, reply);
      if (!(await held())) throw approvalsBusy(reply);
      return this.execute({ type: 'ApprovePlacementProposal', data: { graphId: name, proposalId: proposal, now: new Date().toISOString(), overbooked } }, context);
    });
    await this.answer(name, result, reply, `Proposal ${proposal} applied\n`);
  }

  /**
   * What approving the proposal now would overbook: its placement against the clusters as the next
   * placement would see them (the graph's own demand given back), once the clusters and the ledger hold
   * every event recorded so far. When one has not within APPROVAL_INVENTORY_WAIT_MS (its instance is slow
   * or died holding its lease), a 503 with Retry-After: checked against it, the approval could take capacity
   * placed since (the approval before it included). None when it is not pending: the decider answers why.
   */
  private async approvalShortfalls(graphId: string, proposalId: string, reply: FastifyReply): Promise<CapacityShortfall[]> {
    const { state } = await this.runtime.graphs.load(graphId);
    if (state.kind === 'none') return [];
    const pending = state.proposals.find((p) => p.proposalId === proposalId && p.status === 'pending');
    if (!pending) return [];
    await this.capacityKnown(reply);
    return proposalShortfalls(this.runtime.readStore, state, pending.decision, this.ledgerRule());
  }

  /**
   * Starts a stopped graph where it was placed, unless other graphs took that capacity while it was stopped: then it is
   * placed anew first (the start's `overbooked`). Checked as an approval is, one placement decision at a time across
   * SMO instances; a graph never placed, placed statically or not stopped is not checked (the decider says why).
   */
  private async start(name: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const context = requestContext(request);
    const { state } = await this.runtime.graphs.load(name);
    const checked = state.kind === 'exists' && !state.removed && state.status === 'Stopped' && startChecksPlacement(state);
    const result = !checked
      ? await this.execute({ type: 'StartGraph', data: { graphId: name, overbooked: [] } }, context)
      : await this.durable.placementLease.run(AbortSignal.timeout(APPROVAL_LEASE_WAIT_MS), () => approvalsBusy(reply), async (held) => {
          const current = (await this.runtime.graphs.load(name)).state;
          await this.capacityKnown(reply);
          const overbooked = current.kind === 'exists' ? await startShortfalls(this.runtime.readStore, current, this.ledgerRule()) : [];
          if (!(await held())) throw approvalsBusy(reply);
          return this.execute({ type: 'StartGraph', data: { graphId: name, overbooked } }, context);
        });
    const placedAnew = result.events.some((event) => event.type === 'GraphStarted' && event.data.overbooked.length > 0);
    if (!placedAnew) return this.answer(name, result, reply, 'Graph started\n');
    // Its placement no longer fit: answered once it is placed anew and settled, 422 as a deploy's when it cannot be.
    await this.answer(name, result, reply, `Graph started: placed anew, as its placement no longer fits (capacity taken while it was stopped)\n`, 'settled', true);
  }

  private ledgerRule() {
    return {
      now: new Date(),
      ttlMs: this.runtime.config.placementLedgerTtlSeconds * 1000,
      inventoryShowsPlacements: inventoryShowsPlacements(this.runtime.integrations.modes),
    };
  }

  /**
   * Waits until the cluster inventory and the placement ledger hold every event recorded so far; a 503 with Retry-After
   * (nothing recorded) when one has not within APPROVAL_INVENTORY_WAIT_MS (its instance slow, or dead holding its
   * lease): checked against it, a decision could take capacity placed since.
   */
  private async capacityKnown(reply: FastifyReply): Promise<void> {
    const head = (await this.runtime.eventStore.headPosition()) ?? 0;
    const waits = APPROVAL_READ_MODELS.map(({ name }) => this.runtime.processing.whenProcessed(head, { names: [name], timeoutMs: APPROVAL_INVENTORY_WAIT_MS }));
    const behind = (await Promise.allSettled(waits)).flatMap((wait, k) => (wait.status === 'rejected' ? [APPROVAL_READ_MODELS[k]!.label] : []));
    if (behind.length > 0) {
      void reply.header('retry-after', String(APPROVAL_INVENTORY_WAIT_MS / 1000));
      throw ProblemException.of(
        HttpStatus.SERVICE_UNAVAILABLE,
        `Nothing was recorded: ${behind.join(' and ')} ${behind.length > 1 ? 'are' : 'is'} behind the events recorded (not caught up within ${APPROVAL_INVENTORY_WAIT_MS / 1000} s), so the capacity left on the clusters is not known; retry shortly`,
      );
    }
  }

  @Post('graphs/:name/placements/:proposal/reject')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Reject a placement proposal' })
  @ApiStringParam('proposal', 'the proposal id')
  @GraphCommandResponses('Proposal <id> rejected')
  async reject(@Param('name') name: string, @Param('proposal') proposal: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.command(name, { type: 'RejectPlacementProposal', data: { graphId: name, proposalId: proposal, reason: 'rejected by an operator' } }, request, reply, `Proposal ${proposal} rejected\n`);
  }

  @Get('graphs/:name/start')
  @ChangesState()
  @ApiOperation({ summary: 'Start a stopped graph: reinstall what stop removed (upstream GET; POST is the same)', description: START_DESCRIPTION })
  @GraphCommandResponses('Graph started')
  @ApiProblems(422, 503)
  async startGet(@Param('name') name: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.start(name, request, reply);
  }

  @Post('graphs/:name/start')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Start a stopped graph', description: START_DESCRIPTION })
  @GraphCommandResponses('Graph started')
  @ApiProblems(422, 503)
  async startPost(@Param('name') name: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.start(name, request, reply);
  }

  @Get('graphs/:name/stop')
  @ChangesState()
  @ApiOperation({ summary: 'Stop a running graph: uninstall its services (upstream GET; POST is the same)' })
  @GraphCommandResponses('Graph stopped')
  async stopGet(@Param('name') name: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.command(name, { type: 'StopGraph', data: { graphId: name } }, request, reply, 'Graph stopped\n');
  }

  @Post('graphs/:name/stop')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Stop a running graph' })
  @GraphCommandResponses('Graph stopped')
  async stopPost(@Param('name') name: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.command(name, { type: 'StopGraph', data: { graphId: name } }, request, reply, 'Graph stopped\n');
  }

  @Post('graphs/:name/retry')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Retry the services whose install or upgrade failed, or that are still on their way (their deployment step parked while the cluster could not be reached) (on a removed graph with releases left: their uninstall; on a running graph whose latest placement failed, never placed or left where it was by a failed re-placement: its placement)',
  })
  @GraphCommandResponses('Retry requested')
  @ApiProblems(422)
  async retry(@Param('name') name: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const context = requestContext(request);
    const result = await this.execute({ type: 'RetryDeployment', data: { graphId: name, requestId: context.commandId } }, context);
    // Placed again: answered once the placement is decided, as a re-placement is (its installs follow).
    const placing = result.events[0]?.type === 'ReplacementRequested';
    if (!placing) return this.answer(name, result, reply, 'Retry requested\n');
    await this.answer(name, result, reply, `Retry requested: placing graph ${name} again\n`, 'placement', true);
  }

  private async replace(name: string, request: FastifyRequest, reply: FastifyReply, options: { mode?: 'apply' | 'propose'; maxMoves?: number } = {}): Promise<void> {
    const context = requestContext(request);
    await this.command(
      name,
      { type: 'RequestReplacement', data: { graphId: name, requestId: context.commandId, reason: 'manual', detail: null, ...options } },
      request,
      reply,
      `Placement of graph ${name} triggered\n`,
      'placement',
      context,
    );
  }

  /**
   * `?mode=propose`: asks for a re-placement to approve, waits (bounded) for the placement processor's
   * answer in the graph's stream, and answers it: 201 with the proposal, 200 when nothing would
   * move (no proposal is recorded), 422 when no placement fits, 202 while it is still being computed.
   */
  private async propose(name: string, budget: { maxMoves?: number }, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const context = requestContext(request);
    const result = await this.execute({ type: 'RequestReplacement', data: { graphId: name, requestId: context.commandId, reason: 'manual', detail: null, mode: 'propose', ...budget } }, context);
    void reply.header('etag', etag(result.revision));
    if (result.position !== null) void reply.header('x-event-position', String(result.position));
    const requestId = result.eventIds[0]!;
    const deadline = Date.now() + this.runtime.config.deployWaitSeconds * 1000;
    const outcome = await this.waitForPlacementOutcome(name, requestId, result.revision + 1, deadline);
    // Answered once the read model shows it too, so that Location can be followed at once.
    const doc = outcome && (await this.waitForGraph(name, outcome.revision, Math.max(0, deadline - Date.now()), { settled: false }));
    if (!outcome || !doc) {
      await reply.status(HttpStatus.ACCEPTED).header('location', `/graphs/${name}`).type(TEXT).send(`Placement of graph ${name} triggered\n`);
      return;
    }
    void reply.header('etag', etag(doc.revision));
    const { event } = outcome;
    if (event.type === 'PlacementFailed') {
      throw ProblemException.of(HttpStatus.UNPROCESSABLE_ENTITY, `No placement to propose for graph ${name}: ${event.data.detail}`, { graph: `/graphs/${name}`, bindingResource: event.data.bindingResource });
    }
    if (event.type === 'PlacementProposed') {
      const location = `/graphs/${name}/proposals/${requestId}`;
      const { diff, why, expiresAt } = event.data;
      await reply.status(HttpStatus.CREATED).header('location', location).send({ graph: name, proposalId: requestId, status: 'pending', diff, why, expiresAt, location });
      return;
    }
    await reply.status(HttpStatus.OK).send({ graph: name, proposalId: null, status: 'unchanged', diff: [], why: event.data.why, expiresAt: null, location: null });
  }

  /** The event that answers a re-placement request, read from the graph's stream in bounded pages from `fromRevision`, or null at the deadline. */
  private async waitForPlacementOutcome(name: string, requestId: string, fromRevision: number, deadline: number): Promise<{ event: PlacementOutcome; revision: number } | null> {
    const answers = (event: RecordedEvent): event is RecordedEvent & PlacementOutcome => {
      if (!isGraphEvent(event)) return false;
      if (event.type === 'PlacementProposed') return event.data.proposalId === requestId;
      if (event.type === 'PlacementUnchanged') return event.data.requestId === requestId;
      return event.type === 'PlacementFailed' && event.data.decisionId === requestId;
    };
    const progressed = this.graphProgress(deadline);
    let next = fromRevision;
    for (;;) {
      const page = await this.runtime.eventStore.readStream(graphStream(name), { fromRevision: next, maxCount: OUTCOME_PAGE });
      const found = page.find(answers);
      if (found) return { event: found, revision: found.revision };
      next = (page.at(-1)?.revision ?? next - 1) + 1;
      if (page.length === OUTCOME_PAGE) continue;
      if (!(await progressed())) return null;
    }
  }

  /**
   * Runs a command, waits (bounded) until what it asked for is done — the graph settled, its
   * re-placement decided and applied, or its releases gone — and answers upstream's text.
   */
  private async command(
    name: string,
    command: GraphCommand,
    request: FastifyRequest,
    reply: FastifyReply,
    text: string,
    waitFor: 'settled' | 'placement' | 'removal' = 'settled',
    context = requestContext(request),
  ): Promise<void> {
    await this.answer(name, await this.execute(command, context), reply, text, waitFor);
  }

  /** Answers a command's result once what it asked for is done (bounded wait; 202 when the time is up). */
  private async answer(
    name: string,
    result: Awaited<ReturnType<GraphsController['execute']>>,
    reply: FastifyReply,
    text: string,
    waitFor: 'settled' | 'placement' | 'removal' = 'settled',
    /** A placement asked for by the command that failed is refused as a deploy's is (422), not answered 200. */
    refuseFailedPlacement = false,
  ): Promise<void> {
    void reply.header('etag', etag(result.revision));
    if (result.position !== null) void reply.header('x-event-position', String(result.position));
    const waitMs = this.runtime.config.deployWaitSeconds * 1000;
    const requestId = result.eventIds[0];
    const decided = (doc: GraphDocument) =>
      doc.state.placement?.decisionId === requestId || doc.state.placementFailure?.decisionId === requestId || doc.state.proposals.some((p) => p.proposalId === requestId);
    let doneAt: number | null | undefined;
    if (waitFor === 'removal') doneAt = await this.waitUntilRemoved(name, waitMs);
    else {
      const done = await this.waitUntilSettled(name, result.revision, waitMs, waitFor === 'placement' ? decided : undefined);
      if (refuseFailedPlacement && done?.state.placementFailure && done.state.placementFailure.decisionId === requestId) throw placementRefusal(done.state);
      doneAt = done?.revision;
    }
    if (doneAt === undefined || doneAt === null) {
      // Not done: the text says so, not what a done command says ("Removal successful" for a removal whose uninstall failed).
      const accepted =
        waitFor === 'removal'
          ? `Removal requested, not finished: a release of graph ${name} is still being uninstalled, or its uninstall failed; DELETE /graphs/${name} again retries it\n`
          : `${text.trimEnd()}: accepted, not settled yet; GET /graphs/${name} follows it\n`;
      await reply.status(HttpStatus.ACCEPTED).header('location', `/graphs/${name}`).type(TEXT).send(accepted);
      return;
    }
    // Done: the graph has moved on since the command's own events; the answer carries where it is now.
    await reply.status(HttpStatus.OK).header('etag', etag(doneAt)).type(TEXT).send(text);
  }

  private execute(command: GraphCommand, context: ReturnType<typeof requestContext>) {
    return this.commandBus.execute(graphUseCaseOf(command, context));
  }

  /** The graph as its events say it was then (computed, not stored). */
  private async findAsOf(name: string, at: string): Promise<GraphDocument> {
    const asOf = parseAsOf(at);
    if (!asOf) {
      const message = 'must be an ISO 8601 date or time with its offset (Z or ±hh:mm), on a date that exists, or a whole event position of at most 15 digits';
      throw ProblemException.of(HttpStatus.BAD_REQUEST, `at ${message}`, { errors: [{ pointer: '/at', message }] });
    }
    const doc = await graphAsOf(this.runtime.eventStore, name, asOf);
    if (!doc) throw ProblemException.of(HttpStatus.NOT_FOUND, `Graph with name ${name} did not exist at ${at}`);
    return doc;
  }

  /** With PROMETHEUS_HOST, events' queries are parsed by Prometheus itself at submission. */
  private promqlCheck(): PromqlCheck | undefined {
    const prometheus = this.runtime.integrations.prometheus;
    return prometheus ? (promql, signal) => prometheus.checkExpression(promql, signal) : undefined;
  }

  /** With SMO_ALLOWED_REGISTRIES set, every chart must come from one of them. */
  private refuseUnlistedRegistries(charts: string[]): void {
    const allowed = this.runtime.config.security.allowedRegistries;
    if (allowed.length === 0) return;
    const problems = charts.flatMap((chart, index) => {
      const host = registryOf(chart);
      return host && allowed.includes(host) ? [] : [{ pointer: `/hdaGraph/services/${index}/artifact/ociImage`, message: `registry ${host ?? '?'} is not in SMO_ALLOWED_REGISTRIES` }];
    });
    if (problems.length > 0) throw new ProblemException(toProblemDetails(400, problems));
  }

  /** Waits (bounded) until the graph, at least at `revision`, has settled and passes `also`; null when the time is up. */
  private waitUntilSettled(name: string, revision: number, timeoutMs: number, also?: (doc: GraphDocument) => boolean): Promise<GraphDocument | null> {
    return this.waitForGraph(name, revision, timeoutMs, { settled: true, ...(also ? { also } : {}) });
  }

  /**
   * Re-reads the graph each time the graphs projection has moved on, until its document is at least at `revision`,
   * settled if asked, and passes `also`; null when the time is up. Its summary, written with the document and a few
   * hundred bytes, is read first, and the document (about 1.4 KB a service) only once the summary is that far: a
   * deploy of 300 services otherwise read and parsed its 400 KB after each of their events.
   */
  private async waitForGraph(name: string, revision: number, timeoutMs: number, wanted: { settled: boolean; also?: (doc: GraphDocument) => boolean }): Promise<GraphDocument | null> {
    const progressed = this.graphProgress(Date.now() + timeoutMs);
    const ready = (doc: { revision: number; settled: boolean }) => doc.revision >= revision && (doc.settled || !wanted.settled);
    do {
      const summary = await this.runtime.readStore.get<GraphSummaryDocument>(graphSummaries.collection, name);
      if (!summary || !ready(summary.doc)) continue;
      const found = await this.runtime.readStore.get<GraphDocument>(graphsProjection.collection, name);
      if (found && ready(found.doc) && (wanted.also?.(found.doc) ?? true)) return found.doc;
    } while (await progressed());
    return null;
  }

  /**
   * Removal is done when its releases are gone (the graph's stream records the uninstalls, after the read
   * model has already dropped the graph) and the deployment processor has finished the step that recorded
   * the last one — that step also frees the graph's release names: the stream's revision then, or null
   * when the time is up.
   */
  private async waitUntilRemoved(name: string, timeoutMs: number): Promise<number | null> {
    const deadline = Date.now() + timeoutMs;
    const progressed = this.graphProgress(deadline);
    do {
      const { state, revision } = await this.runtime.graphs.load(name);
      if (state.kind === 'exists' && state.removed && !state.services.some(holdsRelease)) {
        const head = (await this.runtime.eventStore.headPosition()) ?? 0;
        const stepDone = await this.runtime.processing
          .whenProcessed(head, { names: [DEPLOYMENT_PROCESSOR], includeProcessors: true, timeoutMs: Math.max(1, deadline - Date.now()) })
          .then(() => true, () => false);
        return stepDone ? revision : null;
      }
    } while (await progressed());
    return null;
  }

  /**
   * A waiter that resolves true each time the graphs projection has processed events newer than at the
   * previous call (first: the head of the log), through the processing host's `whenProcessed` awaiter;
   * false once `deadline` has passed. Graph events are what move a graph on, so re-checking only then
   * replaces a timer poll.
   */
  private graphProgress(deadline: number): () => Promise<boolean> {
    let seen = -1;
    return async () => {
      const head = (await this.runtime.eventStore.headPosition()) ?? 0;
      const target = head > seen ? head : seen + 1;
      const timeoutMs = deadline - Date.now();
      if (timeoutMs <= 0) return false;
      try {
        await this.runtime.processing.whenProcessed(target, { names: [graphsProjection.name], timeoutMs });
      } catch {
        return false; // not reached within the time left
      }
      seen = target;
      return true;
    };
  }
}

/** The processor that uninstalls releases and records each outcome (`DeploymentProcessor.name`). */
const DEPLOYMENT_PROCESSOR = 'deployment';

/** The answers of a graph command: upstream's text once done, the same text with 202 while still under way. */
function GraphCommandResponses(text: string): MethodDecorator {
  return applyDecorators(
    ApiNameParam('name', 'the graph id'),
    ApiIfMatchHeader(),
    ApiIdempotencyHeader(),
    ApiText(200, `Done: "${text}"`, ['etag', 'event-position']),
    ApiText(202, `Recorded, still under way (follow Location): "${text}"`, ['etag', 'event-position', 'location']),
    ApiProblems(404, 409, 412),
  );
}

/** `host[:port]` of a chart reference such as oci://registry:5000/project/chart, lower-cased. */
export function registryOf(reference: string): string | null {
  try {
    return new URL(reference).host.toLowerCase() || null;
  } catch {
    return null;
  }
}

/** The client asked for JSON (the `smo` command does) rather than upstream's text lines. */
function prefersJson(request: FastifyRequest): boolean {
  const accept = String(request.headers.accept ?? '');
  return /\bapplication\/(?:[\w.-]+\+)?json\b/i.test(accept) && !/\btext\/html\b/i.test(accept);
}

/** The request body exactly as sent: JSON keeps its raw bytes (rawBody), YAML arrives as a Buffer. */
function rawBody(request: FastifyRequest): Buffer {
  const raw = (request as FastifyRequest & { rawBody?: Buffer }).rawBody;
  if (raw) return raw;
  if (Buffer.isBuffer(request.body)) return request.body;
  return Buffer.alloc(0);
}

/** A graph whose placement failed, answered as the deploy answers it: 422 with the reason and the resource that did not fit. */
function placementRefusal(graph: ExistingGraph, warnings?: unknown): ProblemException {
  const failure = graph.placementFailure!;
  return ProblemException.of(
    HttpStatus.UNPROCESSABLE_ENTITY,
    `Graph ${graph.graphId} was recorded but could not be placed: ${failure.detail}${awaitsPlacementRetry(graph) ? ` (POST /graphs/${graph.graphId}/retry places it again)` : ''}`,
    {
      graph: `/graphs/${graph.graphId}`,
      bindingResource: failure.bindingResource,
      // An intent that cannot be met is named as the requirement, as POST /placement/plan does.
      ...(isIntent(failure.bindingResource) ? { requirement: failure.bindingResource } : {}),
      ...(warnings === undefined ? {} : { warnings }),
    },
  );
}
