import { Controller, Get, HttpCode, HttpStatus, Inject, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApproveClusterProvisioning, RecordClusterApprovalFailure, RejectClusterProvisioning } from '../../app/cqrs';
import type { Runtime } from '../../app/runtime';
import { RUNTIME } from '../../app/runtime.token';
import { nfvclCallIdOf } from '../../application/nfvcl-calls';
import type { ExistingGraph, ProvisioningProposal } from '../../domain/graph/state';
import { askForCluster, clusterCreation } from '../nfvcl/provision-cluster';
import { deterministicId } from '../../shared/deterministic-id';
import { requireNfvcl } from '../nfvcl/nfvcl-problem';
import { ApiIdempotencyHeader, ApiJson, ApiNameParam, ApiProblems, ApiStringParam } from '../openapi/responses';
import { ProblemException } from '../problem';
import { requestContext } from '../request-context';

/**
 * Cluster provisioning proposals of a graph (src/optimizer/README.md "Capacity gaps"): when no placement fits and NFVCL
 * is configured, a new cluster sized from the gap is proposed; approving it asks NFVCL for the cluster (as
 * `POST /os_k8s/clusters`), and when a cluster joins Karmada the pending graph is placed.
 */
@ApiTags('graphs')
@Controller()
export class ClusterProvisioningController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly commandBus: CommandBus,
  ) {}

  @Get('graphs/:name/cluster-proposals')
  @ApiOperation({ summary: 'New clusters proposed to close the graph’s capacity gap, and what became of them' })
  @ApiNameParam('name', 'the graph id')
  @ApiJson(200, 'The proposals, oldest first', { type: 'array', items: { type: 'object' } })
  @ApiProblems(404)
  async list(@Param('name') name: string): Promise<ProvisioningProposal[]> {
    // From the write model (a snapshot and the events since: bounded), so an answer right after approve or reject shows it.
    return (await this.graph(name)).provisioningProposals ?? [];
  }

  @Post('graphs/:name/cluster-proposals/:proposal/approve')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Approve a cluster provisioning proposal: NFVCL builds the cluster; the graph is placed when it joins Karmada' })
  @ApiNameParam('name', 'the graph id')
  @ApiStringParam('proposal', 'the proposal id')
  @ApiIdempotencyHeader()
  @ApiJson(200, 'Approved: the cluster asked of NFVCL', { type: 'object', properties: { proposalId: { type: 'string' }, smo_id: { type: 'string' }, location: { type: 'string' } } })
  @ApiProblems(404, 409, 502, 503, 504)
  async approve(@Param('name') name: string, @Param('proposal') proposalId: string, @Req() request: FastifyRequest) {
    requireNfvcl(this.runtime);
    const context = requestContext(request, { allowIfMatch: false });
    const proposal = (await this.graph(name)).provisioningProposals?.find((p) => p.proposalId === proposalId);
    if (!proposal) throw ProblemException.of(HttpStatus.NOT_FOUND, `Graph ${name} has no cluster provisioning proposal ${proposalId}`);
    const { popArea, vimName, workerReplicas } = proposal;
    const creation = await clusterCreation(this.runtime, { popArea, vimName, workerReplicas }, context);
    // The approval, with the cluster id, is recorded before NFVCL is asked: the decider refuses a second approval
    // (another Idempotency-Key, any instance), so one cluster is built. A retried approval (same key) is a repeat
    // and follows its first NFVCL call.
    await this.commandBus.execute(new ApproveClusterProvisioning({ data: { graphId: name, proposalId, smoId: creation.smoId, now: new Date().toISOString() } }, context));
    try {
      await askForCluster(this.runtime, this.commandBus, creation, context);
    } catch (error) {
      // NFVCL said no (or SMO's rules did): the proposal is pending again. No answer in time (504) is not a failure while
      // the call is under way: it may still succeed. Ended (NFVCL did not answer it in time), it failed: a new approval
      // adopts the blueprint NFVCL may have built for it.
      if (error instanceof ProblemException && (error.getStatus() !== HttpStatus.GATEWAY_TIMEOUT || (await this.callEnded(context.commandId)))) {
        const failed = { ...context, commandId: deterministicId(context.commandId, 'cluster-approval-failed'), causationId: context.commandId };
        await this.commandBus.execute(new RecordClusterApprovalFailure({ data: { graphId: name, proposalId, smoId: creation.smoId, detail: error.problem.detail ?? error.message } }, failed));
      }
      throw error;
    }
    return { proposalId, smo_id: creation.smoId, location: `/os_k8s/cluster/${creation.smoId}` };
  }

  /** The approval's NFVCL call has its outcome recorded (it is no longer under way). */
  private async callEnded(commandId: string): Promise<boolean> {
    return (await this.runtime.nfvclCalls.load(nfvclCallIdOf(commandId))).kind === 'answered';
  }

  @Post('graphs/:name/cluster-proposals/:proposal/reject')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Reject a pending cluster provisioning proposal (expired ones too): nothing is built; a later placement failure may propose again' })
  @ApiNameParam('name', 'the graph id')
  @ApiStringParam('proposal', 'the proposal id')
  @ApiIdempotencyHeader()
  @ApiJson(200, 'Rejected', { type: 'object', properties: { proposalId: { type: 'string' }, status: { type: 'string', enum: ['rejected'] } } })
  @ApiProblems(404, 409)
  async reject(@Param('name') name: string, @Param('proposal') proposalId: string, @Req() request: FastifyRequest) {
    const context = requestContext(request, { allowIfMatch: false });
    // The decider answers 404 (unknown graph or proposal) and 409 (approved, fulfilled or already rejected).
    await this.commandBus.execute(new RejectClusterProvisioning({ data: { graphId: name, proposalId, reason: 'rejected by an operator' } }, context));
    return { proposalId, status: 'rejected' };
  }

  private async graph(name: string): Promise<ExistingGraph> {
    const { state } = await this.runtime.graphs.load(name);
    if (state.kind === 'none' || state.removed) throw ProblemException.of(HttpStatus.NOT_FOUND, `Graph with name ${name} not found`);
    return state;
  }
}
