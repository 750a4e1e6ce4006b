import { Controller, Delete, Get, HttpCode, HttpStatus, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { osK8sClusterUseCaseOf } from '../../app/cqrs';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Runtime } from '../../app/runtime';
import { RUNTIME } from '../../app/runtime.token';
import { syncOsK8sClustersFromNfvcl } from '../../application/nfvcl-sync';
import { live, scalable } from '../../domain/os-k8s-cluster/decide';
import { k8sAddNodeBody } from '../../integrations/nfvcl/nfvcl-bodies';
import { Mutex } from '../../shared/mutex';
import type { OsK8sClusterDocument } from '../../../projections/os-k8s-clusters.projection';
import { ApiIdempotencyHeader, ApiJson, ApiProblems, ApiQueryParam, ApiStringParam } from '../openapi/responses';
import { arrayOf, schemaRef, shape } from '../openapi/schemas';
import { ProblemException } from '../problem';
import { requestContext } from '../request-context';
import { askNfvcl, nfvclCallDeps, requestedOperation } from './nfvcl-call';
import { callNfvcl, requireNfvcl } from './nfvcl-problem';
import { provisionOsK8sCluster } from './provision-cluster';
import { badRequest, validBody } from '../validation/request-body';
import { ClusterRequestBody, jsonBodyOf, parsePopAreaQuery, ScaleOutBody } from './request-bodies';
import { toOsK8sClusterView, type OsK8sClusterView } from './views';

const CREATED = 'OS K8S cluster created successfully';

/**
 * Upstream's OpenStack Kubernetes routes. POST asks NFVCL for a blueprint and answers 201
 * once NFVCL accepted it; the cluster is `Provisioning` until the provisioning processor records
 * it ready (`Provisioned`) or not (`Failed`). B15 fixed in the sync: `pop_area` is an integer, and
 * only that area's clusters can be removed.
 */
