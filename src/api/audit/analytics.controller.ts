import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Runtime } from '../../app/runtime';
import { RUNTIME } from '../../app/runtime.token';
import type { AlertsByRule } from '../../../projections/analytics/alerts-by-rule.projection';
import type { DeploymentFailures } from '../../../projections/analytics/deployment-failures.projection';
import { clusterLoadSeries, type PlacedResources } from '../../../projections/analytics/placed-resources.projection';
import type { PlacementMoves } from '../../../projections/analytics/placement-moves.projection';
import type { ScalingActions } from '../../../projections/analytics/scaling-actions.projection';

/** Analytics read models (each rebuildable through /admin/projections). */
@ApiTags('analytics')
@Controller('analytics')
export class AnalyticsController {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  @Get('cluster-load')
  @ApiOperation({ summary: 'CPU cores and memory placed per cluster over time (all graphs)' })
  async clusterLoad() {
    return clusterLoadSeries((await this.all<PlacedResources>('analytics-placed-resources', 'graphId')));
  }

  @Get('scaling')
  @ApiOperation({ summary: 'Scaling actions per service' })
  scaling() {
    return this.all<ScalingActions>('analytics-scaling-actions', 'graphId');
  }

  @Get('alerts')
  @ApiOperation({ summary: 'Alerts received per rule' })
  alerts() {
    return this.all<AlertsByRule>('analytics-alerts-by-rule', 'alertName');
  }

  @Get('deployment-failures')
  @ApiOperation({ summary: 'Failed installs and upgrades per chart' })
  failures() {
    return this.all<DeploymentFailures>('analytics-deployment-failures', 'chart');
  }

  @Get('placement-moves')
  @ApiOperation({ summary: 'Placement decisions and moves per day' })
  moves() {
    return this.all<PlacementMoves>('analytics-placement-moves', 'day');
  }

  private async all<T>(collection: string, orderBy: string): Promise<T[]> {
    return (await this.runtime.readStore.find<T>(collection, { orderBy: [{ field: orderBy }] })).map(({ doc }) => doc);
  }
}
