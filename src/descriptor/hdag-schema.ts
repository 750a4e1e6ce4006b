/**
 * The JSON Schema (draft-07) of an HDAG descriptor, information model 0.4.0, as SMO validates it
 * (`validateDescriptor`), served at GET /schemas/hdag-0.4.0.json. It is built from the validator's
 * own rules (patterns, classes, limits); hdag-schema.spec.ts runs every fixture and invalid
 * descriptor through both and expects the same verdict. What a JSON Schema cannot say the validator
 * adds: service ids, and event ids within a service, must be unique, and `intent.scaling.rateOf` must name a service
 * of the graph. Unknown members are allowed
 * (kept, with a warning), so every object is open.
 */
import { ARTIFACT_TYPES, CPU_CLASSES, IMPLEMENTERS, LATENCY_QOS, RAM_CLASSES, STORAGE_CLASSES, SUPPORTED_IM_VERSION } from '../domain/graph/hdag-descriptor';
import { MAX_SCALING_REPLICAS, PLACEMENT_POLICY_MODES } from '../domain/graph/descriptor-extensions';
import { MAX_REF_LENGTH, refRegExp } from './artifact-ref';
import { DNS_LABEL } from '../shared/dns-name';
import { EVENT_ID, MAX_GRAPH_ID_LENGTH, MAX_SERVICE_ID_LENGTH, PROMETHEUS_DURATION, SEMVER } from './rules';
import { FLAG_STRINGS } from './types';
import { MAX_PROM_QUERY_LENGTH } from './validate-trigger';
import { MAX_LIST_ENTRIES } from './validation-scope';

export const HDAG_SCHEMA_PATH = `/schemas/hdag-${SUPPORTED_IM_VERSION}.json`;

type Schema = Record<string, unknown>;

const text = (description: string): Schema => ({ type: 'string', description });
const list = (items: Schema, description: string, minItems = 0): Schema => ({ type: 'array', description, items, maxItems: MAX_LIST_ENTRIES, ...(minItems ? { minItems } : {}) });
/** An object with these members; `required` must be present. Other members are allowed (and warned about). */
const object = (description: string, properties: Record<string, Schema>, required: string[] = []): Schema => ({ type: 'object', description, properties, ...(required.length ? { required } : {}) });
const oneOf = (values: readonly string[], description: string): Schema => ({ type: 'string', enum: [...values], description });
/** YAML and Python-minded tools write "True"/"False"; upstream compared with 'True'. */
const flag = (description: string): Schema => ({ description: `${description}: true or false (or the strings ${FLAG_STRINGS.map((s) => `"${s}"`).join(', ')})`, oneOf: [{ type: 'boolean' }, { type: 'string', enum: [...FLAG_STRINGS] }] });
const enabled = (description: string): Schema => object(description, { enabled: flag('whether it is asked for') }, ['enabled']);
const dnsLabel = (maxLength: number, description: string): Schema => ({ type: 'string', pattern: DNS_LABEL.source, maxLength, description });

const trigger: Schema = {
  ...object('When to deploy the service: exactly one of `auto` (at once) or `event` (when a Prometheus alert fires)', {
    auto: object('Deploy at once', {
      dependencies: list(text('a service id of this graph (one naming no service is ignored, with a warning)'), 'services this one depends on (recorded; SMO deploys all auto services at once)'),
    }),
    event: object(
      'Deploy when the alerts fire (one of them, or all at once: `condition`); the service waits Pending until then',
      {
        condition: text(
          'ANY (the default): deploy when one of the events fires. ALL: deploy once every event is firing at the same time (a resolved alert un-fires its event; once deployed, a resolution does not undeploy it). Another value is taken as ANY, with a warning',
        ),
        events: list(
          object(
            'An alert: SMO writes a PrometheusRule whose alert is named after `id`',
            {
              id: { type: 'string', pattern: EVENT_ID.source, description: 'the alert name: 1-63 letters, digits, "_", ".", ":" or "-", starting and ending with a letter or digit; unique within the service' },
              source: list(object('where the metric comes from (recorded, not used)', { serviceId: text('a service id'), metricId: text('a metric name') }, ['serviceId', 'metricId']), 'metric sources'),
              condition: object(
                'The alert condition',
                {
                  promQuery: { type: 'string', pattern: '\\S', maxLength: MAX_PROM_QUERY_LENGTH, description: 'the PromQL expression that fires the alert; it must parse by PromQL\'s grammar (checked by SMO, not expressible here)' },
                  gracePeriod: { type: 'string', minLength: 1, pattern: PROMETHEUS_DURATION.source, description: 'how long the expression must hold (the rule\'s `for`): a Prometheus duration such as "30s", "2m" or "1h30m"' },
                  description: text("the alert's description annotation"),
                },
                ['promQuery', 'gracePeriod'],
              ),
            },
            ['id', 'condition'],
          ),
          'the alerts (at least one)',
          1,
        ),
      },
      ['events'],
    ),
  }),
  oneOf: [{ required: ['auto'] }, { required: ['event'] }],
};

