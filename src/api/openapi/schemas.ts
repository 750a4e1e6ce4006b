/**
 * JSON Schemas of SMO's request and response bodies, for the OpenAPI document. They describe what
 * the code sends and accepts (the fuzz run, `scripts/fuzz.sh`, checks every answer against them),
 * so a change of a view or a parser belongs here too.
 */
import type { SchemaObject } from '@nestjs/swagger';
import { ARTIFACT_REF_SCHEMES, HDAG_SCHEMA, HDAG_SCHEMA_PATH, MAX_REF_LENGTH, refRegExp } from '../../descriptor';
import { SERVICE_STATUSES } from '../../domain/graph/state';

const ref = (name: SchemaName): SchemaObject => ({ $ref: `#/components/schemas/${name}` }) as SchemaObject;
const nullable = (schema: SchemaObject): SchemaObject => ({ ...schema, nullable: true });
const string: SchemaObject = { type: 'string' };
const integer: SchemaObject = { type: 'integer' };
const number: SchemaObject = { type: 'number' };
const boolean: SchemaObject = { type: 'boolean' };
const object: SchemaObject = { type: 'object' };
const stringMap: SchemaObject = { type: 'object', additionalProperties: { type: 'string' } };
const arrayOf = (items: SchemaObject): SchemaObject => ({ type: 'array', items });
/** An object with these properties (all required unless listed); other properties may appear. */
const shape = (properties: Record<string, SchemaObject>, required: string[] = Object.keys(properties)): SchemaObject => ({
  type: 'object',
  required,
  properties,
});

/** RFC 9457 problem details: the body of every error. */
const Problem: SchemaObject = {
  type: 'object',
  required: ['type', 'title', 'status'],
  properties: {
    type: string,
    title: string,
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: string,
    instance: string,
    errors: arrayOf(shape({ pointer: string, message: string })),
    /** 409 on deploy: the release names (service ids) another graph of the project owns. */
    conflicts: arrayOf(shape({ serviceId: string, graphId: string })),
  },
};

const ServiceFailure: SchemaObject = shape({ action: { type: 'string', enum: ['install', 'upgrade', 'uninstall'] }, exitCode: nullable(integer), stderr: string, timedOut: boolean });

const ServiceView: SchemaObject = shape({
  name: string,
  status: { type: 'string', enum: [...SERVICE_STATUSES] },
  grafana: nullable(string),
  cluster_affinity: nullable(string),
  cpu: string,
  memory: string,
  storage: string,
  gpu: string,
  values_overwrite: object,
  artifact_ref: string,
  artifact_type: string,
  artifact_implementer: string,
  error: nullable(ref('ServiceFailure')),
  /** Set by the autoscaler; null until it has scaled the service. */
  replicas: nullable({ type: 'integer', minimum: 0 }),
  /** Under `condition: ALL`, until the service is triggered: the ids of its events firing now. */
  firing_events: nullable(arrayOf(string)),
});

const GraphView: SchemaObject = shape({
  name: string,
  status: { type: 'string', enum: ['Running', 'Stopped'] },
  project: string,
  grafana: nullable(string),
  hdaGraph: object,
  services: arrayOf(ref('ServiceView')),
  placement: nullable(stringMap),
  placementFailure: nullable(shape({ detail: string, bindingResource: nullable(string) })),
  dashboardFailure: nullable(shape({ action: { type: 'string', enum: ['publish', 'remove'] }, serviceId: nullable(string), error: string })),
  settled: boolean,
  revision: { type: 'integer', minimum: 0 },
  proposals: arrayOf(ref('ProposalView')),
  warnings: arrayOf(ref('Warning')),
});

