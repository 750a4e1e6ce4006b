import { serviceOwnerPrefix, serviceOwnersProjection, type ServiceOwnersDocument } from '../../projections/service-owners.projection';
import type { ReadStore } from '../readstore/read-store';

/** The first graph, by id, that has a service `serviceId`; null when none has. One seek, however many graphs there are. */
export async function firstOwnerOf(readStore: Pick<ReadStore, 'find'>, serviceId: string): Promise<string | null> {
  const prefix = serviceOwnerPrefix(serviceId);
  const [first] = await readStore.find<ServiceOwnersDocument>(serviceOwnersProjection.collection, { afterId: prefix, limit: 1 });
  return first?.id.startsWith(prefix) && first.doc.kind === 'owner' ? first.doc.graphId : null;
}
