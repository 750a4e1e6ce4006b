import type { RecordedEvent } from '../eventstore/event-store';
import { DomainError } from '../domain/decider';
import type { NfvclCallCommand } from '../domain/nfvcl-call/decide';
import { NFVCL_CALL_CATEGORY, isNfvclCallEvent, type NfvclCallFailed, type NfvclOperation } from '../domain/nfvcl-call/events';
import type { OsK8sClusterCommand } from '../domain/os-k8s-cluster/commands';
import { live } from '../domain/os-k8s-cluster/decide';
import type { OsK8sClusterCommands } from '../application/os-k8s-cluster-commands';
import type { VimCommands } from '../application/vim-commands';
import type { CommandContext } from '../application/command-handler';
import { isAskedAs, mayBeBuiltFor, type CreateInDoubt, type CreateOperation, type NfvclCalls } from '../application/nfvcl-calls';
import { processorContext } from '../application/processor-context';
import { NfvclError, type NfvclAccepted, type NfvclPort } from '../integrations/nfvcl/nfvcl.port';
import type { K8sAddNodeBody, K8sCreateBody } from '../integrations/nfvcl/nfvcl-bodies';
import type { Processor, ProcessorContext } from '../processing/processor';
import { isPathSegment } from '../shared/path-segment';

/** The processor's name (its runner and checkpoint): routes await it. */
export const NFVCL_CALLS_PROCESSOR = 'nfvcl-calls';
const NAME = NFVCL_CALLS_PROCESSOR;

type Dispatch<C> = (command: C, context: CommandContext) => Promise<unknown>;

/**
 * Makes the NFVCL changes the routes record as intents (`NfvclCallRequested`), once each: the
 * processor has one owner among SMO instances (its lease), and a call whose outcome is recorded is
 * not made again. It records what NFVCL's answer means for the cluster or VIM (through the
 * CommandBus), then the call's outcome, which the waiting route answers with. A failure NFVCL
 * reports, or SMO's rules refusing the outcome, is the call's outcome too (the route's 4xx/5xx).
 * A crash between NFVCL's answer and the record repeats the call after the restart (at least once,
 * like every side effect of a processor). A crash between the two records does not: what the first
 * record wrote for the cluster or VIM (found by its command id) is the call's outcome, and NFVCL is
 * not asked again (a second add_node had left NFVCL with more workers than SMO recorded, a second
 * create an orphan blueprint, a second delete a 404 for a delete that succeeded). Each change is
 * fenced: an instance that lost the lease while paused asks NFVCL nothing (the new owner does).
 */
export class NfvclCallsProcessor implements Processor {
  readonly name = NAME;
  readonly filter = { eventTypes: ['NfvclCallRequested'], streamCategories: [NFVCL_CALL_CATEGORY] };

  constructor(
    private readonly deps: {
      calls: Pick<NfvclCalls, 'load' | 'createsInDoubt'>;
      /** Read before a change is asked of NFVCL: one already gone (a request that raced another) is not asked again. */
      clusters: Pick<OsK8sClusterCommands, 'load'>;
      vims: Pick<VimCommands, 'load'>;
      nfvcl: NfvclPort;
      dispatchCall: Dispatch<NfvclCallCommand>;
      dispatchCluster: Dispatch<OsK8sClusterCommand>;
      removeVim: (data: { vimId: number; nfvclResponse: unknown }, context: CommandContext) => Promise<unknown>;
      /**
       * SMO's live clusters of an area (NFVCL picks a blueprint's VIM by its area), every cluster recorded before
       * included: a VIM is not removed from under them (NFVCL could no longer delete their VMs).
       */
      clustersInArea: (popArea: number) => Promise<Array<{ smoId: string; vimName: string | null; blueprintId: string | null }>>;
    },
  ) {}

  async handle(event: RecordedEvent, { fence }: ProcessorContext): Promise<void> {
    if (!isNfvclCallEvent(event) || event.type !== 'NfvclCallRequested') return;
    const { callId, operation } = event.data;
    if ((await this.deps.calls.load(callId)).kind !== 'requested') return;
    try {
      const context = processorContext(NAME, event, 'record');
      const outcome = (await this.recordedEarlier(operation, context.commandId)) ?? (await this.act(operation, context, fenced(this.deps.nfvcl, fence)));
      await this.deps.dispatchCall({ type: 'RecordNfvclAnswer', data: { callId, ...outcome } }, processorContext(NAME, event, 'answer'));
    } catch (error) {
      const failure = failureOf(error);
      if (!failure) throw error;
      await this.deps.dispatchCall({ type: 'RecordNfvclFailure', data: { callId, ...failure } }, processorContext(NAME, event, 'failed'));
    }
  }

