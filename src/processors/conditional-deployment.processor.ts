import type { RecordedEvent } from '../eventstore/event-store';
import { ALERTS_CATEGORY, isAlertFired } from '../domain/alert/events';
import { processorContext } from '../application/processor-context';
import type { Processor } from '../processing/processor';
import type { Dispatch } from './placement.processor';

const NAME = 'conditional-deployment';

/**
 * A firing alert for a Pending service triggers it (the deployment processor then installs it; a
 * stopped graph's, once the graph is started). The graph decides: a repeated alert, or one for a service that is not
 * waiting, triggers nothing — so the service is installed exactly once. A service waiting for ALL
 * its events records which of them fire and resolve, so resolved alerts go to the graph too.
 */
export class ConditionalDeploymentProcessor implements Processor {
  readonly name = NAME;
  readonly filter = { eventTypes: ['AlertFired'], streamCategories: [ALERTS_CATEGORY] };

  constructor(private readonly deps: { dispatch: Dispatch }) {}

  async handle(event: RecordedEvent): Promise<void> {
    if (!isAlertFired(event)) return;
    const alert = event.data;
    if (!alert.graphId || !alert.serviceId) return;
    const { graphId, serviceId, alertName, eventId, status, fingerprint, startsAt } = alert;
    await this.deps.dispatch(
      { type: 'TriggerService', data: { graphId, serviceId, alertName, eventId, alertEventId: event.id, status, fingerprint, startsAt } },
      processorContext(NAME, event, 'trigger'),
    );
  }
}
