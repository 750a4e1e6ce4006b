import { applyDecorators, Controller, Delete, Get, HttpCode, HttpStatus, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { receiveGraphSubmission, toProblemDetails } from '../../descriptor';
import type { GraphCommand } from '../../domain/graph/commands';
import { graphAsOf, parseAsOf } from '../audit/graph-history';
import { ExecuteGraphCommand } from '../../app/cqrs';
import type { Runtime } from '../../app/runtime';
import { RUNTIME } from '../../app/runtime.token';
import type { GraphDocument } from '../../../projections/graphs.projection';
import { ProblemException } from '../problem';
import { ApiIdempotencyHeader, ApiIfMatchHeader, ApiJson, ApiNameParam, ApiPreferHeader, ApiProblems, ApiQueryParam, ApiStringParam, ApiText } from '../openapi/responses';
import { schemaRef } from '../openapi/schemas';
import { etag, requestContext } from '../request-context';
import { BRUSSELS_EXAMPLE } from './examples';
import { toGraphView, type GraphView } from './graph-view';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const TEXT = 'text/html; charset=utf-8';

/** The graph routes of the upstream SMO (§2.1), with POST variants of its state-changing GETs. */
@ApiTags('graphs')
@Controller()
export class GraphsController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly commandBus: CommandBus,
  ) {}

  @Get('project/:project/graphs')
  @ApiOperation({ summary: 'The graphs of a project' })
  @ApiNameParam('project', 'the project (a Kubernetes namespace)')
  @ApiJson(200, 'Graph views (upstream Graph.to_dict() plus placement, revision, failures)', ['GraphView'])
  async list(@Param('project') project: string): Promise<GraphView[]> {
    checkProject(project);
    const docs = await this.runtime.readStore.find<GraphDocument>('graphs', { where: { project }, orderBy: [{ field: 'name' }] });
    return docs.map(({ doc }) => toGraphView(doc));
  }

  @Post('project/:project/graphs')
  @ApiOperation({
    summary: 'Deploy an HDAG graph',
    description:
      'Body: `{"hdaGraph": …}`, a JSON string holding the YAML or JSON descriptor (the upstream form), a YAML body, or `{"artifact": "<ref>"}`. ' +
      'Answers 200 once every service is Deployed, Pending or Failed, or 202 with Location when `Prefer: respond-async` is sent or settling takes longer than SMO_DEPLOY_WAIT.',
  })
  @ApiConsumes('application/json', 'application/x-yaml', 'application/yaml', 'text/yaml')
  @ApiBody({ schema: schemaRef('DeployRequest'), examples: { brussels: { summary: 'The Brussels demo', value: BRUSSELS_EXAMPLE } } })
  @ApiNameParam('project', 'the project (a Kubernetes namespace)')
  @ApiPreferHeader()
  @ApiIdempotencyHeader()
  @ApiText(200, 'Every service is Deployed, Pending or Failed: "Graph deployment successful"', ['etag', 'location', 'event-position'])
  @ApiJson(202, 'Recorded; still settling (or `Prefer: respond-async`): follow Location', 'DeployAccepted', ['etag', 'location', 'event-position'])
  @ApiProblems(409, 422, 502, 504)
  async deploy(@Param('project') project: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    checkProject(project);
    const context = requestContext(request, { allowIfMatch: false });
    const body = rawBody(request);
    const outcome = await receiveGraphSubmission(
      { contentType: request.headers['content-type'], body },
      { artifacts: this.runtime.integrations.artifacts, limits: { maxBodyBytes: this.runtime.config.maxBodyBytes } },
    );
    if (!outcome.ok) throw new ProblemException(toProblemDetails(outcome.status, outcome.problems));
    const { submission } = outcome;
    const graphId = submission.normalised.id;
    this.refuseUnlistedRegistries(submission.normalised.services.map((s) => s.artifact.ref));
    await this.refuseReleaseClashes(project, graphId, submission.normalised.services.map((s) => s.id));
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
    void reply.header('etag', etag(result.revision)).header('location', location);
    if (result.position !== null) void reply.header('x-event-position', String(result.position));
    const wantsAsync = /respond-async/i.test(String(request.headers.prefer ?? ''));
    const settled = wantsAsync ? null : await this.waitUntilSettled(graphId, result.revision, this.runtime.config.deployWaitSeconds * 1000);
    if (!settled) {
      await reply.status(HttpStatus.ACCEPTED).type('application/json').send({ name: graphId, status: 'Deploying', location });
      return;
    }
    if (settled.state.placementFailure) {
      throw ProblemException.of(HttpStatus.UNPROCESSABLE_ENTITY, `Graph ${graphId} was recorded but could not be placed: ${settled.state.placementFailure.detail}`, {
        graph: location,
        bindingResource: settled.state.placementFailure.bindingResource,
      });
    }
    await reply.status(HttpStatus.OK).type(TEXT).send('Graph deployment successful\n');
  }

  @Get('graphs/:name')
  @ApiOperation({ summary: 'One graph (upstream view plus placement, revision and failures); ETag is its revision; ?at=<ISO time|position> shows it as it was' })
  @ApiNameParam('name', 'the graph id')
  @ApiQueryParam('at', 'an ISO 8601 time or a global event position', { anyOf: [{ type: 'string', pattern: '^[0-9]{1,15}$' }, { type: 'string', format: 'date-time' }] })
  @ApiJson(200, 'The graph', 'GraphView', ['etag'])
  @ApiProblems(404)
  async get(@Param('name') name: string, @Query('at') at: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<GraphView> {
    const doc = at === undefined ? await this.find(name) : await this.findAsOf(name, at);
    void reply.header('etag', etag(doc.revision));
    return toGraphView(doc);
  }

  @Delete('graphs/:name')
  @ApiOperation({ summary: 'Remove a graph: uninstall its services, delete its dashboards' })
  @GraphCommandResponses('Removal successful')
  async remove(@Param('name') name: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.command(name, { type: 'RemoveGraph', data: { graphId: name } }, request, reply, 'Removal successful\n', 'removal');
  }

  @Get('graphs/:name/placement')
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
  @GraphCommandResponses('Placement of graph <name> triggered')
  async placementPost(
    @Param('name') name: string,
    @Query('mode') mode: string | undefined,
    @Query('maxMoves') maxMoves: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (mode !== undefined && mode !== 'apply' && mode !== 'propose') throw ProblemException.of(HttpStatus.BAD_REQUEST, 'mode must be apply or propose');
    if (maxMoves !== undefined && !/^\d{1,4}$/.test(maxMoves)) throw ProblemException.of(HttpStatus.BAD_REQUEST, 'maxMoves must be a whole number');
    await this.replace(name, request, reply, { ...(mode ? { mode } : {}), ...(maxMoves !== undefined ? { maxMoves: Number(maxMoves) } : {}) });
  }

  @Post('graphs/:name/placements/:proposal/approve')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Apply a placement proposal: exactly its moves' })
  @ApiStringParam('proposal', 'the proposal id')
  @GraphCommandResponses('Proposal <id> applied')
  async approve(@Param('name') name: string, @Param('proposal') proposal: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.command(name, { type: 'ApprovePlacementProposal', data: { graphId: name, proposalId: proposal, now: new Date().toISOString() } }, request, reply, `Proposal ${proposal} applied\n`);
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
  @ApiOperation({ summary: 'Start a stopped graph: reinstall what stop removed (upstream GET; POST is the same)' })
  @GraphCommandResponses('Graph started')
  async startGet(@Param('name') name: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.command(name, { type: 'StartGraph', data: { graphId: name } }, request, reply, 'Graph started\n');
  }

  @Post('graphs/:name/start')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Start a stopped graph' })
  @GraphCommandResponses('Graph started')
  async startPost(@Param('name') name: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.command(name, { type: 'StartGraph', data: { graphId: name } }, request, reply, 'Graph started\n');
  }

  @Get('graphs/:name/stop')
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
  @ApiOperation({ summary: 'Retry the services whose install or upgrade failed' })
  @GraphCommandResponses('Retry requested')
  async retry(@Param('name') name: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.command(name, { type: 'RetryDeployment', data: { graphId: name } }, request, reply, 'Retry requested\n');
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
    const result = await this.execute(command, context);
    void reply.header('etag', etag(result.revision));
    if (result.position !== null) void reply.header('x-event-position', String(result.position));
    const waitMs = this.runtime.config.deployWaitSeconds * 1000;
    const requestId = result.eventIds[0];
    const decided = (doc: GraphDocument) =>
      doc.state.placement?.decisionId === requestId || doc.state.placementFailure?.decisionId === requestId || doc.state.proposals.some((p) => p.proposalId === requestId);
    const done =
      waitFor === 'removal'
        ? await this.waitUntilRemoved(name, waitMs)
        : await this.waitUntilSettled(name, result.revision, waitMs, waitFor === 'placement' ? decided : () => true);
    if (!done) {
      await reply.status(HttpStatus.ACCEPTED).header('location', `/graphs/${name}`).type(TEXT).send(text);
      return;
    }
    await reply.status(HttpStatus.OK).type(TEXT).send(text);
  }

  private execute(command: GraphCommand, context: ReturnType<typeof requestContext>) {
    return this.commandBus.execute(new ExecuteGraphCommand(command, context));
  }

  /** The graph as its events say it was then (computed, not stored). */
  private async findAsOf(name: string, at: string): Promise<GraphDocument> {
    const asOf = parseAsOf(at);
    if (!asOf) throw ProblemException.of(HttpStatus.BAD_REQUEST, 'at must be an ISO 8601 time or a whole event position');
    const doc = await graphAsOf(this.runtime.eventStore, name, asOf);
    if (!doc) throw ProblemException.of(HttpStatus.NOT_FOUND, `Graph with name ${name} did not exist at ${at}`);
    return doc;
  }

  private async find(name: string): Promise<GraphDocument> {
    const found = await this.runtime.readStore.get<GraphDocument>('graphs', name);
    if (!found) throw ProblemException.of(HttpStatus.NOT_FOUND, `Graph with name ${name} not found`);
    return found.doc;
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

  /** Helm release names are service ids within the project namespace: two graphs there cannot share one (B23). */
  private async refuseReleaseClashes(project: string, graphId: string, serviceIds: string[]): Promise<void> {
    const others = await this.runtime.readStore.find<GraphDocument>('graphs', { where: { project } });
    for (const { doc } of others) {
      if (doc.name === graphId) continue;
      const clash = doc.state.services.find((service) => serviceIds.includes(service.id));
      if (clash) {
        throw ProblemException.of(HttpStatus.CONFLICT, `Service ${clash.id} already runs in project ${project} (graph ${doc.name}); Helm release names must be unique per project`);
      }
    }
  }

  /** Polls the read model until the graph (at least at `revision`) has settled, or the time is up. */
  private async waitUntilSettled(name: string, revision: number, timeoutMs: number, also: (doc: GraphDocument) => boolean = () => true): Promise<GraphDocument | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await this.runtime.readStore.get<GraphDocument>('graphs', name);
      if (found && found.doc.revision >= revision && found.doc.settled && also(found.doc)) return found.doc;
      if (Date.now() >= deadline) return null;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Removal is done when its releases are gone (the graph's stream records the uninstalls). */
  private async waitUntilRemoved(name: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { state } = await this.runtime.graphs.load(name);
      if (state.kind === 'exists' && state.removed && !state.services.some((s) => s.installed || s.status === 'Uninstalling')) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

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

/** A project becomes a Kubernetes namespace: anything but a DNS-1123 label is refused (400). */
function checkProject(project: string): void {
  if (!DNS_LABEL.test(project)) {
    throw new ProblemException({ ...toProblemDetails(400, [{ pointer: '/project', message: 'must be a DNS-1123 label: it becomes the Kubernetes namespace' }]) });
  }
}

/** `host[:port]` of a chart reference such as oci://registry:5000/project/chart, lower-cased. */
export function registryOf(reference: string): string | null {
  try {
    return new URL(reference).host.toLowerCase() || null;
  } catch {
    return null;
  }
}

/** The request body exactly as sent: JSON keeps its raw bytes (rawBody), YAML arrives as a Buffer. */
function rawBody(request: FastifyRequest): Buffer {
  const raw = (request as FastifyRequest & { rawBody?: Buffer }).rawBody;
  if (raw) return raw;
  if (Buffer.isBuffer(request.body)) return request.body;
  return Buffer.alloc(0);
}
