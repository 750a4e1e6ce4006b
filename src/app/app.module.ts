import { Inject, Module, type DynamicModule, type OnApplicationBootstrap, type Provider, type OnApplicationShutdown } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
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
import { ExecuteClusterCommandHandler, ExecuteGraphCommandHandler } from './cqrs';
import { ProcessorsRegistration } from './processors.registration';
import type { Runtime } from './runtime';
import { RUNTIME } from './runtime.token';

/** Starts the processors once the app is up, and closes the stores after the HTTP server has drained. */
class RuntimeLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  onApplicationBootstrap(): void {
    this.runtime.processing.start();
    this.runtime.jobs.forEach((job) => job.start());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runtime.close();
  }
}

/**
 * The runtime's collaborators a controller may ask for by type instead of reaching into the runtime
 * (MetricsController shows the pattern; the other controllers still take RUNTIME).
 */
function runtimeParts(runtime: Runtime): Provider[] {
  return [{ provide: Metrics, useValue: runtime.metrics }];
}

@Module({})
export class AppModule {
  static with(runtime: Runtime): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [CqrsModule.forRoot()],
      controllers: [HealthController, MetricsController, AdminProjectionsController, GraphsController, ClustersController, PlanController, AlertsController, AuditController, AnalyticsController, VimsController, OsK8sController, ClusterProvisioningController],
      providers: [{ provide: RUNTIME, useValue: runtime }, ...runtimeParts(runtime), RuntimeLifecycle, OpenEventStreams, ProcessorsRegistration, ExecuteGraphCommandHandler, ExecuteClusterCommandHandler],
      exports: [RUNTIME],
    };
  }
}
