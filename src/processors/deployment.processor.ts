import pLimit from 'p-limit';
import type { RecordedEvent } from '../eventstore/event-store';
import type { GraphCommand, ServiceOutcomeType } from '../domain/graph/commands';
import { GRAPH_CATEGORY, isGraphEvent, type GraphEvent } from '../domain/graph/events';
import { awaitsAlert, holdsRelease, isUpToDate, isWanted, type ExistingGraph, type ServiceState } from '../domain/graph/state';
import type { GraphCommands } from '../application/graph-commands';
import { processorContext } from '../application/processor-context';
import { graphDashboardUid, serviceDashboardUid } from '../integrations/grafana/dashboards';
import type { DashboardOwner, GrafanaOutcome, GrafanaPort } from '../integrations/grafana/grafana.port';
import type { HelmOutcome, HelmPort } from '../integrations/helm/helm.port';
import { isReleaseNotFound } from '../integrations/helm/helm-release-json';
import { planRecovery } from '../integrations/helm/release-recovery';
import { RELEASE_GRAPH_LABEL } from '../integrations/helm/helm-arguments';
import type { ParkedEntry } from '../processing/parking';
import type { Processor, ProcessorContext } from '../processing/processor';
import { Mutex } from '../shared/mutex';
import type { Dispatch } from './placement.processor';

const NAME = 'deployment';
/**
 * Releases reconciled at once per graph (SMO_HELM_CONCURRENCY). 4: a helm install mostly waits on the
 * API server (about 0.2 CPU-s in 0.6–1 s of wall time), so four keep two cores busy; 8 gained nothing
 * measurable on 2 cores (`npm run bench:karmada`), where Karmada's own work then takes the CPU.
 */
export const DEFAULT_HELM_CONCURRENCY = 4;

type Outcome = Extract<GraphEvent, { type: ServiceOutcomeType }>;

/** What makes every service of a graph no longer wanted. */
const NO_LONGER_WANTED: ReadonlySet<GraphEvent['type']> = new Set(['GraphStopped', 'GraphRemoved']);

/**
 * Converges a graph's releases to what its events want — install, upgrade (`--reuse-values`) or
 * uninstall each service, publish or delete dashboards — whenever something changes what is
 * wanted. It reads the graph from its stream, asks helm for each release's real state before
 * acting (so a step repeated after a crash neither installs twice nor trips on a release a killed
 * helm left pending), and records every outcome, failures included, as an event.
 * A graph's services are independent (upstream ignores `trigger.auto.dependencies`), so their
 * releases are reconciled a few at a time: a 20-service graph does not wait for 20 helm round
 * trips one after another.
 */
export class DeploymentProcessor implements Processor {
  readonly name = NAME;
  readonly filter = {
    eventTypes: ['PlacementDecided', 'GraphStopped', 'GraphStarted', 'GraphRemoved', 'DeploymentRetryRequested', 'ServiceTriggered'],
    streamCategories: [GRAPH_CATEGORY],
  };

  constructor(
    private readonly deps: {
      graphs: GraphCommands;
      dispatch: Dispatch;
      helm: HelmPort;
      grafana: GrafanaPort | null;
      /** Releases reconciled at once; 1 reproduces upstream's one-after-another installs. */
      concurrency?: number;
      /** Graphs reconciled at once (SMO_DEPLOY_GRAPHS_AT_ONCE; Processor.concurrentStreams). */
      graphsAtOnce?: number;
    },
  ) {
    this.concurrentStreams = deps.graphsAtOnce ?? 1;
  }

  /**
   * A graph's events are its stream's, and its handling reads and writes only that stream and its own releases (their
   * names are the graph's, reserved in its project): graphs are reconciled at once, each in its own order.
   */
  readonly concurrentStreams: number;