  /** The outcome the call's first record wrote, when it was written (the call then made and answered). */
  private async recordedEarlier(operation: NfvclOperation, commandId: string): Promise<{ nfvclResponse: unknown; taskId: string | null } | null> {
    if (operation.kind === 'delete-vim') {
      const removed = (await this.deps.vims.load(operation.vimId, commandId)).byCommand.find((e) => e.type === 'VimRemoved');
      return removed ? { nfvclResponse: removed.data.nfvclResponse, taskId: null } : null;
    }
    for (const recorded of (await this.deps.clusters.load(operation.smoId, commandId)).byCommand) {
      if (recorded.type === 'ClusterProvisioningRequested' || recorded.type === 'ClusterScaledOut') return { nfvclResponse: recorded.data.nfvclResponse, taskId: recorded.data.taskId };
      if (recorded.type === 'ClusterDecommissioned') return { nfvclResponse: null, taskId: recorded.data.taskId };
    }
    return null;
  }

  /** The VIM is registered and no live cluster is built on it (one of its area, asked for on it or found by the sync). */
  private async assertRemovable(vimId: number): Promise<void> {
    const { state } = await this.deps.vims.load(vimId);
    if (state.kind !== 'registered') throw new DomainError('not-found', `VIM with SMO ID ${vimId} not found`);
    const { name, popArea } = state.vim;
    if (popArea === null) return;
    const held = (await this.deps.clustersInArea(popArea)).filter((cluster) => cluster.vimName === null || cluster.vimName === name);
    if (held.length > 0) throw new DomainError('conflict', `VIM ${name} still has OS K8S clusters (${held.map((c) => c.smoId).join(', ')}); delete them first`);
  }

  /**
   * NFVCL chooses blueprint ids and a create names nothing SMO could look up later, so a create whose answer was lost (no
   * answer in time, the connection lost) left it unknown whether NFVCL builds a blueprint: asked again (a retry with a
   * new Idempotency-Key), NFVCL built a second one, and the first one's VMs leaked. Before a cluster is asked for, a
   * blueprint NFVCL may have built for an earlier request of the same cluster (same area, networks and workers) whose
   * outcome is unknown (one not there before that request was sent), and that no SMO cluster has, is adopted instead.
   */
  private async builtForEarlierRequest(operation: CreateOperation, nfvcl: NfvclPort): Promise<NfvclAccepted | null> {
    const inDoubt = (await this.deps.calls.createsInDoubt()).filter((earlier) => sameCluster(earlier.operation, operation));
    if (inDoubt.length === 0) return null;
    return this.lostBlueprint(operation, nfvcl, inDoubt);
  }

  /**
   * Asks NFVCL for the cluster; when the answer is lost, NFVCL's blueprints tell whether it was built (then adopted).
   * NFVCL's create takes no name, label or id of SMO's (its models forbid unknown fields), so what tells the blueprint
   * built for it from one built alike outside SMO is that it was not there before: those are read first.
   */
  private async create(operation: CreateOperation, nfvcl: NfvclPort): Promise<NfvclAccepted> {
    const before = { operation, blueprintsBefore: new Set((await nfvcl.listBlueprints()).filter((blue) => isAskedAs(blue, operation)).map((blue) => blue.id)) };
    try {
      return await nfvcl.createK8sBlueprint(operation.nfvclRequest as K8sCreateBody);
    } catch (error) {
      if (!(error instanceof NfvclError && error.outcomeUnknown)) throw error;
      // NFVCL (or SMO's clusters) could not be read either, or NFVCL has not stored it yet: the call fails with the create's
      // error, in doubt, and a later create of the same cluster looks again. Not thrown: the runner would create again.
      const adopted = await this.lostBlueprint(operation, nfvcl, [before]).catch(() => null);
      if (adopted) return adopted;
      throw new LostCreate(error, [...before.blueprintsBefore]);
    }
  }

  /**
   * A blueprint of NFVCL NFVCL may have built for one of these lost creates (asked for as it was, not there before it),
   * that no SMO cluster has; null when there is none. One NFVCL is destroying is a deleted cluster's (SMO's read model no
   * longer has it), never a lost create's.
   */
  private async lostBlueprint(operation: CreateOperation, nfvcl: NfvclPort, creates: readonly CreateInDoubt[]): Promise<NfvclAccepted | null> {
    const blueprints = await nfvcl.listBlueprints();
    const claimed = new Set((await this.deps.clustersInArea(operation.popArea)).map((cluster) => cluster.blueprintId));
    const found = blueprints.find((blue) => !claimed.has(blue.id) && blue.phase !== 'error' && !blue.destroying && mayBeBuiltFor(blue, creates));
    if (!found) return null;
    const detail = `Blueprint ${found.id} is in NFVCL: built for an earlier request of this cluster whose answer was lost`;
    return { httpStatus: 200, mode: 'async', taskId: null, blueprintId: found.id, body: { detail } };
  }