const Warning: SchemaObject = shape({ pointer: string, message: string });
const DeployAccepted: SchemaObject = shape({ name: string, status: { type: 'string', enum: ['Deploying'] }, location: string, warnings: arrayOf(ref('Warning')) });
const PlacementMove: SchemaObject = shape({ serviceId: string, from: nullable(string), to: string });
const ProposalView: SchemaObject = shape({
  proposalId: string,
  status: { type: 'string', enum: ['pending', 'approved', 'rejected'] },
  expired: boolean,
  why: string,
  expiresAt: string,
  diff: arrayOf(ref('PlacementMove')),
});
/** The answer to `?mode=propose`: the proposal recorded, or `unchanged` (nothing would move, nothing recorded). */
const PlacementProposalAnswer: SchemaObject = shape({
  graph: string,
  proposalId: nullable(string),
  status: { type: 'string', enum: ['pending', 'unchanged'] },
  diff: arrayOf(ref('PlacementMove')),
  why: string,
  expiresAt: nullable(string),
  location: nullable(string),
});
/** Settled: every service is Deployed, Pending or Failed (GET the graph for which). */
const DeployResult: SchemaObject = shape({ name: string, status: { type: 'string', enum: ['Settled'] }, location: string, revision: { type: 'integer', minimum: 0 }, warnings: arrayOf(ref('Warning')) });

/** The answer of a dry-run deploy (`?dryRun=true`): nothing recorded. */
const DryRunAnswer: SchemaObject = {
  ...shape({
    dryRun: { type: 'boolean', enum: [true] },
    graph: { type: 'string', description: 'the graph id of the descriptor' },
    project: string,
    placement: shape(
      {
        feasible: boolean,
        algorithm: { type: 'string', enum: ['naive', 'static', 'milp'], description: 'first fit, as the first deployment would place it; static when useStaticPlacement; milp under an active intent' },
        placement: { ...stringMap, description: 'service id → cluster' },
        clusterSets: { type: 'object', description: 'service → every cluster it would run on (highAvailability)', additionalProperties: { type: 'array', items: string } },
        detail: { type: 'string', description: 'why it cannot be placed (with the capacity gap)' },
        bindingResource: nullable(string),
        inputs: { ...object, description: 'clusters and services as POST /placement/plan takes them (and as recorded decisions store them)' },
      },
      ['feasible', 'algorithm', 'placement', 'inputs'],
    ),
    services: arrayOf(
      shape({
        name: string,
        cluster: nullable(string),
        chart: string,
        trigger: { type: 'string', enum: ['auto', 'event'], description: 'event-triggered services would wait Pending for their alert' },
        values: { ...object, description: 'the Helm values SMO would install the chart with' },
      }),
    ),
    warnings: { ...arrayOf(shape({ pointer: string, message: string })), description: 'accepted, but probably not what was meant (e.g. an unknown field)' },
  }),
  example: {
    dryRun: true,
    graph: 'image-detection-graph',
    project: 'demo',
    placement: { feasible: true, algorithm: 'naive', placement: { 'noise-reduction': 'cluster-a' }, inputs: { clusters: [], services: [] } },
    services: [{ name: 'noise-reduction', cluster: 'cluster-a', chart: 'oci://registry/noise-reduction', trigger: 'auto', values: { clustersAffinity: ['cluster-a'], serviceImportClusters: [] } }],
    warnings: [],
  },
};

const available = (schema: SchemaObject) => shape({ available: schema, allocatable: schema });
const ClusterView: SchemaObject = shape({
  id: integer,
  name: string,
  location: string,
  available_cpu: number,
  available_ram: string,
  availability: boolean,
  acceleration: boolean,
  pod_cidr: nullable(string),
  service_cidr: nullable(string),
  grafana: nullable(string),
  capacity: shape({ cpu: available(number), memoryBytes: available(number), gpu: available(number) }),
  region: nullable(string),
  zone: nullable(string),
  provider: nullable(string),
  updatedAt: string,
});

const RebuildProgress = {
  projection: string,
  collection: string,
  events: integer,
  position: integer,
  head: integer,
  elapsedMs: number,
  eventsPerSecond: number,
};

const RunnerReport: SchemaObject = shape(
  {
    name: string,
    kind: { type: 'string', enum: ['projection', 'processor'] },
    state: string,
    processedPosition: integer,
    parkedEvents: integer,
    lastError: string,
    lag: integer,
    rebuild: shape(RebuildProgress),
  },
  ['name', 'kind', 'state', 'processedPosition', 'parkedEvents', 'lag'],
);

const ParkedEvent: SchemaObject = shape(
  {
    eventId: string,
    eventType: string,
    streamId: string,
    position: integer,
    attempts: { ...integer, description: "every attempt so far: the live loop's, then each retry's" },
    error: { ...string, description: 'the error of the last attempt' },
    parkedAt: string,
    lastRetryAt: string,
  },
  ['eventId', 'eventType', 'streamId', 'position', 'attempts', 'error', 'parkedAt'],
);