  async handle(event: RecordedEvent, context: ProcessorContext): Promise<void> {
    if (!isGraphEvent(event)) return;
    const { graphId } = event.data;
    const { state, revision } = await this.deps.graphs.load(graphId);
    if (state.kind === 'none') return;
    // One outcome event per release, appended one at a time: parallel helm calls then never race
    // each other on the graph stream (the command handler still retries conflicts with other writers).
    const appends = new Mutex();
    const record = (outcome: Outcome, step: string) =>
      appends.run(() => this.deps.dispatch({ type: 'RecordServiceOutcome', event: outcome } satisfies GraphCommand, processorContext(NAME, event, step)));
    const helm = fenced(this.deps.helm, context.fence);
    const limit = pLimit(this.deps.concurrency ?? DEFAULT_HELM_CONCURRENCY);
    // After a failure (e.g. an outcome the store could not record) no further release is started:
    // its outcome could not be recorded either. Those under way finish; the event is then retried.
    // Nor once SMO stops (the signal aborts): the releases not started wait for the next start.
    let failure: { reason: unknown } | null = null;
    const notUninstalled: string[] = [];
    const stoppedMeanwhile = this.stopWatch(graphId, revision);
    await Promise.all(
      state.services.map((service) =>
        limit(async () => {
          if (failure || context.signal.aborted) return;
          try {
            const uninstallFailure = await this.reconcileService(state, revision, service, record, helm, stoppedMeanwhile);
            if (uninstallFailure !== null) notUninstalled.push(uninstallFailure);
          } catch (reason) {
            failure ??= { reason };
          }
        }),
      ),
    );
    if (failure) throw (failure as { reason: unknown }).reason;
    context.signal.throwIfAborted();
    // The stop's handling reconciles the dashboards as the graph then is.
    if (state.status === 'Running' && !state.removed && (await stoppedMeanwhile())) return;
    const refused = await this.reconcileDashboards(state, await this.removalOf(event, state), record);
    // After the releases: a Grafana outage delays no install. Throwing makes the runner retry the
    // event with backoff (releases already converged are skipped), then park it (visible in /health).
    // A failed uninstall (recorded as ServiceUninstallFailed) is retried the same way: nothing else
    // would ever try it again, and its release would keep its names (and a removed graph its id).
    // Once the event is parked, DELETE (or POST /retry) on the graph asks for the uninstall again.
    if (notUninstalled.length > 0) throw new Error(`helm could not uninstall ${notUninstalled.length} release(s) of graph ${graphId}: ${notUninstalled[0]}`);
    if (refused.length > 0) throw new Error(`Grafana refused ${refused.length} dashboard(s) of graph ${graphId}: ${refused[0]}`);
  }

  /**
   * The handler converges the graph as it now is, whatever the event, so a later event handled did what an earlier
   * parked one was for (a deployment parked while Karmada was down, then retried). Except a removal's dashboards: they
   * are those of the submission it removed (removalOf), which only a later event of that same removed submission
   * deletes; a graph submitted again since leaves that removal parked, for a re-drive.
   */
  async supersedesParked(parked: ParkedEntry, handled: RecordedEvent): Promise<boolean> {
    if (!this.deps.grafana || (parked.eventType !== 'GraphRemoved' && parked.eventType !== 'DeploymentRetryRequested')) return true;
    if (!isGraphEvent(handled)) return false;
    const then = await this.deps.graphs.loadAsOf(handled.data.graphId, parked.position);
    if (then.kind === 'none' || !then.removed) return true;
    const later = await this.deps.graphs.loadAsOf(handled.data.graphId, handled.position);
    return later.kind !== 'none' && later.removed && later.submission === then.submission;
  }

  /**
   * Whether the graph was stopped or removed after `revision`: each call reads only the events recorded since the last
   * (this pass's own outcomes, mostly), and once stopped it stays so.
   */
  private stopWatch(graphId: string, revision: number): () => Promise<boolean> {
    let seen = revision;
    let stopped = false;
    return async () => {
      if (stopped) return true;
      const since = await this.deps.graphs.recordedSince(graphId, seen, NO_LONGER_WANTED);
      seen = Math.max(seen, since.revision);
      stopped ||= since.recorded;
      return stopped;
    };
  }

