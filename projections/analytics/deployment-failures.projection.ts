import { GRAPH_CATEGORY, type ServiceDeploymentFailed } from '../../src/domain/graph/events';
import type { Projection } from '../../src/processing/projection';

/** Failed installs and upgrades per chart. */
export interface DeploymentFailures {
  chart: string;
  failures: number;
  timeouts: number;
  services: string[];
  lastAt: string;
  /** The last line of helm's stderr, the most telling one. */
  lastError: string;
}

export const deploymentFailuresProjection: Projection<DeploymentFailures> = {
  name: 'analytics-deployment-failures',
  collection: 'analytics-deployment-failures',
  filter: { eventTypes: ['ServiceDeploymentFailed'], streamCategories: [GRAPH_CATEGORY] },
  documentIds: (event) => [(event as unknown as ServiceDeploymentFailed).data.chart ?? 'unknown'],
  evolve: (doc, event) => {
    const failure = (event as unknown as ServiceDeploymentFailed).data;
    return {
      chart: failure.chart ?? 'unknown',
      failures: (doc?.failures ?? 0) + 1,
      timeouts: (doc?.timeouts ?? 0) + (failure.timedOut ? 1 : 0),
      services: [...new Set([...(doc?.services ?? []), `${failure.graphId}/${failure.serviceId}`])].sort(),
      lastAt: event.created,
      lastError: failure.stderr.trim().split('\n').at(-1) ?? '',
    };
  },
};
