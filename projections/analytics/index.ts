import type { ProcessingHost } from '../../src/processing/processing-host';
import { alertsByRuleProjection } from './alerts-by-rule.projection';
import { clusterLoadProjection } from './cluster-load.projection';
import { deploymentFailuresProjection } from './deployment-failures.projection';
import { placedResourcesProjection } from './placed-resources.projection';
import { placementMovesProjection } from './placement-moves.projection';
import { scalingActionsProjection } from './scaling-actions.projection';

/** Adds the analytics read models; each is rebuildable like every projection. */
export function addAnalyticsProjections(host: ProcessingHost): ProcessingHost {
  return host
    .addProjection(placedResourcesProjection)
    .addProjection(clusterLoadProjection)
    .addProjection(scalingActionsProjection)
    .addProjection(alertsByRuleProjection)
    .addProjection(deploymentFailuresProjection)
    .addProjection(placementMovesProjection);
}
