import type { RecordedEvent } from '../eventstore/event-store';
import type { OsK8sClusterCommand } from '../domain/os-k8s-cluster/commands';
import { OS_K8S_CLUSTER_CATEGORY, isOsK8sClusterEvent, type ClusterProvisioningFailed, type ClusterProvisioningRequested } from '../domain/os-k8s-cluster/events';
import { processorContext } from '../application/processor-context';
import type { NfvclBlueprint } from '../integrations/nfvcl/nfvcl.port';
import { blueprintIdIn } from '../integrations/nfvcl/nfvcl-answers';
import type { Processor } from '../processing/processor';
import { sleep } from '../shared/retry';
import { deadlineOf, notDoneWithin, pollNfvcl, taskLook, type NfvclFollowing, type Poll, type PollOutcome } from './nfvcl-poll';

const NAME = 'os-k8s-provisioning';

type Failure = Pick<ClusterProvisioningFailed['data'], 'reason' | 'detail'>;
type Requested = RecordedEvent & ClusterProvisioningRequested;

/**
 * Follows a cluster NFVCL accepted to build until it is ready (ClusterProvisioned) or not
 * (ClusterProvisioningFailed): it polls the task NFVCL started (current API), then the blueprint
 * until it is idle without error (both APIs). NFVCL being unreachable for a while is tolerated
 * until the deadline, NFVCL_PROVISION_TIMEOUT after the request. After a restart the event is handled
 * again and polling resumes until that same deadline; an outcome already recorded makes the step a no-op.
 * Events are handled one at a time, so while one cluster is followed the others still provisioning are
 * followed alongside (as their own events would be): a cluster that never gets ready does not hold
 * back, for up to the timeout, the outcome of those asked for after it; their events then find them recorded.
 */
export class OsK8sProvisioningProcessor implements Processor {
  readonly name = NAME;
  readonly filter = { eventTypes: ['ClusterProvisioningRequested'], streamCategories: [OS_K8S_CLUSTER_CATEGORY] };

  constructor(
    private readonly deps: NfvclFollowing & {
      /** A Karmada kubeconfig is configured: the new cluster is expected to join (SMO does not join it). */
      karmadaConfigured: boolean;
      /** The request events of the clusters still Provisioning (bounded), looked at every poll interval. */
      provisioning: () => Promise<Requested[]>;
    },
  ) {}

  async handle(event: RecordedEvent, { signal }: { signal: AbortSignal }): Promise<void> {
    if (!isOsK8sClusterEvent(event) || event.type !== 'ClusterProvisioningRequested') return;
    const finished = new AbortController();
    const alongside = this.followOthers(event.data.smoId, AbortSignal.any([signal, finished.signal]));
    try {
      await this.follow(event, signal);
    } finally {
      finished.abort();
      await alongside;
    }
  }

  /** Follows the other clusters still provisioning (those asked for meanwhile too) until `signal` aborts. */
  private async followOthers(own: string, signal: AbortSignal): Promise<void> {
    const followed = new Map<string, Promise<void>>();
    const warn = (smoId: string | null) => (error: unknown) =>
      this.deps.logger.warn({ processor: NAME, smoId, err: error instanceof Error ? error.message : String(error) }, 'following a provisioning alongside failed; its own event will');
    while (!signal.aborted) {
      await sleep(this.deps.pollIntervalMs, signal);
      if (signal.aborted) break;
      try {
        for (const other of await this.deps.provisioning()) {
          const { smoId } = other.data;
          if (smoId === own || followed.has(smoId)) continue;
          followed.set(smoId, this.follow(other, signal).catch(warn(smoId)));
        }
      } catch (error) {
        warn(null)(error);
      }
    }
    await Promise.all(followed.values());
  }