@ApiTags('nfvcl')
@Controller('os_k8s')
export class OsK8sController {
  /** Syncs run one at a time in this instance (they only read NFVCL; the changes go through the NFVCL calls processor). */
  private readonly writes = new Mutex();

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly commandBus: CommandBus,
  ) {}

  @Get('clusters')
  @ApiOperation({ summary: 'The OpenStack Kubernetes clusters (upstream columns plus status, origin, failure)' })
  @ApiJson(200, 'The clusters, or a sentence when there are none', { oneOf: [{ type: 'string' }, arrayOf(schemaRef('OsK8sClusterView'))] })
  async list(@Res() reply: FastifyReply): Promise<void> {
    const docs = await this.runtime.readStore.find<OsK8sClusterDocument>('os-k8s-clusters', { orderBy: [{ field: 'requestedAt' }, { field: 'smoId' }] });
    const body = docs.length === 0 ? 'No Registered OS_K8S Clusters' : docs.map(({ doc }) => toOsK8sClusterView(doc));
    await reply.status(HttpStatus.OK).type('application/json').send(JSON.stringify(body));
  }

  @Post('clusters')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Ask NFVCL for a Kubernetes cluster on a registered VIM (POST /nfvcl/v2/api/blue/k8s)',
    description: 'Answers 201 once NFVCL accepted the request; follow `Location` until `status` is Provisioned or Failed. `worker_replicas` (default 1) is an SMO extension.',
  })
  @ApiBody({ type: ClusterRequestBody, examples: { brussels: { summary: 'One worker on os-brussels', value: { pop_area: 0, vim_name: 'os-brussels' } } } })
  @ApiIdempotencyHeader()
  @ApiJson(201, 'NFVCL accepted the request; follow Location', shape({ message: { type: 'string' }, NFVCL_Response: {}, smo_id: { type: 'string' } }), ['location'])
  @ApiProblems(404, 409, 422, 502, 503, 504)
  async create(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    requireNfvcl(this.runtime);
    const { pop_area: area, vim_name: vimName, worker_replicas: workerReplicas = 1 } = validBody(ClusterRequestBody, jsonBodyOf(request));
    const context = requestContext(request, { allowIfMatch: false, keyAcrossRoutes: true });
    const { smoId, nfvclResponse } = await provisionOsK8sCluster(this.runtime, this.commandBus, { popArea: Number(area), vimName, workerReplicas }, context);
    await this.caughtUp(null);
    void reply.header('location', `/os_k8s/cluster/${smoId}`);
    return { message: CREATED, NFVCL_Response: nfvclResponse, smo_id: smoId };
  }

  @Get('cluster/:smoId')
  @ApiOperation({ summary: 'One OpenStack Kubernetes cluster' })
  @ApiStringParam('smoId', 'the cluster id, OS_K8S_<pop_area>_<5 letters>')
  @ApiJson(200, 'The cluster', 'OsK8sClusterView')
  @ApiProblems(404)
  async get(@Param('smoId') smoId: string): Promise<OsK8sClusterView> {
    const found = await this.runtime.readStore.get<OsK8sClusterDocument>('os-k8s-clusters', smoId);
    if (!found) throw ProblemException.of(HttpStatus.NOT_FOUND, 'OS_K8S cluster not found');
    return toOsK8sClusterView(found.doc);
  }

  @Delete('cluster/:smoId')
  @ApiOperation({ summary: 'Delete the cluster: its blueprint in NFVCL (DELETE /nfvcl/v2/api/blue/{id}), then in SMO' })
  @ApiStringParam('smoId', 'the cluster id')
  @ApiJson(200, 'Deleted', shape({ message: { type: 'string' } }))
  @ApiProblems(404, 409, 502, 503, 504)
  async remove(@Param('smoId') smoId: string, @Req() request: FastifyRequest) {
    requireNfvcl(this.runtime);
    const context = requestContext(request, { allowIfMatch: false, keyAcrossRoutes: true });
    const operation = await requestedOperation(this.runtime.nfvclCalls, context, 'delete-k8s', (earlier) => earlier.smoId === smoId, async () => {
      const cluster = live((await this.runtime.osK8sClusters.load(smoId)).state);
      if (cluster.blueprintId === null && cluster.status === 'Provisioning') {
        throw ProblemException.of(HttpStatus.CONFLICT, `OS K8S cluster ${smoId} is still being provisioned and NFVCL has not named its blueprint yet; retry shortly`);
      }
      return { kind: 'delete-k8s', smoId, blueprintId: cluster.blueprintId };
    });
    await askNfvcl(nfvclCallDeps(this.runtime, this.commandBus), operation, context, 'Failed to delete blueprint in NFVCL API: ');
    await this.caughtUp(null);
    return { message: 'OS K8S cluster deleted successfully' };
  }

  @Post('scale-out/:smoId')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Add workers to a provisioned cluster (NFVCL day-2 add_node); one by default, `{"worker_replicas": n}` for more' })
  @ApiStringParam('smoId', 'the cluster id')
  @ApiBody({ required: false, type: ScaleOutBody })
  @ApiJson(200, 'NFVCL is adding the workers', shape({ message: { type: 'string' }, NFVCL_Response: {} }))
  @ApiProblems(404, 409, 502, 503, 504)
  async scaleOut(@Param('smoId') smoId: string, @Req() request: FastifyRequest) {
    requireNfvcl(this.runtime);
    const given = jsonBodyOf(request);
    // No body: upstream adds one worker.
    const { worker_replicas: workerReplicas = 1 } = given === undefined || given === '' ? {} : validBody(ScaleOutBody, given);
    const context = requestContext(request, { allowIfMatch: false, keyAcrossRoutes: true });
    const operation = await requestedOperation(this.runtime.nfvclCalls, context, 'scale-out-k8s', (earlier) => earlier.smoId === smoId, async () => {
      const cluster = live((await this.runtime.osK8sClusters.load(smoId)).state);
      const blueprintId = scalable(cluster);
      const nfvclRequest = k8sAddNodeBody({ popArea: cluster.popArea ?? 0, mgmtNetwork: cluster.mgmtNetwork, serviceNetwork: cluster.serviceNetwork, workerReplicas });
      return { kind: 'scale-out-k8s', smoId, blueprintId, addedWorkers: workerReplicas, nfvclRequest };
    });
    const answer = await askNfvcl(nfvclCallDeps(this.runtime, this.commandBus), operation, context);
    await this.caughtUp(null);
    return { message: 'Node added to k8s cluster successfully', NFVCL_Response: answer.nfvclResponse };
  }

  @Post('sync/nfvcl_k8s')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: "Bring SMO's clusters in line with NFVCL's Kubernetes blueprints, optionally of one area" })
  @ApiQueryParam('pop_area', 'only this area', { type: 'integer', minimum: 0, maximum: 999_999_999_999_999 })
  @ApiJson(200, 'What was added, updated and deleted', arrayOf({ type: 'object', required: ['message'], properties: { message: { type: 'string' } } }))
  @ApiProblems(502, 503, 504)
  async sync(@Query('pop_area') popAreaQuery: unknown, @Req() request: FastifyRequest) {
    const nfvcl = requireNfvcl(this.runtime);
    const popArea = parsePopAreaQuery(popAreaQuery);
    if (!popArea.ok) throw badRequest(popArea.problems);
    const context = requestContext(request, { allowIfMatch: false, keyAcrossRoutes: true });
    const outcome = await this.writes.run(() =>
      callNfvcl(() =>
        syncOsK8sClustersFromNfvcl(
          {
            nfvcl,
            dispatch: (command, step) => this.commandBus.execute(osK8sClusterUseCaseOf(command, step)),
            readStore: this.runtime.readStore,
            karmadaConfigured: this.runtime.config.karmada.kubeconfig !== undefined,
            clusters: this.runtime.osK8sClusters,
            calls: this.runtime.nfvclCalls,
          },
          popArea.value,
          context,
        ),
      ),
    );
    await this.caughtUp(null);
    const rows = async (ids: string[]) => {
      const docs = await this.runtime.readStore.getMany<OsK8sClusterDocument>('os-k8s-clusters', ids);
      return ids.flatMap((id) => {
        const found = docs.get(id);
        return found ? [toOsK8sClusterView(found.doc)] : [];
      });
    };
    const messages: Record<string, unknown>[] = [];
    if (outcome.added.length) messages.push({ message: 'New Openstack k8s added successfully', added_nfvcl_k8s: await rows(outcome.added) });
    if (outcome.updated.length) messages.push({ message: 'Existing Openstack k8s updated successfully', updated_nfvcl_k8s: await rows(outcome.updated) });
    if (outcome.deleted.length) messages.push({ message: 'Deleted Openstack k8s successfully', deleted_nfvcl_k8s: outcome.deleted });
    return messages.length ? messages : [{ message: 'Openstack k8s are already synced...' }];
  }


  private async caughtUp(position: number | null): Promise<void> {
    const target = position ?? (await this.runtime.eventStore.headPosition()) ?? 0;
    await this.runtime.processing.whenProcessed(target, { names: ['os-k8s-clusters'] });
  }
}
