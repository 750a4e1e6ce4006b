import { Inject, Injectable } from '@nestjs/common';
import { readEnergyFigures } from '../integrations/prometheus/energy-figures';
import { CommandBus } from '@nestjs/cqrs';
import { getIsolatedSolver } from '../optimizer';
import type { ClusterCommand } from '../domain/cluster/decide';
import type { GraphCommand } from '../domain/graph/commands';
import type { OsK8sClusterCommand } from '../domain/os-k8s-cluster/commands';
import type { CommandContext } from '../application/command-handler';
import type { Processor } from '../processing/processor';
import { ClusterDashboardProcessor } from '../processors/cluster-dashboard.processor';
import { AlertRulesProcessor } from '../processors/alert-rules.processor';
import { ClusterMembershipProcessor } from '../processors/cluster-membership.processor';
import { ProvisionedClusterProcessor } from '../processors/provisioned-cluster.processor';
import { ConditionalDeploymentProcessor } from '../processors/conditional-deployment.processor';
import { ScalingScheduler } from '../processors/scaling.scheduler';
import { placementLatencies, type LatencyMatrix } from '../processors/cluster-latencies';
import { createSubmariner } from './integrations';
import { DeploymentProcessor } from '../processors/deployment.processor';
import { SnapshotProcessor } from '../processors/snapshot.processor';
import { graphDecider } from '../domain/graph/decide';
import { GRAPH_EVOLVE_VERSION } from '../domain/graph/evolve';
import { GRAPH_CATEGORY } from '../domain/graph/events';
import { CLUSTER_EVOLVE_VERSION, clusterDecider } from '../domain/cluster/decide';
import { CLUSTER_CATEGORY } from '../domain/cluster/events';
import { RELEASE_NAMES_EVOLVE_VERSION, releaseNamesDecider } from '../domain/release-names/decide';
import { RELEASE_NAMES_CATEGORY } from '../domain/release-names/events';
import { VIM_NAME_EVOLVE_VERSION, vimNameDecider } from '../domain/vim-name/decide';
import { VIM_NAME_CATEGORY } from '../domain/vim-name/events';
import { PlacementProcessor } from '../processors/placement.processor';
import { inventoryShowsPlacements } from '../processors/cluster-inventory';
import { OsK8sProvisioningProcessor } from '../processors/os-k8s-provisioning.processor';
import { OsK8sOperationsProcessor } from '../processors/os-k8s-operations.processor';
import { KarmadaReplicaSource } from '../processors/replica-source';
import { ClusterSync } from '../processors/cluster-sync';
import { NfvclCallsProcessor } from '../processors/nfvcl-calls.processor';
import { clusterUseCaseOf, graphUseCaseOf, nfvclCallUseCaseOf, osK8sClusterUseCaseOf, RemoveVim } from './cqrs';
import type { Runtime } from './runtime';
import { RUNTIME } from './runtime.token';
import { osK8sClustersProjection, type OsK8sClusterDocument } from '../../projections/os-k8s-clusters.projection';
import { vimsProjection } from '../../projections/vims.projection';
import { PlacementLease } from '../application/placement-lease';

/** Clusters still provisioning that the provisioning processor follows alongside the one it handles. */
const FOLLOWED_ALONGSIDE = 50;

/**
 * The composition root of SMO's durable processors (what stands in for sagas, see the README's
 * design section): a Nest provider built once from the runtime and the CommandBus. Every command a
 * processor issues goes through the bus as its use case. The runtime lifecycle registers the
 * processors with the processing host and starts the scheduler; nothing here mutates the runtime.
 */
@Injectable()
export class DurableProcessing {
  readonly processors: Processor[];
  /** The autoscaler when SCALING_ENABLED and Prometheus is configured (its status is in /health). */
  readonly scaling: ScalingScheduler | null;
  /** Keeps the cluster streams in step with Karmada's inventory (placement and dry runs wait for its first pass). */
  readonly clusterSync: ClusterSync;
  /** The cluster latencies placements use (measured by Submariner's gateways, overridden by configuration); dry runs read them too. */
  readonly clusterLatencies: () => Promise<LatencyMatrix | undefined>;
  /** One placement decision at a time across instances: automatic placements and approvals hold it. */
  readonly placementLease: PlacementLease;

