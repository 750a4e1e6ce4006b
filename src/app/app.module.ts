import { Inject, Module, type DynamicModule, type OnApplicationBootstrap, type Provider, type OnApplicationShutdown } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AdminProcessorsController } from '../api/admin-processors.controller';
import { AdminProjectionsController } from '../api/admin-projections.controller';
import { HealthController } from '../api/health.controller';
import { MetricsController } from '../api/metrics.controller';
import { AlertsController } from '../api/alerts.controller';
import { AnalyticsController } from '../api/audit/analytics.controller';
import { AuditController } from '../api/audit/audit.controller';
import { OpenEventStreams } from '../api/audit/open-event-streams';
import { ClustersController } from '../api/clusters.controller';
import { GraphsController } from '../api/graphs/graphs.controller';
import { ClusterProvisioningController } from '../api/graphs/cluster-provisioning.controller';
import { OsK8sController } from '../api/nfvcl/os-k8s.controller';
import { VimsController } from '../api/nfvcl/vims.controller';
import { PlanController } from '../api/placement/plan.controller';
import { Metrics } from '../observability/metrics';
import { ClusterCommands } from '../application/cluster-commands';
import { GraphCommands } from '../application/graph-commands';
import { OsK8sClusterCommands } from '../application/os-k8s-cluster-commands';
import { VimCommands } from '../application/vim-commands';
import { NfvclCalls } from '../application/nfvcl-calls';
import { AlertLog } from '../application/alert-log';
import { COMMAND_HANDLERS } from './cqrs';
import { DurableProcessing } from './processing.composition';
import type { Runtime } from './runtime';
import { RUNTIME } from './runtime.token';
import { ConsoleDataController } from '../ui/console-data.controller';

/**
 * Registers the composed processors and starts them once the app is up (the CommandBus has its
 * handlers by then); stops the scheduler and closes the stores after the HTTP server has drained.
 */
class RuntimeLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly durable: DurableProcessing,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const processor of this.durable.processors) this.runtime.processing.addProcessor(processor);
    await this.runtime.processing.releaseLeasesOfDeadPredecessors();
    this.runtime.processing.start();
    this.durable.jobs.forEach((job) => job.start());
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.durable.jobs.map((job) => job.stop()));
    await this.runtime.close();
  }
}

/**
 * The runtime's collaborators a controller or command handler may ask for by type instead of
 * reaching into the runtime (MetricsController shows the pattern; most controllers still take RUNTIME).
 */
function runtimeParts(runtime: Runtime): Provider[] {
  return [
    { provide: Metrics, useValue: runtime.metrics },
    { provide: GraphCommands, useValue: runtime.graphs },
    { provide: ClusterCommands, useValue: runtime.clusters },
    { provide: OsK8sClusterCommands, useValue: runtime.osK8sClusters },
    { provide: VimCommands, useValue: runtime.vims },
    { provide: NfvclCalls, useValue: runtime.nfvclCalls },
    { provide: AlertLog, useValue: new AlertLog(runtime.eventStore) },
  ];
}

@Module({})
export class AppModule {
  static with(runtime: Runtime): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [CqrsModule.forRoot()],
      controllers: [HealthController, MetricsController, AdminProjectionsController, AdminProcessorsController, GraphsController, ClustersController, PlanController, AlertsController, AuditController, AnalyticsController, VimsController, OsK8sController, ConsoleDataController, ClusterProvisioningController],
      providers: [{ provide: RUNTIME, useValue: runtime }, ...runtimeParts(runtime), RuntimeLifecycle, OpenEventStreams, DurableProcessing, ...COMMAND_HANDLERS],
      exports: [RUNTIME],
    };
  }
}
