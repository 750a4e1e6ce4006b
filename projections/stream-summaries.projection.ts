import type { RecordedEvent } from '../src/eventstore/event-store';
import { streamCategory } from '../src/eventstore/event-store';
import type { Projection } from '../src/processing/projection';

/** One document per stream: what an operator sees first when auditing the store. */
export interface StreamSummary {
  streamId: string;
  category: string;
  events: number;
  lastRevision: number;
  lastType: string;
  firstAt: string;
  lastAt: string;
  lastCorrelationId: string | null;
}

export const streamSummariesProjection: Projection<StreamSummary> = {
  name: 'stream-summaries',
  collection: 'stream-summaries',
  filter: {},
  documentIds: (event: RecordedEvent) => [event.streamId],
  evolve: (doc, event) => ({
    streamId: event.streamId,
    category: streamCategory(event.streamId),
    events: (doc?.events ?? 0) + 1,
    lastRevision: event.revision,
    lastType: event.type,
    firstAt: doc?.firstAt ?? event.created,
    lastAt: event.created,
    lastCorrelationId: typeof event.metadata.correlationId === 'string' ? event.metadata.correlationId : null,
  }),
};
