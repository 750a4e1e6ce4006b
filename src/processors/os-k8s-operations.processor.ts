import type { RecordedEvent } from '../eventstore/event-store';
import { OS_K8S_CLUSTER_CATEGORY, isOsK8sClusterEvent, type ClusterDecommissioned, type ClusterScaledOut } from '../domain/os-k8s-cluster/events';
import { isLive } from '../domain/os-k8s-cluster/state';
import { processorContext } from '../application/processor-context';
import type { NfvclBlueprint } from '../integrations/nfvcl/nfvcl.port';
import type { Processor, ProcessorContext } from '../processing/processor';
import { deadlineOf, notDoneWithin, pollNfvcl, taskLook, type NfvclFollowing, type Poll, type PollOutcome } from './nfvcl-poll';

const NAME = 'os-k8s-operations';

type Scaled = RecordedEvent & ClusterScaledOut;
type Decommissioned = RecordedEvent & ClusterDecommissioned;
/** How an operation NFVCL accepted ended, as far as SMO follows it. */
type Outcome = { failed: false } | { failed: true; detail: string };

/**
 * Follows the day-2 operations NFVCL accepted, as the provisioning processor follows a create: the add_node of a
 * scale-out and the delete of a decommissioned cluster's blueprint. NFVCL answers them at once (2024) or with a task
 * (current) and does the work afterwards; a failure was never seen (SMO counted workers NFVCL never added; a blueprint
 * whose delete failed kept its VMs while SMO showed no cluster). The task is polled (current NFVCL), else the blueprint
 * (2024, or a task NFVCL forgot), within NFVCL_PROVISION_TIMEOUT of the operation (a restart does not start it again):
 * - add_node failed (or the blueprint reports an error, or no end in time) → ClusterScaleOutFailed: the workers asked
 *   for are no longer counted, and the cluster shows the failure;
 * - the delete failed (or the blueprint is still there in time) → ClusterDeletionFailed: the cluster is live again,
 *   Failed with the reason, and can be deleted again.
 * The processor runs where its lease is held (one SMO instance); its records are idempotent per event.
 */
export class OsK8sOperationsProcessor implements Processor {
  readonly name = NAME;
  readonly filter = { eventTypes: ['ClusterScaledOut', 'ClusterDecommissioned'], streamCategories: [OS_K8S_CLUSTER_CATEGORY] };

  constructor(
    private readonly deps: NfvclFollowing,
  ) {}

  async handle(event: RecordedEvent, { signal }: Pick<ProcessorContext, 'signal'>): Promise<void> {
    if (!isOsK8sClusterEvent(event)) return;
    if (event.type === 'ClusterScaledOut') await this.followScaleOut(event, signal);
    else if (event.type === 'ClusterDecommissioned' && event.data.reason === 'requested' && event.data.blueprintId !== null) await this.followDeletion(event, signal, event.data.blueprintId);
  }

  private async followScaleOut(event: Scaled, signal: AbortSignal): Promise<void> {
    const { smoId, blueprintId, taskId, addedWorkers } = event.data;
    const stillWaiting = async () => isLive((await this.deps.clusters.load(smoId)).state);
    // Idle without error: done; gone: the sync records it.
    const outcome = await this.follow(event, signal, stillWaiting, `add_node of blueprint ${blueprintId}`, 'done', (blueprint) =>
      blueprint === null || blueprint.phase === 'ready' ? { done: true, value: { failed: false } } : blueprint.phase === 'error' ? failedAs(blueprint) : { done: false },
    );
    if (outcome?.failed) {
      await this.deps.dispatch({ type: 'RecordScaleOutFailure', data: { smoId, taskId, addedWorkers, detail: outcome.detail } }, processorContext(NAME, event, 'scale-out-failed'));
    }
  }

  private async followDeletion(event: Decommissioned, signal: AbortSignal, blueprintId: string): Promise<void> {
    const { smoId, taskId } = event.data;
    const stillWaiting = async () => {
      const { state } = await this.deps.clusters.load(smoId);
      return state.kind === 'exists' && state.decommissioned;
    };
    // Gone: deleted. In error: the delete failed (NFVCL keeps the blueprint, in error). Otherwise it is still being deleted.
    const outcome = await this.follow(event, signal, stillWaiting, `blueprint ${blueprintId}`, 'deleted', (blueprint) =>
      blueprint === null ? { done: true, value: { failed: false } } : blueprint.phase === 'error' ? failedAs(blueprint) : { done: false },
    );
    if (outcome?.failed) {
      await this.deps.dispatch({ type: 'RecordDeletionFailure', data: { smoId, taskId, detail: outcome.detail } }, processorContext(NAME, event, 'delete-failed'));
    }
  }

  /** The operation's task until it ends (a lost task: the blueprint instead), or its blueprint until `blueprintLook` is done; null when SMO stops or nothing waits. */
  private async follow(
    event: Scaled | Decommissioned,
    signal: AbortSignal,
    stillWaiting: () => Promise<boolean>,
    what: string,
    done: string,
    blueprintLook: (blueprint: NfvclBlueprint | null) => Poll<Outcome>,
  ): Promise<Outcome | null> {
    const { smoId, taskId, blueprintId } = event.data;
    const deadline = deadlineOf(event.created, this.deps.timeoutMs);
    const poll = <T>(check: () => Promise<Poll<T>>): Promise<PollOutcome<T>> =>
      pollNfvcl({ deadline, signal, pollIntervalMs: this.deps.pollIntervalMs, stillWaiting, onError: (err) => this.deps.logger.warn({ processor: NAME, smoId, err }, 'NFVCL poll failed; retrying until the deadline') }, check);
    const timedOut = (subject: string, lastError: string | null): Outcome => ({ failed: true, detail: notDoneWithin(this.deps.timeoutMs, subject, lastError, done) });

    if (taskId) {
      const task = await poll(() => taskLook(this.deps.nfvcl, taskId, signal));
      if (task.kind === 'stopped') return null;
      if (task.kind === 'timeout') return timedOut(`task ${taskId} (${what})`, task.lastError);
      if (task.value.kind === 'failed') return { failed: true, detail: task.value.detail };
      if (task.value.kind === 'done') return { failed: false };
    }
    if (!blueprintId) return null;
    const id = blueprintId;
    const ended = await poll(async () => blueprintLook(await this.deps.nfvcl.getBlueprint(id, signal)));
    if (ended.kind === 'stopped') return null;
    if (ended.kind === 'timeout') return timedOut(what, ended.lastError);
    return ended.value;
  }
}

function failedAs(blueprint: NfvclBlueprint): Poll<Outcome> {
  return { done: true, value: { failed: true, detail: blueprint.detail ?? `NFVCL reports blueprint ${blueprint.id} in error` } };
}
