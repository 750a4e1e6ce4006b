/**
 * JSON Schemas of SMO's request and response bodies, for the OpenAPI document. They describe what
 * the code sends and accepts (the fuzz run, `scripts/fuzz.sh`, checks every answer against them),
 * so a change of a view or a parser belongs here too.
 */
import type { SchemaObject } from '@nestjs/swagger';

const ref = (name: string): SchemaObject => ({ $ref: `#/components/schemas/${name}` }) as SchemaObject;
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

/** DNS-1123 label: graph ids and projects (they name Kubernetes namespaces and objects). */
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
/** RFC 3339 date-time, as the Alertmanager sends it (what the webhook parser accepts: its pattern, and a date Date.parse reads). */
const RFC3339_PATTERN = '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$';
/** Non-empty text with something besides white space, at most 255 characters (the NFVCL bodies). */
const text255: SchemaObject = { type: 'string', minLength: 1, maxLength: 255, pattern: '\\S' };

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
  status: { type: 'string', enum: ['Deploying', 'Deployed', 'Pending', 'Failed', 'Not deployed', 'Uninstalling'] },
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

const storeCheck = shape({ status: { type: 'string', enum: ['up', 'down'] }, adapter: string, error: string }, ['status', 'adapter']);
const Health: SchemaObject = shape({
  status: { type: 'string', enum: ['ok', 'degraded', 'down'] },
  startedAt: string,
  uptimeSeconds: integer,
  stores: shape({ eventStore: storeCheck, readStore: storeCheck }),
  processing: arrayOf(ref('RunnerReport')),
  clusterSync: shape({ mode: { type: 'string', enum: ['real', 'simulated'] }, lastSyncAt: nullable(string), lastError: nullable(string), consecutiveFailures: integer, clusters: integer }),
  scaling: nullable(shape({ lastRoundAt: nullable(string), lastError: nullable(string), consecutiveFailures: integer })),
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

const network = shape({ name: text255, cidr: text255, gateway: text255 });
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

// ---- request bodies ----

const planCluster: SchemaObject = {
  ...shape({ name: { type: 'string', pattern: DNS_LABEL_PATTERN }, cpu: { type: 'number', minimum: 0 }, memory: {}, gpu: { type: 'integer', minimum: 0 }, available: boolean }, ['name', 'cpu']),
  additionalProperties: false,
};
const planService: SchemaObject = {
  ...shape({ id: { type: 'string', pattern: DNS_LABEL_PATTERN }, cpu: { type: 'number', minimum: 0 }, memory: {}, gpu: boolean, replicas: { type: 'integer', minimum: 1 } }, ['id', 'cpu']),
  additionalProperties: false,
};
/** Bytes, or a Kubernetes quantity such as "512Mi". */
const quantity: SchemaObject = {
  oneOf: [
    { type: 'number', minimum: 0 },
    { type: 'string', pattern: '^[0-9]{1,12}(Ki|Mi|Gi|Ti|k|M|G|T)?$' },
  ],
};
(planCluster.properties as Record<string, SchemaObject>).memory = quantity;
(planService.properties as Record<string, SchemaObject>).memory = quantity;
// `memoryBytes`: the name recorded decisions' `inputs` use, accepted so those can be pasted as they are (not with `memory`).
const memoryBytes: SchemaObject = { type: 'number', minimum: 0, nullable: true, description: 'bytes, instead of `memory` (the field name of recorded decision inputs); null: not reported' };
(planCluster.properties as Record<string, SchemaObject>).memoryBytes = memoryBytes;
(planService.properties as Record<string, SchemaObject>).memoryBytes = memoryBytes;
(planService.properties as Record<string, SchemaObject>).latencies = {
  type: 'array',
  description: "as the HDAG's intent.network.latencies",
  items: { type: 'object', required: ['connectionPoint', 'qos'], additionalProperties: false, properties: { connectionPoint: string, qos: { type: 'string', enum: ['ultralow', 'low', 'best-effort'] } } },
};

// Intents (src/optimizer/README.md "Intents"): cluster labels, per-service coLocation / highAvailability / connectionPoints.
(planCluster.properties as Record<string, SchemaObject>).labels = { ...stringMap, description: 'Karmada cluster labels (smo.nephele.eu/trusted, smo.nephele.eu/carbon-intensity)' };
(planService.properties as Record<string, SchemaObject>).connectionPoints = { type: 'array', items: string, description: 'services it talks to (highPerformance keeps their round trips low)' };
(planService.properties as Record<string, SchemaObject>).coLocation = { type: 'array', items: string, description: 'services that must share its cluster(s)' };
(planService.properties as Record<string, SchemaObject>).highAvailability = { ...boolean, description: "overrides the graph's highAvailability intent" };

const PlanRequest: SchemaObject = {
  ...shape(
    {
      clusters: { type: 'array', maxItems: 1000, items: planCluster },
      services: { type: 'array', maxItems: 1000, items: planService },
      currentPlacement: stringMap,
      previousPlacement: { ...stringMap, nullable: true, description: 'the same as currentPlacement, under the name recorded decision inputs use (not both)' },
      algorithm: { type: 'string', enum: ['naive', 'milp'] },
      clusterLatencyMs: { type: 'object', description: 'round trips in ms: {"c1": {"c2": 12}}', additionalProperties: { type: 'object', additionalProperties: { type: 'number', minimum: 0 } } },
      intents: {
        type: 'object',
        nullable: true,
        additionalProperties: false,
        description: 'graph intents; any active one places with the MILP under it',
        properties: { security: boolean, highAvailability: boolean, energyEfficiency: boolean, highPerformance: boolean },
      },
      previousClusterSets: { type: 'object', nullable: true, description: 'service → every cluster it runs on now (highAvailability)', additionalProperties: { type: 'array', items: string } },
    },
    ['clusters', 'services'],
  ),
  additionalProperties: false,
};

const rfc3339: SchemaObject = { type: 'string', pattern: RFC3339_PATTERN };
const AlertmanagerWebhook: SchemaObject = shape(
  {
    version: { type: 'string', enum: ['4'] },
    groupKey: { type: 'string', minLength: 1 },
    truncatedAlerts: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    status: { type: 'string', enum: ['firing', 'resolved'] },
    receiver: { type: 'string', minLength: 1 },
    groupLabels: stringMap,
    commonLabels: stringMap,
    commonAnnotations: stringMap,
    externalURL: string,
    alerts: arrayOf(
      shape(
        {
          status: { type: 'string', enum: ['firing', 'resolved'] },
          labels: stringMap,
          annotations: stringMap,
          startsAt: rfc3339,
          endsAt: rfc3339,
          generatorURL: string,
          fingerprint: { type: 'string', minLength: 1 },
        },
        ['status', 'labels', 'startsAt', 'fingerprint'],
      ),
    ),
  },
  ['version', 'groupKey', 'status', 'receiver', 'alerts'],
);

const VimRegistration: SchemaObject = shape({
  topology: text255,
  pop_area: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
  vim_name: text255,
  vim_tenant_name: text255,
  vim_user: text255,
  vim_password: { ...text255, format: 'password' },
  vim_url: { type: 'string', maxLength: 255, pattern: '^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$' },
  mgmt_network: network,
  service_network: network,
  use_floating_ip: boolean,
});

const ClusterRequest: SchemaObject = shape(
  { pop_area: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }, vim_name: text255, worker_replicas: { type: 'integer', minimum: 1, maximum: 100 } },
  ['pop_area', 'vim_name'],
);

/** The HDAG descriptor itself is checked by SMO's validator (see src/descriptor); here only its outline. */
const DeployRequest: SchemaObject = {
  oneOf: [
    shape({ hdaGraph: { type: 'object', required: ['id', 'services'], properties: { id: { type: 'string', pattern: DNS_LABEL_PATTERN }, services: { type: 'array' } } } }),
    shape({ artifact: { type: 'string', pattern: '^(https?|oci)://' } }),
    { type: 'string', description: 'upstream form: the descriptor (YAML or JSON) as a JSON string' },
  ],
};

export const SCHEMAS: Record<string, SchemaObject> = {
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
  Health,
  EventView,
  PlacementRecord,
  PlanResult,
  VimView,
  OsK8sClusterView,
  PlanRequest,
  AlertmanagerWebhook,
  VimRegistration,
  ClusterRequest,
  DeployRequest,
};

export type SchemaName = keyof typeof SCHEMAS;

export function schemaRef(name: SchemaName): SchemaObject {
  return ref(name);
}

export { arrayOf, nullable, ref, shape };
