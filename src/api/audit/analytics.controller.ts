import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Runtime } from '../../app/runtime';
import { ApiJson } from '../openapi/responses';
import { arrayOf, shape } from '../openapi/schemas';
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
  @ApiJson(200, 'Per cluster, the placed load after each change', { type: 'object', additionalProperties: arrayOf(shape({ at: { type: 'string' }, cpu: { type: 'number' }, memoryBytes: { type: 'number' } })) })
  async clusterLoad() {
    return clusterLoadSeries((await this.all<PlacedResources>('analytics-placed-resources', 'graphId')));
  }

  @Get('scaling')
  @ApiOperation({ summary: 'Scaling actions per service' })
  @ApiJson(200, 'One document per graph', arrayOf({ type: 'object' }))
  scaling() {
    return this.all<ScalingActions>('analytics-scaling-actions', 'graphId');
  }

  @Get('alerts')
  @ApiOperation({ summary: 'Alerts received per rule' })
  @ApiJson(200, 'One document per alert name', arrayOf({ type: 'object' }))
  alerts() {
    return this.all<AlertsByRule>('analytics-alerts-by-rule', 'alertName');
  }

  @Get('deployment-failures')
  @ApiOperation({ summary: 'Failed installs and upgrades per chart' })
  @ApiJson(200, 'One document per chart', arrayOf({ type: 'object' }))
  failures() {
    return this.all<DeploymentFailures>('analytics-deployment-failures', 'chart');
  }

  @Get('placement-moves')
  @ApiOperation({ summary: 'Placement decisions and moves per day' })
  @ApiJson(200, 'One document per day', arrayOf({ type: 'object' }))
  moves() {
    return this.all<PlacementMoves>('analytics-placement-moves', 'day');
  }

  private async all<T>(collection: string, orderBy: string): Promise<T[]> {
    return (await this.runtime.readStore.find<T>(collection, { orderBy: [{ field: orderBy }] })).map(({ doc }) => doc);
  }
}