const intent: Schema = object(
  'What the service needs: resources, neighbours and network',
  {
    compute: object(
      'Resources per replica, as classes (SMO turns them into CPU and memory requests)',
      {
        cpu: oneOf(CPU_CLASSES, 'the CPU class'),
        ram: oneOf(RAM_CLASSES, 'the memory class'),
        storage: oneOf(STORAGE_CLASSES, 'the storage class'),
        gpu: enabled('whether the service needs a GPU (it is placed on an accelerated cluster)'),
        injectResources: { type: 'boolean', description: "write the classes' requests and limits into the chart's values (overrides hdaGraphIntent.injectResources)" },
      },
      ['cpu', 'ram', 'storage', 'gpu'],
    ),
    connectionPoints: list(text('a service id of this graph (one naming no service is ignored, with a warning)'), 'the services this one talks to (SMO imports their Kubernetes Services where this one runs)'),
    network: object('Network intent', {
      deviceProximity: enabled('whether the service should run close to the devices (recorded)'),
      latencies: list(
        object('A latency requirement towards another service', { connectionPoint: text('a service id of this graph ("" or an unknown id refers to nothing and is ignored, with a warning)'), qos: oneOf(LATENCY_QOS, '`ultralow` (< 10 ms round trip), `low` (≤ 20 ms) or `best-effort`') }, ['connectionPoint', 'qos']),
        'round-trip requirements the placement must meet',
      ),
    }),
    coLocation: list({}, 'recorded, not used'),
    metrics: list({}, 'recorded, not used'),
    scaling: object('Scaling parameters (extension): r replicas serve alpha·r + beta requests/s, up to maxReplicas; each member optional, over built-in defaults', {
      alpha: { type: 'number', exclusiveMinimum: 0, description: 'requests/s each replica adds (above 0)' },
      beta: { type: 'number', description: 'requests/s offset' },
      maxReplicas: { type: 'integer', minimum: 1, maximum: MAX_SCALING_REPLICAS, description: `the most replicas (1 to ${MAX_SCALING_REPLICAS})` },
      rateOf: { type: 'string', minLength: 1, description: 'the service of this graph whose request rate drives this one (default: itself); SMO refuses an id naming no service of the graph' },
    }),
  },
  ['compute', 'connectionPoints'],
);

const artifact: Schema = {
  ...object(
    'The Helm chart (or WoT virtual object) that implements the service',
    {
      ociImage: { type: 'string', maxLength: MAX_REF_LENGTH, pattern: refRegExp(['oci']).source, description: 'the chart: oci://host[:port]/path[:tag] with lowercase path segments (it is handed to helm as an argument, so no shell syntax, flags or ".." segments)' },
      ociConfig: object('What kind of artifact it is', { type: oneOf(ARTIFACT_TYPES, 'App (an application) or VO (a WoT virtual object)'), implementer: oneOf(IMPLEMENTERS, 'HELM (a chart) or WOT (a chart with a WoT descriptor)') }, ['type', 'implementer']),
      ociRun: object('How upstream ran it (recorded)', { name: text('e.g. HELM'), version: text('e.g. v3') }, ['name', 'version']),
      valuesOverwrite: { type: 'object', description: "Helm values for the chart; SMO adds the placement values (for WOT, under voChartOverwrite)" },
    },
    ['ociImage', 'ociConfig', 'valuesOverwrite'],
  ),
  // SMO writes placement values into voChartOverwrite, so for WOT both overwrites must be objects when given.
  if: { required: ['ociConfig'], properties: { ociConfig: { type: 'object', required: ['implementer'], properties: { implementer: { const: 'WOT' } } } } },
  then: { properties: { valuesOverwrite: { type: 'object', properties: { voChartOverwrite: { type: 'object' }, voDescriptorOverwrite: { type: 'object' } } } } },
};