  private async follow(event: Requested, signal: AbortSignal): Promise<void> {
    const request = event.data;
    const { smoId, taskId } = request;
    // From the request, not from this handling: polling resumed after a restart keeps the time left, so a provisioning
    // that never finishes ends even when SMO restarts more often than the timeout (at least one look after a restart).
    const deadline = deadlineOf(event.created, this.deps.timeoutMs);
    const record = (command: OsK8sClusterCommand, step: string) => this.deps.dispatch(command, processorContext(NAME, event, step));
    const fail = (failure: Failure, blueprintId: string | null) =>
      record({ type: 'RecordClusterProvisioningFailure', data: { smoId, blueprintId, taskId, ...failure } }, 'failed');

    let blueprintId = request.blueprintId;
    let lostTask = false;
    if (taskId) {
      const task = await this.poll(smoId, deadline, signal, () => taskLook(this.deps.nfvcl, taskId, signal));
      if (task.kind === 'stopped') return;
      if (task.kind === 'timeout') return void (await fail(timedOut(this.deps.timeoutMs, `task ${taskId}`, task.lastError), blueprintId));
      if (task.value.kind === 'failed') return void (await fail({ reason: 'task-failed', detail: task.value.detail }, blueprintId));
      if (task.value.kind === 'done') blueprintId ??= blueprintIdIn(task.value.result);
      // A lost task (NFVCL restarted and forgot it): the blueprint, when known, still tells.
      lostTask = task.value.kind === 'lost';
    }
    if (!blueprintId) {
      const detail = lostTask ? `NFVCL no longer knows task ${taskId} and named no blueprint for this cluster` : 'NFVCL named no blueprint for this cluster';
      return void (await fail({ reason: 'no-blueprint-id', detail }, null));
    }

    const id = blueprintId;
    const ready = await this.poll(smoId, deadline, signal, async (): Promise<Poll<NfvclBlueprint | null>> => {
      const blueprint = await this.deps.nfvcl.getBlueprint(id, signal);
      return blueprint === null || blueprint.phase !== 'busy' ? { done: true, value: blueprint } : { done: false };
    });
    if (ready.kind === 'stopped') return;
    if (ready.kind === 'timeout') return void (await fail(timedOut(this.deps.timeoutMs, `blueprint ${id}`, ready.lastError), id));
    const blueprint = ready.value;
    if (blueprint === null) return void (await fail({ reason: 'blueprint-gone', detail: `NFVCL no longer knows blueprint ${id}` }, id));
    if (blueprint.phase === 'error') return void (await fail({ reason: 'blueprint-error', detail: blueprint.detail ?? `NFVCL reports blueprint ${id} in error` }, id));
    await record(
      {
        type: 'RecordClusterProvisioned',
        data: {
          smoId,
          blueprintId: id,
          popArea: blueprint.popArea ?? request.popArea,
          workers: blueprint.workers ?? request.workerReplicas,
          masterFlavor: blueprint.masterFlavor ?? null,
          karmada: this.deps.karmadaConfigured ? 'awaiting-join' : 'not-configured',
        },
      },
      'provisioned',
    );
  }

  private poll<T>(smoId: string, deadline: number, signal: AbortSignal, check: () => Promise<Poll<T>>): Promise<PollOutcome<T>> {
    const onError = (message: string) => this.deps.logger.warn({ processor: NAME, smoId, err: message }, 'NFVCL poll failed; retrying until the deadline');
    return pollNfvcl({ deadline, signal, pollIntervalMs: this.deps.pollIntervalMs, stillWaiting: () => this.stillProvisioning(smoId), onError }, check);
  }

  private async stillProvisioning(smoId: string): Promise<boolean> {
    const { state } = await this.deps.clusters.load(smoId);
    return state.kind === 'exists' && !state.decommissioned && state.status === 'Provisioning';
  }
}

function timedOut(timeoutMs: number, what: string, lastError: string | null): Failure {
  return { reason: 'timeout', detail: notDoneWithin(timeoutMs, what, lastError) };
}
