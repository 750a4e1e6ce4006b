import { join } from 'node:path';
import type { SmoConfig } from '../config/config';
import type { EventStore } from '../eventstore/event-store';
import { MemoryEventStore } from '../eventstore/memory-event-store';
import { SqliteEventStore } from '../eventstore/sqlite-event-store';
import { InstrumentedEventStore } from '../observability/instrumented-event-store';
import { createLogger, type Logger } from '../observability/logger';
import { Metrics } from '../observability/metrics';
import { ProcessingHost } from '../processing/processing-host';
import { MemoryReadStore } from '../readstore/memory-read-store';
import type { ReadStore } from '../readstore/read-store';
import { CachingReadStore } from '../readstore/caching-read-store';
import { SqliteReadStore } from '../readstore/sqlite-read-store';
import { SqliteDatabase } from '../sqlite/sqlite-database';
import { streamSummariesProjection } from '../../projections/stream-summaries.projection';
import { graphsProjection } from '../../projections/graphs.projection';
import { clustersProjection } from '../../projections/clusters.projection';
import { addAnalyticsProjections } from '../../projections/analytics';
import { vimsProjection } from '../../projections/vims.projection';
import { placementLedgerProjection } from '../../projections/placement-ledger.projection';
import { serviceOwnersProjection } from '../../projections/service-owners.projection';
import { placementDecisionsProjection } from '../../projections/placement-decisions.projection';
import { placedDemandOf } from '../processors/placed-demand';
import { osK8sClustersProjection } from '../../projections/os-k8s-clusters.projection';
import { VimCommands } from '../application/vim-commands';
import { VimNames } from '../application/vim-names';
import { OsK8sClusterCommands } from '../application/os-k8s-cluster-commands';
import { NfvclCalls } from '../application/nfvcl-calls';
import { ClusterCommands } from '../application/cluster-commands';
import { GraphCommands } from '../application/graph-commands';
import { createIntegrations, type IntegrationMode, type Integrations } from './integrations';

export type { IntegrationMode };

/** Everything SMO's HTTP layer and processors stand on, built from the configuration. */
export interface Runtime {
  config: SmoConfig;
  logger: Logger;
  metrics: Metrics;
  eventStore: EventStore;
  /** Every writer goes through it, so its cache of parsed documents (for the query routes) stays coherent. */
  readStore: CachingReadStore;
  processing: ProcessingHost;
  integrations: Integrations;
  graphs: GraphCommands;
  clusters: ClusterCommands;
  /** NFVCL: VIMs (`vim-<id>`) and OpenStack Kubernetes clusters (`oscluster-<smo_id>`). */
  vims: VimCommands;
  osK8sClusters: OsK8sClusterCommands;
  /** Changes asked of NFVCL, recorded before the NFVCL calls processor makes them. */
  nfvclCalls: NfvclCalls;
  /** VIM names held by the registration that is asking NFVCL for them (`vimname-<digest>`). */
  vimNames: VimNames;
  startedAt: Date;
  close(): Promise<void>;
}

/**
 * The EventStoreDB and MongoDB adapters, loaded only when configured: their clients (gRPC, the MongoDB
 * driver) add ~60 MB of resident memory to a process that runs on SQLite (`npm run bench:history`).
 * A CommonJS require, not import(): it resolves the same way from dist/, under ts-jest and under
 * scripts/register-ts.cjs.
 */
function loadAdapter<T>(store: 'eventstoredb' | 'mongodb'): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand, see above
  return (store === 'eventstoredb' ? require('../eventstore/eventstoredb-event-store') : require('../readstore/mongodb-read-store')) as T;
}

