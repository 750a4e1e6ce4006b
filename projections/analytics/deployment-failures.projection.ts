import { eventOfType } from '../../src/domain/event-schema';
import { GRAPH_CATEGORY, isGraphEvent } from '../../src/domain/graph/events';
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

const isDeploymentFailure = eventOfType(isGraphEvent, 'ServiceDeploymentFailed');

export const deploymentFailuresProjection: Projection<DeploymentFailures> = {
  name: 'analytics-deployment-failures',
  collection: 'analytics-deployment-failures',
  filter: { eventTypes: ['ServiceDeploymentFailed'], streamCategories: [GRAPH_CATEGORY] },
  documentIds: (event) => (isDeploymentFailure(event) ? [event.data.chart ?? 'unknown'] : []),
  evolve: (doc, event) => {
    if (!isDeploymentFailure(event)) return doc;
    const failure = event.data;
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
