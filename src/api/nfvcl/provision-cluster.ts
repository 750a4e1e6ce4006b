import { HttpStatus } from '@nestjs/common';
import type { CommandBus } from '@nestjs/cqrs';
import type { Runtime } from '../../app/runtime';
import type { CommandContext } from '../../application/command-handler';
import { osK8sClusterId } from '../../domain/os-k8s-cluster/ids';
import { k8sCreateBody } from '../../integrations/nfvcl/nfvcl-bodies';
import type { VimDocument } from '../../../projections/vims.projection';
import { ProblemException } from '../problem';
import { askNfvcl, nfvclCallDeps, requestedOperation, type OperationOf } from './nfvcl-call';

const ID_ATTEMPTS = 5;

export interface ProvisionedCluster {
  readonly smoId: string;
  readonly nfvclResponse: unknown;
}

/**
 * Asks NFVCL for a Kubernetes cluster on a registered VIM, behind `POST /os_k8s/clusters` and the approval of a graph's
 * cluster provisioning proposal. The intent is recorded first and the NFVCL calls processor makes the call once (on
 * whichever instance runs it); a retried request (same Idempotency-Key, any instance) follows its first call.
 */
export async function provisionOsK8sCluster(
  runtime: Runtime,
  commandBus: CommandBus,
  input: { popArea: number; vimName: string; workerReplicas: number },
  context: CommandContext,
): Promise<ProvisionedCluster> {
  return askForCluster(runtime, commandBus, await clusterCreation(runtime, input, context), context);
}

/**
 * The cluster creation this request asks for: the one an earlier request with the same Idempotency-Key asked
 * for, else a new one (its cluster id chosen now, before anything is recorded). The key with another area, VIM or
 * worker count is another request (409), as for the other NFVCL calls: it had answered the earlier cluster.
 */
export async function clusterCreation(
  runtime: Runtime,
  input: { popArea: number; vimName: string; workerReplicas: number },
  context: CommandContext,
): Promise<ClusterCreation> {
  const sameCluster = (earlier: ClusterCreation) => earlier.popArea === input.popArea && earlier.vimName === input.vimName && earlier.workerReplicas === input.workerReplicas;
  return requestedOperation(runtime.nfvclCalls, context, 'create-k8s', sameCluster, () => creation(runtime, input, context.commandId));
}

/** Records the intent and waits for NFVCL's answer through the NFVCL calls processor. */
export async function askForCluster(runtime: Runtime, commandBus: CommandBus, operation: ClusterCreation, context: CommandContext): Promise<ProvisionedCluster> {
  const answer = await askNfvcl(nfvclCallDeps(runtime, commandBus), operation, context);
  return { smoId: operation.smoId, nfvclResponse: answer.nfvclResponse };
}

type ClusterCreation = OperationOf<'create-k8s'>;

/** What to ask NFVCL for: a cluster id free in SMO (derived from the command id), on the named VIM. */
async function creation(
  runtime: Runtime,
  { popArea, vimName, workerReplicas }: { popArea: number; vimName: string; workerReplicas: number },
  commandId: string,
): Promise<ClusterCreation> {
  let smoId: string | null = null;
  for (let attempt = 0; attempt < ID_ATTEMPTS && smoId === null; attempt++) {
    const candidate = osK8sClusterId(popArea, `${commandId}#${attempt}`);
    if ((await runtime.osK8sClusters.load(candidate)).state.kind === 'none') smoId = candidate;
  }
  if (smoId === null) throw ProblemException.of(HttpStatus.CONFLICT, 'No free cluster id; retry the request');
  const vim = await registeredVim(runtime, vimName, popArea);
  if (!vim.mgmtNetwork || !vim.serviceNetwork) {
    throw ProblemException.of(HttpStatus.UNPROCESSABLE_ENTITY, `VIM ${vimName} has no management and service network; NFVCL needs both to build a cluster`);
  }
  const nfvclRequest = k8sCreateBody({ popArea, mgmtNetwork: vim.mgmtNetwork, serviceNetwork: vim.serviceNetwork, workerReplicas });
  return { kind: 'create-k8s', smoId, popArea, vimId: vim.vimId, vimName, mgmtNetwork: vim.mgmtNetwork, serviceNetwork: vim.serviceNetwork, workerReplicas, nfvclRequest };
}

/** Upstream looks the VIM up by name and area: 404 `VIM not found`. */
export async function registeredVim(runtime: Runtime, vimName: string, popArea: number): Promise<VimDocument> {
  const [found] = await runtime.readStore.find<VimDocument>('vims', { where: { name: vimName, popArea, removed: false }, limit: 1 });
  if (!found) throw ProblemException.of(HttpStatus.NOT_FOUND, 'VIM not found');
  return found.doc;
}