export async function createRuntime(config: SmoConfig, options: { logger?: Logger } = {}): Promise<Runtime> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  // The metrics read the processing host lazily, at scrape time.
  const metrics: Metrics = new Metrics((): ProcessingHost => processing, (): ReadStore => readStore);
  let database: SqliteDatabase | undefined;
  const sqlite = () =>
    (database ??= new SqliteDatabase({ path: join(config.dataDir, 'smo.db'), synchronous: config.sqliteSynchronous }));

  const rawEventStore: EventStore =
    config.eventStore === 'memory'
      ? new MemoryEventStore()
      : config.eventStore === 'eventstoredb'
        ? new (loadAdapter<typeof import('../eventstore/eventstoredb-event-store')>('eventstoredb').EventStoreDbEventStore)(config.esdbUrl!)
        : new SqliteEventStore(sqlite());
  const rawReadStore: ReadStore =
    config.readStore === 'memory'
      ? new MemoryReadStore()
      : config.readStore === 'mongodb'
        ? await loadAdapter<typeof import('../readstore/mongodb-read-store')>('mongodb').MongoDbReadStore.connect(config.mongoUrl!)
        : new SqliteReadStore(sqlite());
  const readStore = new CachingReadStore(rawReadStore);
  const eventStore = new InstrumentedEventStore(rawEventStore, metrics, logger);

  const processing = new ProcessingHost({ eventStore, readStore, logger, leaseTtlMs: config.leaseTtlSeconds * 1000 });
  processing.addProjection(streamSummariesProjection).addProjection(graphsProjection).addProjection(clustersProjection);
  addAnalyticsProjections(processing);
  processing.addProjection(vimsProjection).addProjection(osK8sClustersProjection).addProjection(placementLedgerProjection).addProjection(placementDecisionsProjection).addProjection(serviceOwnersProjection);
  // Simulated clusters show what SMO placed on them as allocated, as Karmada would: every
  // placement recorded so far, else the ledger rule would take this observation as reflecting
  // placements it does not include. A ledger still behind after 10 s fails the observation
  // (ReadModelBehindError): the cluster sync retries it, as when Karmada cannot be reached.
  const placedDemand = async () => {
    const head = (await eventStore.headPosition()) ?? 0;
    await processing.whenProcessed(head, { names: [placementLedgerProjection.name], timeoutMs: 10_000 });
    return placedDemandOf(readStore);
  };
  const integrations = createIntegrations(config, logger, { placedDemand });
  integrations.helm = metrics.domain.instrumentHelm(integrations.helm);
  const graphs = new GraphCommands(eventStore);
  const clusters = new ClusterCommands(eventStore);
  for (const integration of integrations.modes.filter((i) => i.mode !== 'real')) {
    const fields = { integration: integration.name, mode: integration.mode, detail: integration.detail };
    // Absent: configured to run for real but cannot; what needs it will fail until it is installed.
    if (integration.mode === 'absent') logger.warn(fields, `integration ${integration.name} absent: ${integration.detail ?? ''}`);
    else logger.info(fields, 'integration not real');
  }

  logger.info(
    { eventStore: rawEventStore.adapter, readStore: readStore.adapter, dataDir: database ? config.dataDir : undefined },
    'stores opened',
  );
  const runtime: Runtime = {
    config,
    logger,
    metrics,
    eventStore,
    readStore,
    processing,
    integrations,
    graphs,
    clusters,
    vims: new VimCommands(eventStore, readStore),
    osK8sClusters: new OsK8sClusterCommands(eventStore),
    nfvclCalls: new NfvclCalls(eventStore, { inDoubtForMs: config.nfvcl.provisionTimeoutSeconds * 1000 }),
    vimNames: new VimNames(eventStore),
    startedAt: new Date(),
    async close() {
      // Every step runs even when one before it throws (a runner that fails to stop must not leave the
      // stores and the SQLite file open); the first failure is rethrown once all have run.
      const steps = [() => processing.stop(), () => rawEventStore.close(), () => readStore.close(), () => database?.close()];
      const failures: unknown[] = [];
      for (const step of steps) {
        try {
          await step();
        } catch (error) {
          failures.push(error);
        }
      }
      if (failures.length > 0) throw failures[0];
      logger.info('stores closed');
    },
  };
  return runtime;
}