  /** Answers why the service's release could not be uninstalled (recorded as ServiceUninstallFailed), else null. */
  private async reconcileService(
    graph: ExistingGraph,
    revision: number,
    service: ServiceState,
    record: (outcome: Outcome, step: string) => Promise<unknown>,
    helm: HelmPort,
    stoppedMeanwhile: () => Promise<boolean>,
  ): Promise<string | null> {
    const graphId = graph.graphId;
    const serviceId = service.id;
    const namespace = graph.project;
    if (!isWanted(graph, service)) {
      if (holdsRelease(service)) {
        if (!service.installed && !(await this.holdsOwnRelease(graph, serviceId, helm))) {
          // An install was due but none is recorded, and helm has no release of this graph's (none, or
          // someone else's, which is not SMO's to remove): there is nothing to uninstall.
          await record({ type: 'ServiceUninstalled', data: { graphId, serviceId, namespace, command: [] } }, `absent:${serviceId}:${revision}`);
          return null;
        }
        const outcome = await helm.uninstall(serviceId, namespace);
        // Only helm's own "release: not found" means it is gone: a missing credential plugin or
        // context also prints "not found", and then helm never reached the cluster.
        const gone = outcome.ok || isReleaseNotFound(outcome.exitCode, outcome.stderr);
        if (gone) {
          await record({ type: 'ServiceUninstalled', data: { graphId, serviceId, namespace, command: outcome.args } }, `uninstall:${serviceId}`);
          return null;
        }
        // Each attempt is its own fact (the graph's revision tells them apart): a later success of
        // this same event is then recorded, not taken for a repeat of the failure.
        await record(
          { type: 'ServiceUninstallFailed', data: { graphId, serviceId, namespace, exitCode: outcome.exitCode, stderr: outcome.stderr, timedOut: outcome.timedOut, command: outcome.args } },
          `uninstall-failed:${serviceId}:${revision}`,
        );
        return `${serviceId}: ${outcome.stderr.trim().split('\n')[0] ?? ''}`;
      }
      if (awaitsAlert(graph, service) && service.status !== 'Pending') {
        await record({ type: 'ServicePending', data: { graphId, serviceId } }, `pending:${serviceId}`);
      }
      return null;
    }
    const target = service.target;
    if (!target) return null;
    // A failure waits for an explicit retry (DeploymentRetryRequested clears it), or for a placement that retargets the service.
    if (service.status === 'Failed' && service.failure) return null;
    if (isUpToDate(service) && service.status === 'Deployed') return null;
    // Stopped or removed while this pass installs (a large graph, slow helm): the releases not started yet are left,
    // and the stop's own handling, next, uninstalls those that were. Not one install more.
    if (await stoppedMeanwhile()) return null;

    const chart = graph.normalised.services.find((s) => s.id === serviceId)!.artifact.ref;
    const request = { release: serviceId, chart, namespace, values: target.values, graphId };
    const release = await this.repairRelease(graph, service, record, helm);
    let action: 'install' | 'upgrade';
    let outcome: HelmOutcome;
    if (release === 'foreign') {
      // Another team's release, a hand install or another graph's: taking it over would overwrite its
      // values, and removing the graph would uninstall it. The operator decides (remove it, or rename the service).
      action = 'install';
      outcome = {
        ok: false,
        args: [],
        exitCode: null,
        stderr: `release ${serviceId} already exists in namespace ${namespace} and was not installed by graph ${graphId} (it has no ${RELEASE_GRAPH_LABEL}=${graphId} label); SMO does not take it over: remove it, or give the service another id, then retry`,
        timedOut: false,
      };
    } else if (release === 'not-found') {
      action = 'install';
      outcome = await helm.install(request);
    } else if (!service.installed) {
      // Installed by an earlier run that died before recording it: adopt, then bring it up to date.
      // --reset-values: whatever values the release has (another run's, a hand install's) are
      // dropped, so it has exactly the values recorded for it.
      await record(deployed(graph, service, 'adopt', chart, { ...target, valuesDigest: 'adopted' }, []), `adopt:${serviceId}`);
      action = 'upgrade';
      outcome = await helm.upgrade(request, 'reset');
    } else {
      action = 'upgrade';
      outcome = await helm.upgrade(request);
    }
    await record(
      outcome.ok
        ? deployed(graph, service, action, chart, target, outcome.args)
        : {
            type: 'ServiceDeploymentFailed',
            data: { graphId, serviceId, action, cluster: target.cluster, chart, exitCode: outcome.exitCode, stderr: outcome.stderr, timedOut: outcome.timedOut, command: outcome.args },
          },
      `${action}:${serviceId}:${target.valuesDigest}`,
    );
    return null;
  }

  /**
   * Whether helm has a release of this name that the graph installed (asked once, for a service whose
   * install may have left one unrecorded: failed, killed while pending, or finished after a crash); one
   * helm cannot tell about makes the event retried rather than guessed.
   */
  private async holdsOwnRelease(graph: ExistingGraph, serviceId: string, helm: HelmPort): Promise<boolean> {
    const status = await helm.status(serviceId, graph.project);
    if (status.state === 'unknown') throw new ReleaseStateUnknownError(serviceId, graph.project, status.reason);
    return status.state !== 'not-found' && (await this.ownedByGraph(graph, serviceId, helm));
  }

  /** Whether the release carries the graph's label; thrown (the event retried) when helm cannot tell. */
  private async ownedByGraph(graph: ExistingGraph, serviceId: string, helm: HelmPort): Promise<boolean> {
    const owned = await helm.isOwnedBy(serviceId, graph.project, graph.graphId);
    if (typeof owned !== 'boolean') throw new Error(`helm could not tell whether release ${serviceId} in ${graph.project} belongs to graph ${graph.graphId}: ${owned.unknown}`);
    return owned;
  }

