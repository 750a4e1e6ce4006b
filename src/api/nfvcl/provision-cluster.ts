import { HttpStatus } from '@nestjs/common';
import type { Runtime } from '../../app/runtime';
import type { CommandContext } from '../../application/command-handler';
import { osK8sClusterId } from '../../domain/os-k8s-cluster/ids';
import { k8sCreateBody } from '../../integrations/nfvcl/nfvcl-bodies';
import { Mutex } from '../../shared/mutex';
import type { VimDocument } from '../../../projections/vims.projection';
import { ProblemException } from '../problem';
import { callNfvcl, requireNfvcl } from './nfvcl-problem';

const ID_ATTEMPTS = 5;

/** Requests that call NFVCL to build a cluster run one at a time (any route): a retried request cannot create a second blueprint. */
export const clusterProvisioningWrites = new Mutex();

export interface ProvisionedCluster {
  readonly smoId: string;
  readonly nfvclResponse: unknown;
  /** Position of the recorded request; null when a retried command found its earlier cluster. */
  readonly position: number | null;
}

/**
 * Asks NFVCL for a Kubernetes cluster on a registered VIM and records `ClusterProvisioningRequested` (the provisioning
 * processor follows it). Behind `POST /os_k8s/clusters` and the approval of a graph's cluster provisioning proposal.
 * Call inside `clusterProvisioningWrites.run`.
 */
export async function provisionOsK8sCluster(
  runtime: Runtime,
  input: { popArea: number; vimName: string; workerReplicas: number },
  context: CommandContext,
): Promise<ProvisionedCluster> {
  const nfvcl = requireNfvcl(runtime);
  const { popArea, vimName, workerReplicas } = input;
  // The id follows from the command id: a retried request (same Idempotency-Key) finds its cluster.
  let smoId: string | null = null;
  for (let attempt = 0; attempt < ID_ATTEMPTS && smoId === null; attempt++) {
    const candidate = osK8sClusterId(popArea, `${context.commandId}#${attempt}`);
    const { state, byCommand } = await runtime.osK8sClusters.load(candidate, context.commandId);
    const earlier = byCommand.find((event) => event.type === 'ClusterProvisioningRequested');
    if (earlier?.type === 'ClusterProvisioningRequested') return { smoId: candidate, nfvclResponse: earlier.data.nfvclResponse, position: null };
    if (state.kind === 'none') smoId = candidate;
  }
  if (smoId === null) throw ProblemException.of(HttpStatus.CONFLICT, 'No free cluster id; retry the request');

  const vim = await registeredVim(runtime, vimName, popArea);
  if (!vim.mgmtNetwork || !vim.serviceNetwork) {
    throw ProblemException.of(HttpStatus.UNPROCESSABLE_ENTITY, `VIM ${vimName} has no management and service network; NFVCL needs both to build a cluster`);
  }
  const nfvclRequest = k8sCreateBody({ popArea, mgmtNetwork: vim.mgmtNetwork, serviceNetwork: vim.serviceNetwork, workerReplicas });
  const answer = await callNfvcl(() => nfvcl.createK8sBlueprint(nfvclRequest));
  const result = await runtime.osK8sClusters.execute(
    {
      type: 'RequestClusterProvisioning',
      data: {
        smoId,
        popArea,
        vimId: vim.vimId,
        vimName,
        mgmtNetwork: vim.mgmtNetwork,
        serviceNetwork: vim.serviceNetwork,
        workerReplicas,
        blueprintId: answer.blueprintId,
        taskId: answer.taskId,
        nfvclAnswer: answer.mode,
        nfvclRequest,
        nfvclResponse: answer.body,
      },
    },
    context,
  );
  return { smoId, nfvclResponse: answer.body, position: result.position };
}

/** Upstream looks the VIM up by name and area: 404 `VIM not found`. */
export async function registeredVim(runtime: Runtime, vimName: string, popArea: number): Promise<VimDocument> {
  const [found] = await runtime.readStore.find<VimDocument>('vims', { where: { name: vimName, popArea, removed: false }, limit: 1 });
  if (!found) throw ProblemException.of(HttpStatus.NOT_FOUND, 'VIM not found');
  return found.doc;
}