  private async act(operation: NfvclOperation, context: CommandContext, nfvcl: NfvclPort): Promise<{ nfvclResponse: unknown; taskId: string | null }> {
    if (operation.kind === 'delete-k8s' || operation.kind === 'scale-out-k8s') live((await this.deps.clusters.load(operation.smoId)).state);
    // Calls are made one at a time: a cluster asked for before a VIM's removal holds the VIM, one asked for after finds it gone.
    if (operation.kind === 'create-k8s' && (await this.deps.vims.load(operation.vimId)).state.kind !== 'registered') throw new DomainError('not-found', 'VIM not found');
    if (operation.kind === 'delete-vim') await this.assertRemovable(operation.vimId);
    switch (operation.kind) {
      case 'create-k8s': {
        const { kind: _kind, ...request } = operation;
        const answer = (await this.builtForEarlierRequest(operation, nfvcl)) ?? (await this.create(operation, nfvcl));
        await this.deps.dispatchCluster(
          {
            type: 'RequestClusterProvisioning',
            data: { ...request, blueprintId: answer.blueprintId, taskId: answer.taskId, nfvclAnswer: answer.mode, nfvclResponse: answer.body },
          },
          context,
        );
        return { nfvclResponse: answer.body, taskId: answer.taskId };
      }
      case 'delete-k8s': {
        const { blueprintId } = operation;
        const answer = blueprintId === null ? 'not-found' : await nfvcl.deleteBlueprint(blueprintId);
        const taskId = answer === 'not-found' ? null : answer.taskId;
        await this.deps.dispatchCluster({ type: 'DecommissionCluster', data: { smoId: operation.smoId, taskId, reason: 'requested' } }, context);
        return { nfvclResponse: answer === 'not-found' ? null : answer.body, taskId };
      }
      case 'scale-out-k8s': {
        const answer = await nfvcl.addK8sNodes(operation.blueprintId, operation.nfvclRequest as K8sAddNodeBody);
        await this.deps.dispatchCluster(
          { type: 'ScaleOutCluster', data: { smoId: operation.smoId, addedWorkers: operation.addedWorkers, taskId: answer.taskId, nfvclResponse: answer.body } },
          context,
        );
        return { nfvclResponse: answer.body, taskId: answer.taskId };
      }
      case 'delete-vim': {
        const answer = isPathSegment(operation.name) ? await nfvcl.deleteVim(operation.name) : await unaddressableVim(nfvcl, operation.name);
        const nfvclResponse = answer === 'not-found' ? null : answer.body;
        await this.deps.removeVim({ vimId: operation.vimId, nfvclResponse }, context);
        return { nfvclResponse, taskId: answer === 'not-found' ? null : answer.taskId };
      }
    }
  }
}

/** Two requests for the same cluster: the same area, VIM networks and workers. */
function sameCluster(a: CreateOperation, b: CreateOperation): boolean {
  return a.popArea === b.popArea && a.vimName === b.vimName && a.mgmtNetwork === b.mgmtNetwork && a.serviceNetwork === b.serviceNetwork && a.workerReplicas === b.workerReplicas;
}

/** A create whose answer was lost and whose blueprint was not found: its failure says which blueprints were there before. */
class LostCreate extends Error {
  constructor(
    readonly failure: NfvclError,
    readonly blueprintsBefore: string[],
  ) {
    super(failure.message);
  }
}

/**
 * A VIM (found by the sync) whose name cannot be one segment of NFVCL's path (`DELETE /v1/topology/vim/..` is
 * `DELETE /v1/topology/`, the whole topology): never asked of NFVCL; gone from NFVCL's topology, there is nothing to delete.
 */
async function unaddressableVim(nfvcl: NfvclPort, name: string): Promise<'not-found'> {
  if ((await nfvcl.topologyVims()).some((vim) => vim.name === name)) {
    throw new DomainError('conflict', `VIM name "${name}" cannot be named in NFVCL's path, so NFVCL's API cannot delete it; remove it in NFVCL, then delete it here`);
  }
  return 'not-found';
}

/**
 * NFVCL whose changes are fenced: each first confirms this instance still owns the processor, so an instance that
 * lost it while paused (the new owner makes the call) changes nothing in NFVCL.
 */
function fenced(nfvcl: NfvclPort, fence: () => Promise<void>): NfvclPort {
  return {
    topologyVims: (signal) => nfvcl.topologyVims(signal),
    listBlueprints: (signal) => nfvcl.listBlueprints(signal),
    getBlueprint: (id, signal) => nfvcl.getBlueprint(id, signal),
    taskStatus: (id, signal) => nfvcl.taskStatus(id, signal),
    registerVim: async (body, secrets) => (await fence(), nfvcl.registerVim(body, secrets)),
    deleteVim: async (name) => (await fence(), nfvcl.deleteVim(name)),
    createK8sBlueprint: async (body) => (await fence(), nfvcl.createK8sBlueprint(body)),
    addK8sNodes: async (blueprintId, body) => (await fence(), nfvcl.addK8sNodes(blueprintId, body)),
    deleteBlueprint: async (blueprintId) => (await fence(), nfvcl.deleteBlueprint(blueprintId)),
  };
}

function failureOf(error: unknown): Omit<NfvclCallFailed['data'], 'callId'> | null {
  if (error instanceof LostCreate) return { ...failureOf(error.failure)!, lostCreate: { blueprintsBefore: error.blueprintsBefore } };
  if (error instanceof NfvclError) return { kind: error.kind, status: error.status, detail: error.message };
  if (error instanceof DomainError) return { kind: error.kind === 'not-found' ? 'not-found' : 'conflict', status: null, detail: error.message };
  return null;
}