  /**
   * Finds the release's real state; one left pending by a killed helm is repaired first (see helm/README).
   * A release SMO has not recorded is touched only when it carries the graph's label: else it is `foreign`.
   */
  private async repairRelease(
    graph: ExistingGraph,
    service: ServiceState,
    record: (outcome: Outcome, step: string) => Promise<unknown>,
    helm: HelmPort,
  ): Promise<'not-found' | 'present' | 'foreign'> {
    const namespace = graph.project;
    const serviceId = service.id;
    const status = await helm.status(serviceId, namespace);
    if (status.state === 'not-found') return 'not-found';
    // helm could not tell (e.g. the API server did not answer): retry the event rather than guess.
    if (status.state === 'unknown') throw new ReleaseStateUnknownError(serviceId, namespace, status.reason);
    if (!service.installed && !(await this.ownedByGraph(graph, serviceId, helm))) return 'foreign';
    const plan = planRecovery(status, status.state.startsWith('pending') ? await helm.history(serviceId, namespace) : []);
    if (plan.action === 'none') return 'present';
    const outcome = plan.action === 'uninstall' ? await helm.uninstall(serviceId, namespace) : await helm.rollback(serviceId, namespace, plan.revision);
    await record(
      {
        type: 'HelmReleaseRecovered',
        data: {
          graphId: graph.graphId,
          serviceId,
          namespace,
          foundState: status.state,
          action: plan.action,
          revision: plan.action === 'rollback' ? plan.revision : null,
          ok: outcome.ok,
          stderr: outcome.ok ? '' : outcome.stderr,
        },
      },
      `recover:${serviceId}:${status.state}:${status.revision ?? 0}`,
    );
    return plan.action === 'uninstall' && outcome.ok ? 'not-found' : 'present';
  }

  /**
   * The submission a removal event removed, as it was then (null for other events): the graph may have been submitted
   * again since, with other services, and the current state would name the new submission's dashboards and leave the
   * removed one's in Grafana for good. The same rule as the alert-rules processor's (GraphCommands.loadAsOf).
   */
  private async removalOf(event: RecordedEvent, now: ExistingGraph): Promise<ExistingGraph | null> {
    if (!this.deps.grafana || (event.type !== 'GraphRemoved' && event.type !== 'DeploymentRetryRequested')) return null;
    const then = await this.deps.graphs.loadAsOf(now.graphId, event.position);
    if (then.kind === 'none' || !then.removed) return null;
    return then.submission === now.submission ? now : then;
  }