const ParkedEventsPage: SchemaObject = shape(
  { processor: string, total: { ...integer, description: 'unresolved parked events in all' }, events: arrayOf(ref('ParkedEvent')), next: nullable(string) },
  ['processor', 'total', 'events', 'next'],
);

const ParkedRetryReport: SchemaObject = shape(
  {
    processor: string,
    handled: integer,
    failed: integer,
    unresolved: { ...integer, description: 'parked events still unresolved afterwards' },
    results: arrayOf(
      shape(
        { eventId: string, eventType: string, streamId: string, position: integer, outcome: { type: 'string', enum: ['handled', 'failed'] }, attempts: integer, error: string },
        ['eventId', 'eventType', 'streamId', 'position', 'outcome', 'attempts'],
      ),
    ),
  },
  ['processor', 'handled', 'failed', 'unresolved', 'results'],
);

const ParkedDiscard: SchemaObject = shape(
  { processor: string, resolution: { type: 'string', enum: ['discarded'] }, by: string, reason: string, event: ref('ParkedEvent') },
  ['processor', 'resolution', 'by', 'event'],
);

const storeCheck = shape({ status: { type: 'string', enum: ['up', 'down'] }, adapter: string, error: string }, ['status', 'adapter']);
const Health: SchemaObject = shape({
  status: { type: 'string', enum: ['ok', 'degraded', 'down'] },
  startedAt: string,
  uptimeSeconds: integer,
  stores: shape({ eventStore: storeCheck, readStore: storeCheck }),
  processing: arrayOf(ref('RunnerReport')),
  clusterSync: shape({ mode: { type: 'string', enum: ['real', 'simulated'] }, lastSyncAt: nullable(string), lastError: nullable(string), consecutiveFailures: integer, clusters: integer }),
  scaling: nullable(shape({ lastRoundAt: nullable(string), lastError: nullable(string), consecutiveFailures: integer, servicesWithoutData: integer })),
  integrations: arrayOf(shape({ name: string, mode: { type: 'string', enum: ['real', 'simulated', 'disabled', 'absent'] }, detail: string }, ['name', 'mode'])),
});

const EventView: SchemaObject = shape({
  id: string,
  type: string,
  streamId: string,
  revision: integer,
  position: integer,
  at: string,
  correlationId: nullable(string),
  causationId: nullable(string),
  actor: nullable(string),
  data: {},
});

const PlacementRecord: SchemaObject = shape(
  {
    decisionId: string,
    at: string,
    position: integer,
    revision: integer,
    reason: {},
    algorithm: string,
    inputs: {},
    correlationId: nullable(string),
    feasible: boolean,
    solver: {},
    objective: {},
    moves: {},
    placement: {},
    durationMs: number,
    imports: {},
    explanation: {},
    clusterSets: {},
    intents: {},
    detail: string,
    bindingResource: nullable(string),
    serviceId: nullable(string),
    requirement: {},
    capacityGap: {},
  },
  ['decisionId', 'at', 'position', 'revision', 'algorithm', 'feasible'],
);

const PlanResult: SchemaObject = shape(
  {
    feasible: { type: 'boolean', enum: [true] },
    placement: stringMap,
    moves: {},
    objective: {},
    solver: {},
    solveMs: number,
    utilisation: {},
    explanation: {},
    algorithm: { type: 'string', enum: ['naive', 'milp'] },
    provenOptimal: boolean,
    terms: {},
    clusterSets: { type: 'object', description: 'service → every cluster it runs on (highAvailability)', additionalProperties: { type: 'array', items: string } },
    intents: { type: 'object', description: 'active intents, the constraints and terms that decided, energy figures with and without energyEfficiency' },
  },
  ['feasible', 'placement', 'algorithm'],
);

const VimNetworkView: SchemaObject = { type: 'object', properties: { name: string, cidr: string, gateway: string } };
const VimView: SchemaObject = shape({
  id: integer,
  pop_area: nullable(integer),
  vim_name: string,
  vim_url: nullable(string),
  vim_type: string,
  vim_networks: arrayOf(VimNetworkView),
  mgmt_network: nullable(string),
  service_network: nullable(string),
  use_floating_ip: boolean,
});