  /** Periodic work besides the processors; started with the app, stopped before the stores close. */
  get jobs(): Array<{ start(): void; stop(): Promise<void> }> {
    return this.scaling ? [this.clusterSync, this.scaling] : [this.clusterSync];
  }

  constructor(@Inject(RUNTIME) runtime: Runtime, commandBus: CommandBus) {
    const dispatch = (command: GraphCommand, context: CommandContext) => commandBus.execute(graphUseCaseOf(command, context));
    const dispatchCluster = (command: ClusterCommand, context: CommandContext) => commandBus.execute(clusterUseCaseOf(command, context));
    const dispatchOsK8s = (command: OsK8sClusterCommand, context: CommandContext) => commandBus.execute(osK8sClusterUseCaseOf(command, context));
    const { helm, grafana, prometheus, nfvcl } = runtime.integrations;
    const energyQuery = runtime.config.prometheus.energy;
    const clusterSync = new ClusterSync({
      inventory: runtime.integrations.inventory,
      dispatch: dispatchCluster,
      readStore: runtime.readStore,
      logger: runtime.logger,
      intervalMs: runtime.config.karmada.syncIntervalSeconds * 1000,
      owner: runtime.processing.owner,
      leaseTtlMs: runtime.config.leaseTtlSeconds * 1000,
    });
    this.clusterSync = clusterSync;
    // Submariner's gateways report measured round trips between clusters; configuration overrides them.
    const gateways = createSubmariner(runtime.config);
    this.clusterLatencies = placementLatencies(gateways, runtime.config.latency.clusterLatencyMs);
    this.placementLease = new PlacementLease(runtime.readStore, runtime.config.leaseTtlSeconds * 1000);
    const replicas = new KarmadaReplicaSource(runtime.config, runtime.logger);
    this.processors = [
      new PlacementProcessor({
        graphs: runtime.graphs,
        readStore: runtime.readStore,
        dispatch,
        placementLease: this.placementLease,
        solver: async () => getIsolatedSolver(runtime.config.solver),
        replicas,
        maxSolveCells: runtime.config.security.maxSolveCells,
        proposalTtlMs: runtime.config.proposalTtlSeconds * 1000,
        clusterLatencies: this.clusterLatencies,
        latencyLimitsMs: runtime.config.latency.limitsMs,
        intentLabels: runtime.config.karmada.intentLabels,
        ...(prometheus && energyQuery ? { energyFigures: () => readEnergyFigures(prometheus, energyQuery) } : {}),
        ...(nfvcl ? { provisioning: { workerFlavor: runtime.config.nfvcl.workerFlavor } } : {}),
        // The VIMs too: a cluster proposed for an infeasible graph is built on one registered before it.
        inventoryReady: async () => {
          await clusterSync.whenSynced(30_000);
          await runtime.processing.whenProcessed((await runtime.eventStore.headPosition()) ?? 0, { names: ['clusters', 'placement-ledger', vimsProjection.name] });
        },
        ledgerTtlMs: runtime.config.placementLedgerTtlSeconds * 1000,
        inventoryShowsPlacements: inventoryShowsPlacements(runtime.integrations.modes),
      }),
      new DeploymentProcessor({ graphs: runtime.graphs, dispatch, helm, grafana, concurrency: runtime.config.helm.concurrency, graphsAtOnce: runtime.config.helm.graphsAtOnce }),
      new ClusterMembershipProcessor({ readStore: runtime.readStore, dispatch }),
      new AlertRulesProcessor({ graphs: runtime.graphs, dispatch, rules: runtime.integrations.alertRules, logger: runtime.logger }),
      new ConditionalDeploymentProcessor({ dispatch }),
    ];
    if (runtime.config.snapshotEvery > 0) {
      this.processors.push(
        new SnapshotProcessor({
          eventStore: runtime.eventStore,
          every: runtime.config.snapshotEvery,
          aggregates: {
            [GRAPH_CATEGORY]: { ...graphDecider, snapshotVersion: GRAPH_EVOLVE_VERSION },
            [CLUSTER_CATEGORY]: { ...clusterDecider, snapshotVersion: CLUSTER_EVOLVE_VERSION },
            // A project's reservations grow with every deploy and removal: a cold load starts from a snapshot too.
            [RELEASE_NAMES_CATEGORY]: { ...releaseNamesDecider, snapshotVersion: RELEASE_NAMES_EVOLVE_VERSION },
            // A VIM name registered, removed and registered again (or failing) grows its reservation stream.
            [VIM_NAME_CATEGORY]: { ...vimNameDecider, snapshotVersion: VIM_NAME_EVOLVE_VERSION },
          },
        }),
      );
    }
    if (nfvcl) {
      const following = {
        clusters: runtime.osK8sClusters,
        dispatch: dispatchOsK8s,
        nfvcl,
        logger: runtime.logger,
        pollIntervalMs: runtime.config.nfvcl.pollIntervalMs,
        timeoutMs: runtime.config.nfvcl.provisionTimeoutSeconds * 1000,
      };
      this.processors.push(
        new OsK8sProvisioningProcessor({
          ...following,
          karmadaConfigured: runtime.config.karmada.kubeconfig !== undefined,
          provisioning: async () => {
            const docs = await runtime.readStore.find<OsK8sClusterDocument>(osK8sClustersProjection.collection, { where: { status: 'Provisioning' }, orderBy: [{ field: 'requestedAt' }], limit: FOLLOWED_ALONGSIDE });
            const requests = await Promise.all(docs.map(({ doc }) => runtime.osK8sClusters.provisioningRequest(doc.smoId)));
            return requests.filter((request) => request !== null);
          },
        }),
        // The add_node and delete tasks NFVCL accepted, followed as the create is: a failure is recorded on the cluster.
        new OsK8sOperationsProcessor(following),
        new NfvclCallsProcessor({
          calls: runtime.nfvclCalls,
          clusters: runtime.osK8sClusters,
          vims: runtime.vims,
          nfvcl,
          dispatchCall: (command, context) => commandBus.execute(nfvclCallUseCaseOf(command, context)),
          dispatchCluster: dispatchOsK8s,
          removeVim: (data, context) => commandBus.execute(new RemoveVim(data, context)),
          clustersInArea: async (popArea) => {
            // The clusters the calls before this one recorded are in the read model once it reached the head.
            await runtime.processing.whenProcessed((await runtime.eventStore.headPosition()) ?? 0, { names: [osK8sClustersProjection.name] });
            const docs = await runtime.readStore.find<OsK8sClusterDocument>(osK8sClustersProjection.collection, { where: { popArea } });
            return docs.map(({ doc }) => ({ smoId: doc.smoId, vimName: doc.state.vimName, blueprintId: doc.blueprintId }));
          },
        }),
        // A graph's approved cluster proposal is pending again when that cluster is not built (placed when it joins: ClusterMembershipProcessor).
        new ProvisionedClusterProcessor({ readStore: runtime.readStore, dispatch, eventStore: runtime.eventStore }),
      );
    }
    if (grafana) this.processors.push(new ClusterDashboardProcessor({ grafana, dispatch: dispatchCluster, clusters: runtime.clusters }));
    this.scaling =
      runtime.config.scaling.enabled && prometheus
        ? new ScalingScheduler({
            readStore: runtime.readStore,
            rates: prometheus,
            scaler: runtime.integrations.scaler,
            replicas,
            dispatch,
            graphs: runtime.graphs,
            solver: async () => getIsolatedSolver(runtime.config.solver),
            logger: runtime.logger,
            metrics: runtime.metrics.domain,
            intervalSeconds: runtime.config.scaling.intervalSeconds,
            metric: runtime.config.scaling.metric,
            namespaceLabel: runtime.config.scaling.namespaceLabel,
            owner: runtime.processing.owner,
            leaseTtlMs: runtime.config.leaseTtlSeconds * 1000,
            inventoryShowsPlacements: inventoryShowsPlacements(runtime.integrations.modes),
          })
        : null;
  }
}
