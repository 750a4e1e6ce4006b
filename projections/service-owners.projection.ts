import { GRAPH_CATEGORY, isGraphEvent } from '../src/domain/graph/events';
import type { Projection } from '../src/processing/projection';

/** A graph and the ids of its services, so that its removal knows which owners it ends. */
export interface GraphServices {
  kind: 'graph';
  graphId: string;
  services: string[];
}

/** One graph having a service of this id. */
export interface ServiceOwner {
  kind: 'owner';
  serviceId: string;
  graphId: string;
}

export type ServiceOwnersDocument = GraphServices | ServiceOwner;

const graphDocumentId = (graphId: string) => `graph:${graphId}`;

/**
 * `owner:<service>/<graph>`: a service's owners sort together, by graph id. Service and graph ids are
 * DNS-1123 labels (no "/"), so a service's prefix holds no other service's owners.
 */
export const serviceOwnerPrefix = (serviceId: string) => `owner:${serviceId}/`;
const ownerDocumentId = (serviceId: string, graphId: string) => serviceOwnerPrefix(serviceId) + graphId;

const servicesOf = (doc: ServiceOwnersDocument | null): string[] => (doc?.kind === 'graph' ? doc.services : []);

/**
 * Which graphs have a service of a given id, for alerts whose rule names only the service (upstream
 * SMO's rules): one small document per (service, graph), found with one seek in id order
 * (src/api/service-owners.ts), instead
 * of every graph read and searched on each webhook call. A graph's document lists its services;
 * its change (a submission, a removal) adds and removes its owner documents as follow-ups. No
 * document grows with the number of graphs.
 */
export const serviceOwnersProjection: Projection<ServiceOwnersDocument> = {
  name: 'service-owners',
  collection: 'service-owners',
  filter: { eventTypes: ['GraphSubmitted', 'GraphRemoved'], streamCategories: [GRAPH_CATEGORY] },
  documentIds: (event) => (isGraphEvent(event) ? [graphDocumentId(event.data.graphId)] : []),
  evolve: (doc, event) => {
    if (!isGraphEvent(event)) return doc;
    if (event.type === 'GraphSubmitted') {
      return { kind: 'graph', graphId: event.data.graphId, services: [...new Set(event.data.normalised.services.map((service) => service.id))].sort() };
    }
    return event.type === 'GraphRemoved' ? null : doc;
  },
  followUps: ({ before, after }) => {
    const graph = after ?? before;
    if (graph?.kind !== 'graph') return [];
    const [had, has] = [servicesOf(before), servicesOf(after)];
    return [
      ...had.filter((serviceId) => !has.includes(serviceId)).map((serviceId) => ({ id: ownerDocumentId(serviceId, graph.graphId), evolve: () => null })),
      ...has
        .filter((serviceId) => !had.includes(serviceId))
        .map((serviceId) => ({ id: ownerDocumentId(serviceId, graph.graphId), evolve: (): ServiceOwner => ({ kind: 'owner', serviceId, graphId: graph.graphId }) })),
    ];
  },
};