const OsK8sClusterView: SchemaObject = shape({
  smo_id: string,
  is_master_area: boolean,
  nfvcl_id: nullable(string),
  pop_area: nullable(integer),
  master_flavor: {},
  mgmt_network: nullable(string),
  service_network: nullable(string),
  running_workers: nullable(integer),
  karmada_details: nullable(object),
  status: { type: 'string', enum: ['Provisioning', 'Provisioned', 'Failed'] },
  origin: { type: 'string', enum: ['smo', 'nfvcl-sync'] },
  vim_name: nullable(string),
  karmada: nullable({ type: 'string', enum: ['awaiting-join', 'not-configured'] }),
  failure: nullable(shape({ reason: string, detail: string })),
  requested_at: string,
  updated_at: string,
});

// ---- request bodies: the DTO classes (src/api/validation) document the others ----

/** The published JSON Schema of the descriptor (GET /schemas/hdag-0.4.0.json), in OpenAPI 3.0's dialect. */
const HdagDescriptor: SchemaObject = {
  ...openApiSchemaOf(HDAG_SCHEMA),
  externalDocs: { description: 'The JSON Schema (draft-07) of the descriptor, with the WOT rule for valuesOverwrite', url: HDAG_SCHEMA_PATH },
};

/** The body of POST /project/{project}/graphs, in each of the forms SMO reads. */
const DeployRequest: SchemaObject = {
  oneOf: [
    ref('HdagDescriptor'),
    {
      type: 'object',
      description: 'an HDAG artifact to pull with hdarctl',
      required: ['artifact'],
      additionalProperties: false,
      properties: { artifact: { type: 'string', maxLength: MAX_REF_LENGTH, pattern: refRegExp(ARTIFACT_REF_SCHEMES).source } },
    },
    { type: 'string', description: 'upstream form: the descriptor (YAML or JSON) as a JSON string' },
  ],
};

/**
 * OpenAPI 3.0 has no `const`, `if`/`then` or `examples`, and its `exclusiveMinimum` is a flag: `const` becomes a one-value enum,
 * a numeric `exclusiveMinimum` (`exclusiveMaximum`) a `minimum` (`maximum`) with the flag; the
 * conditional rule stays in the published JSON Schema (the document links it); the example moves to `example`.
 */
function openApiSchemaOf(schema: unknown): SchemaObject {
  const convert = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(convert);
    if (typeof node !== 'object' || node === null) return node;
    const entries = Object.entries(node).flatMap(([key, value]): Array<[string, unknown]> => {
      if (key === '$schema' || key === '$id' || key === 'if' || key === 'then' || key === 'title') return [];
      if (key === 'const') return [['enum', [value]]];
      // Draft-07's numeric bound is OpenAPI 3.0's boolean flag on `minimum` / `maximum`.
      if (key === 'exclusiveMinimum' && typeof value === 'number') return [['minimum', value], ['exclusiveMinimum', true]];
      if (key === 'exclusiveMaximum' && typeof value === 'number') return [['maximum', value], ['exclusiveMaximum', true]];
      if (key === 'examples') return [['example', (value as unknown[])[0]]];
      if (key === 'properties') return [[key, Object.fromEntries(Object.entries(value as object).map(([name, child]) => [name, convert(child)]))]];
      return [[key, convert(value)]];
    });
    return Object.fromEntries(entries);
  };
  return convert(schema) as SchemaObject;
}

export const SCHEMAS = {
  Problem,
  ServiceFailure,
  ServiceView,
  GraphView,
  Warning,
  DeployAccepted,
  DeployResult,
  PlacementMove,
  ProposalView,
  PlacementProposalAnswer,
  DryRunAnswer,
  ClusterView,
  RunnerReport,
  ParkedEvent,
  ParkedEventsPage,
  ParkedRetryReport,
  ParkedDiscard,
  Health,
  EventView,
  PlacementRecord,
  PlanResult,
  VimView,
  OsK8sClusterView,
  HdagDescriptor,
  DeployRequest,
} satisfies Record<string, SchemaObject>;

export type SchemaName = keyof typeof SCHEMAS;

export function schemaRef(name: SchemaName): SchemaObject {
  return ref(name);
}

export { arrayOf, nullable, ref, shape };
