import { ProvisionedClusterProcessor } from './provisioned-cluster.processor';
import { MemoryReadStore } from '../readstore/memory-read-store';
import { MemoryEventStore } from '../eventstore/memory-event-store';
import type { GraphCommand } from '../domain/graph/commands';
import type { RecordedEvent } from '../eventstore/event-store';
import type { GraphDocument } from '../../projections/graphs.projection';

const graphDoc = (name: string, awaitsCluster: boolean) => ({ name, awaitsCluster, state: { graphId: name } }) as unknown as GraphDocument;
const joined = { id: 'e1', type: 'ClusterRegistered', streamId: 'cluster-c9', data: { name: 'c9' }, position: 5000, revision: 0, created: '2026-12-05T00:00:00.000Z', metadata: {} } as unknown as RecordedEvent;

describe('the provisioned-cluster processor', () => {
  it('asks to place every graph waiting for an approved cluster, wherever it sorts among many graphs that do not wait', async () => {
    const store = new MemoryReadStore();
    const others = Array.from({ length: 1500 }, (_, i) => ({ kind: 'upsert' as const, collection: 'graphs', id: `a${String(i).padStart(4, '0')}`, doc: graphDoc(`a${String(i).padStart(4, '0')}`, false), position: i + 1 }));
    await store.commit([...others, { kind: 'upsert', collection: 'graphs', id: 'zz-waiting', doc: graphDoc('zz-waiting', true), position: 1501 }]);
    const dispatched: GraphCommand[] = [];
    const processor = new ProvisionedClusterProcessor({ readStore: store, dispatch: async (command) => dispatched.push(command), eventStore: new MemoryEventStore() });
    await processor.handle(joined);
    expect(dispatched).toEqual([expect.objectContaining({ type: 'RequestReplacement', data: expect.objectContaining({ graphId: 'zz-waiting', reason: 'retry' }) })]);
  });
});