const service: Schema = object(
  'A service of the graph: one Helm release',
  {
    id: dnsLabel(MAX_SERVICE_ID_LENGTH, 'the service id, unique in the graph: a DNS-1123 label of at most 53 characters, because it becomes a Helm release name'),
    deployment: object('How and when to deploy it', { trigger, intent }, ['trigger', 'intent']),
    artifact,
  },
  ['id', 'deployment', 'artifact'],
);

/** A small graph: one service deployed at once, one when its alert fires, a latency intent between them. */
export const HDAG_EXAMPLE = {
  hdaGraph: {
    imVersion: SUPPORTED_IM_VERSION,
    id: 'image-detection-graph',
    version: '1.0.0',
    designer: 'NTUA',
    description: 'Noise reduction now; image detection when the noise alert fires',
    hdaGraphIntent: { useStaticPlacement: false },
    services: [
      {
        id: 'noise-reduction',
        deployment: {
          trigger: { auto: { dependencies: [] } },
          intent: {
            compute: { cpu: 'small', ram: 'small', storage: 'small', gpu: { enabled: false } },
            connectionPoints: ['image-detection'],
            network: { latencies: [{ connectionPoint: 'image-detection', qos: 'best-effort' }] },
          },
        },
        artifact: { ociImage: 'oci://10.0.3.53:5000/test/noise-reduction', ociConfig: { type: 'App', implementer: 'HELM' }, valuesOverwrite: {} },
      },
      {
        id: 'image-detection',
        deployment: {
          trigger: {
            event: {
              condition: 'ANY',
              events: [{ id: 'noise-high', condition: { promQuery: 'avg(noise_level) > 0.8', gracePeriod: '2m', description: 'Noise is high' } }],
            },
          },
          intent: { compute: { cpu: 'medium', ram: 'medium', storage: 'small', gpu: { enabled: false } }, connectionPoints: [] },
        },
        artifact: { ociImage: 'oci://10.0.3.53:5000/test/image-detection', ociConfig: { type: 'App', implementer: 'HELM' }, valuesOverwrite: {} },
      },
    ],
  },
};

export const HDAG_SCHEMA: Schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: HDAG_SCHEMA_PATH,
  title: `HDAG descriptor, information model ${SUPPORTED_IM_VERSION}`,
  description:
    'The body of POST /project/{project}/graphs (as JSON or YAML). SMO also refuses duplicate service ids, duplicate event ids within a service ' +
    'and a scaling.rateOf naming no service of the graph, ' +
    'which a JSON Schema cannot express. Unknown members are kept but ignored, with a warning in the answer.',
  ...object(
    'An HDAG descriptor',
    {
      hdaGraph: object(
        'The graph',
        {
          imVersion: { type: 'string', enum: [SUPPORTED_IM_VERSION], description: `the information model: "${SUPPORTED_IM_VERSION}" (0.3.0 descriptors are refused with a migration hint)` },
          id: dnsLabel(MAX_GRAPH_ID_LENGTH, 'the graph id: a DNS-1123 label of at most 63 characters, because it names Kubernetes and Grafana objects'),
          version: { type: 'string', pattern: SEMVER.source, description: 'the graph version, a semantic version such as "1.0.0"' },
          designer: text('who designed it'),
          description: text('what it does'),
          hdaGraphIntent: object('Intents for the whole graph', {
            useStaticPlacement: flag("compute no placement: the charts' own clustersAffinity / serviceImportClusters values apply, and SMO never re-places the graph"),
            injectResources: { type: 'boolean', description: "write every service's compute classes as requests and limits into its chart's values" },
            security: enabled('security intent (recorded, not acted on)'),
            highAvailability: enabled('high-availability intent (recorded, not acted on)'),
            highPerformance: enabled('high-performance intent (recorded, not acted on)'),
            energyEfficiency: enabled('energy-efficiency intent (recorded, not acted on)'),
            placementPolicy: object('How automatic re-placements (cluster lost, scaling infeasible) are handled (extension)', {
              automatic: oneOf(PLACEMENT_POLICY_MODES, '`apply` (default), `propose` (recorded as a proposal to approve) or `apply-within-budget` (applied when it moves at most maxMoves services, else proposed)'),
              maxMoves: { type: 'integer', minimum: 0, description: 'the most services one re-placement may move (unset: no limit)' },
            }),
          }),
          services: list(service, 'the services (at least one)', 1),
        },
        ['imVersion', 'id', 'version', 'services'],
      ),
    },
    ['hdaGraph'],
  ),
  examples: [HDAG_EXAMPLE],
};
