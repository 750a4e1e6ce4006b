import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { getSolver } from '../optimizer';
import type { GraphCommand } from '../domain/graph/commands';
import type { CommandContext } from '../application/command-handler';
import { ClusterDashboardProcessor } from '../processors/cluster-dashboard.processor';
import { AlertRulesProcessor } from '../processors/alert-rules.processor';
import { ClusterLossProcessor } from '../processors/cluster-loss.processor';
import { ConditionalDeploymentProcessor } from '../processors/conditional-deployment.processor';
import { ScalingScheduler } from '../processors/scaling.scheduler';
import { mergeLatencies } from '../processors/cluster-latencies';
import { SubmarinerBrokerAdapter } from '../integrations/karmada/submariner-broker.adapter';
import { loadKubeconfigFile } from '../integrations/kubernetes/kubeconfig';
import { DeploymentProcessor } from '../processors/deployment.processor';
import { SnapshotProcessor } from '../processors/snapshot.processor';
import { graphDecider } from '../domain/graph/decide';
import { GRAPH_EVOLVE_VERSION } from '../domain/graph/evolve';
import { GRAPH_CATEGORY } from '../domain/graph/events';
import { CLUSTER_EVOLVE_VERSION, clusterDecider } from '../domain/cluster/decide';
import { CLUSTER_CATEGORY } from '../domain/cluster/events';
import { RELEASE_NAMES_EVOLVE_VERSION, releaseNamesDecider } from '../domain/release-names/decide';
import { RELEASE_NAMES_CATEGORY } from '../domain/release-names/events';
import { PlacementProcessor } from '../processors/placement.processor';
import { OsK8sProvisioningProcessor } from '../processors/os-k8s-provisioning.processor';
import { KarmadaReplicaSource } from '../processors/replica-source';
import { ExecuteClusterCommand, ExecuteGraphCommand } from './cqrs';
import type { Runtime } from './runtime';
import { RUNTIME } from './runtime.token';

/** Registers the durable processors; they dispatch their commands through the CommandBus. */
@Injectable()
export class ProcessorsRegistration implements OnModuleInit {
  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly commandBus: CommandBus,
  ) {}

  onModuleInit(): void {
    const { runtime, commandBus } = this;
    const dispatch = (command: GraphCommand, context: CommandContext) => commandBus.execute(new ExecuteGraphCommand(command, context));
    const { helm, grafana } = runtime.integrations;
    // Submariner's gateways report measured round trips between clusters; configuration overrides them.
    const gateways = runtime.config.submariner.kubeconfig
      ? new SubmarinerBrokerAdapter(loadKubeconfigFile(runtime.config.submariner.kubeconfig, { trusted: true }))
      : null;
    runtime.processing
      .addProcessor(
        new PlacementProcessor({
          graphs: runtime.graphs,
          readStore: runtime.readStore,
          dispatch,
          solver: () => getSolver(runtime.config.solver),
          replicas: new KarmadaReplicaSource(runtime.config, runtime.logger),
          maxSolveCells: runtime.config.security.maxSolveCells,
          proposalTtlMs: runtime.config.proposalTtlSeconds * 1000,
          clusterLatencies: async () => mergeLatencies((await gateways?.readGatewayLatencies())?.value, runtime.config.latency.clusterLatencyMs),
          latencyLimitsMs: runtime.config.latency.limitsMs,
          inventoryReady: async () => {
            await runtime.clusterSync.whenSynced(30_000);
            await runtime.processing.whenProcessed((await runtime.eventStore.headPosition()) ?? 0, { names: ['clusters', 'placement-ledger'] });
          },
          ledgerTtlMs: runtime.config.placementLedgerTtlSeconds * 1000,
          inventoryShowsPlacements: runtime.integrations.modes.some((m) => m.name === 'karmada' && m.mode === 'simulated'),
        }),
      )
      .addProcessor(new DeploymentProcessor({ graphs: runtime.graphs, dispatch, helm, grafana, concurrency: runtime.config.helm.concurrency }))
      .addProcessor(new ClusterLossProcessor({ readStore: runtime.readStore, dispatch }))
      .addProcessor(new AlertRulesProcessor({ graphs: runtime.graphs, dispatch, rules: runtime.integrations.alertRules }))
      .addProcessor(new ConditionalDeploymentProcessor({ dispatch }));
    if (runtime.config.snapshotEvery > 0) {
      runtime.processing.addProcessor(
        new SnapshotProcessor({
          eventStore: runtime.eventStore,
          every: runtime.config.snapshotEvery,
          aggregates: {
            [GRAPH_CATEGORY]: { ...graphDecider, snapshotVersion: GRAPH_EVOLVE_VERSION },
            [CLUSTER_CATEGORY]: { ...clusterDecider, snapshotVersion: CLUSTER_EVOLVE_VERSION },
            // A project's reservations grow with every deploy and removal: a cold load starts from a snapshot too.
            [RELEASE_NAMES_CATEGORY]: { ...releaseNamesDecider, snapshotVersion: RELEASE_NAMES_EVOLVE_VERSION },
          },
        }),
      );
    }
    const { prometheus } = runtime.integrations;
    if (runtime.config.scaling.enabled && prometheus) {
      const scaling = new ScalingScheduler({
        readStore: runtime.readStore,
        rates: prometheus,
        scaler: runtime.integrations.scaler,
        dispatch,
        solver: () => getSolver(runtime.config.solver),
        logger: runtime.logger,
        intervalSeconds: runtime.config.scaling.intervalSeconds,
        metric: runtime.config.scaling.metric,
        owner: runtime.processing.owner,
      });
      runtime.scaling = scaling;
      runtime.jobs.push(scaling);
    }
    if (runtime.integrations.nfvcl) {
      runtime.processing.addProcessor(
        new OsK8sProvisioningProcessor({
          clusters: runtime.osK8sClusters,
          nfvcl: runtime.integrations.nfvcl,
          logger: runtime.logger,
          pollIntervalMs: runtime.config.nfvcl.pollIntervalMs,
          timeoutMs: runtime.config.nfvcl.provisionTimeoutSeconds * 1000,
          karmadaConfigured: runtime.config.karmada.kubeconfig !== undefined,
        }),
      );
    }
    if (grafana) {
      runtime.processing.addProcessor(
        new ClusterDashboardProcessor({
          grafana,
          dispatch: (command, context) => commandBus.execute(new ExecuteClusterCommand(command, context)),
        }),
      );
    }
  }
}