  /**
   * Deletes the dashboards of a removed submission (`removal`), then publishes the graph's missing ones unless it is
   * removed; answers what Grafana refused, each recorded as DashboardFailed. Outcomes of an earlier submission are not
   * recorded on the graph submitted since (they are not its own); a failure still makes the event retried.
   * Once Grafana does not answer in time, the rest wait for the event's next attempt: each would wait as
   * long, and this processor serves every graph (100 services' dashboards at GRAFANA_TIMEOUT 10 s held every other
   * graph's deployments 17 minutes an attempt, five attempts, while Grafana hung).
   */
  private async reconcileDashboards(
    graph: ExistingGraph,
    removal: ExistingGraph | null,
    record: (outcome: Outcome, step: string) => Promise<unknown>,
  ): Promise<string[]> {
    const grafana = this.deps.grafana;
    if (!grafana) return [];
    const graphId = graph.graphId;
    const refused: string[] = [];
    let timedOut = false;
    const failed = async (of: ExistingGraph, serviceId: string | null, uid: string | null, action: 'publish' | 'remove', outcome: { status: number | null; error: string; timedOut?: true }) => {
      refused.push(outcome.error);
      timedOut ||= outcome.timedOut === true;
      if (of.submission !== graph.submission) return;
      await record({ type: 'DashboardFailed', data: { graphId, serviceId, uid, action, status: outcome.status, error: outcome.error } }, `dashboard-failed:${action}:${serviceId ?? graphId}`);
    };
    if (removal) {
      const owner = dashboardOwner(removal);
      const recorded = new Map<string, string | null>([
        ...(removal.dashboard ? [[removal.dashboard.uid, null] as const] : []),
        ...removal.services.filter((s) => s.dashboard).map((s) => [s.dashboard!.uid, s.id] as const),
      ]);
      // Those it published but did not record too (SMO stopped between the two, or the record failed): found by their owner tag.
      const found = await grafana.ownedDashboards(owner);
      if (!found.ok) await failed(removal, null, null, 'remove', found);
      const owned = new Set(found.ok ? found.value : []);
      for (const uid of new Set([...recorded.keys(), ...owned])) {
        if (timedOut) break;
        const serviceId = recorded.has(uid) ? recorded.get(uid)! : subjectOf(removal, uid);
        // One the search did not find is deleted only while it is still this submission's (or has no owner: published
        // before SMO tagged them): another graph, or this one submitted again, may have published the uid since.
        const outcome = owned.has(uid) ? await deleted(grafana.deleteDashboard(uid)) : await grafana.deleteOwnedDashboard(uid, owner);
        if (!outcome.ok) await failed(removal, serviceId ?? null, uid, 'remove', outcome);
        else if (outcome.value === 'deleted' && serviceId !== undefined && removal.submission === graph.submission) {
          await record({ type: 'DashboardRemoved', data: { graphId, serviceId, uid } }, `dashboard-removed:${uid}`);
        }
      }
    }
    if (graph.removed || timedOut) return refused;
    if (!graph.dashboard) {
      const outcome = await grafana.publishGraphDashboard(graphId, graph.services.map((s) => s.id), graph.project, dashboardOwner(graph));
      if (outcome.ok) await record({ type: 'DashboardPublished', data: { graphId, serviceId: null, ...outcome.value } }, `dashboard:${graphId}`);
      else await failed(graph, null, null, 'publish', outcome);
    }
    for (const service of graph.services.filter((s) => !s.dashboard)) {
      if (timedOut) break;
      const outcome = await grafana.publishServiceDashboard(service.id, graph.project, dashboardOwner(graph));
      if (outcome.ok) await record({ type: 'DashboardPublished', data: { graphId, serviceId: service.id, ...outcome.value } }, `dashboard:${service.id}`);
      else await failed(graph, service.id, null, 'publish', outcome);
    }
    return refused;
  }
}

/** Thrown, not recorded: the runner retries the event with backoff (e.g. an API server that did not answer helm). */
class ReleaseStateUnknownError extends Error {
  constructor(release: string, namespace: string, reason: string | undefined) {
    super(`helm could not read the state of release ${release} in ${namespace}${reason ? `: ${reason}` : ''}`);
    this.name = 'ReleaseStateUnknownError';
  }
}

/** Whose dashboard a uid is among the graph's (null: the graph's own; undefined: none of them). */
function subjectOf(graph: ExistingGraph, uid: string): string | null | undefined {
  if (uid === graphDashboardUid(graph.graphId)) return null;
  return graph.services.find((service) => serviceDashboardUid(service.id, graph.project) === uid)?.id;
}

async function deleted(deletion: Promise<GrafanaOutcome<void>>): Promise<GrafanaOutcome<'deleted'>> {
  const outcome = await deletion;
  return outcome.ok ? { ok: true, value: 'deleted' } : outcome;
}

/** The owner marked on the dashboards a graph's submission publishes. */
function dashboardOwner(graph: ExistingGraph): DashboardOwner {
  return { project: graph.project, graphId: graph.graphId, submission: graph.submission };
}

function deployed(
  graph: ExistingGraph,
  service: ServiceState,
  action: 'install' | 'upgrade' | 'adopt',
  chart: string,
  target: { cluster: string | null; values: Record<string, unknown>; valuesDigest: string },
  command: string[],
): Outcome {
  return {
    type: 'ServiceDeployed',
    data: {
      graphId: graph.graphId,
      serviceId: service.id,
      action,
      cluster: target.cluster,
      namespace: graph.project,
      chart,
      values: target.values,
      valuesDigest: target.valuesDigest,
      command,
    },
  };
}

/**
 * helm whose release-changing calls are fenced: each first confirms this instance still owns the
 * deployment processor, so an instance that lost it while paused mid-step changes nothing.
 */
function fenced(helm: HelmPort, fence: () => Promise<void>): HelmPort {
  return {
    mode: helm.mode,
    status: (...args) => helm.status(...args),
    history: (...args) => helm.history(...args),
    isOwnedBy: (...args) => helm.isOwnedBy(...args),
    install: async (...args) => (await fence(), helm.install(...args)),
    upgrade: async (...args) => (await fence(), helm.upgrade(...args)),
    uninstall: async (...args) => (await fence(), helm.uninstall(...args)),
    rollback: async (...args) => (await fence(), helm.rollback(...args)),
  };
}
