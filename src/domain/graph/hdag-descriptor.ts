/**
 * HDAG descriptor, information model 0.4.0, as accepted by `validateDescriptor`.
 * Every object keeps fields this model does not know (`Extra`): they are stored, never interpreted.
 */
export const CPU_CLASSES = ['light', 'small', 'medium', 'large'] as const;
export const RAM_CLASSES = ['light', 'small', 'medium', 'large'] as const;
/** Upstream has no `light` storage class (a KeyError there); here it is a validation error. */
export const STORAGE_CLASSES = ['small', 'medium', 'large'] as const;
export const IMPLEMENTERS = ['HELM', 'WOT'] as const;
export const ARTIFACT_TYPES = ['App', 'VO'] as const;
/** From the official template comments: `ultralow` < 10 ms, `low` one hop at most, `best-effort` default. */
export const LATENCY_QOS = ['ultralow', 'low', 'best-effort'] as const;
export const SUPPORTED_IM_VERSION = '0.4.0';

export type CpuClass = (typeof CPU_CLASSES)[number];
export type RamClass = (typeof RAM_CLASSES)[number];
export type StorageClass = (typeof STORAGE_CLASSES)[number];
export type Implementer = (typeof IMPLEMENTERS)[number];
export type ArtifactType = (typeof ARTIFACT_TYPES)[number];
export type LatencyQos = (typeof LATENCY_QOS)[number];

/** Flags arrive as YAML/JSON booleans or as Python-style strings (upstream compares with 'True', bug B7). */
export type FlagValue = boolean | 'True' | 'False' | 'true' | 'false';
export const FLAG_STRINGS = ['True', 'False', 'true', 'false'] as const;

export type Extra = { [field: string]: unknown };
export type HelmValues = { [key: string]: unknown };

export interface HdagDescriptor extends Extra {
  hdaGraph: HdaGraph;
}

export interface HdaGraph extends Extra {
  imVersion: typeof SUPPORTED_IM_VERSION;
  /** DNS-1123 label: the graph's name in SMO and in Kubernetes/Grafana objects. */
  id: string;
  /** Semantic version (semver.org 2.0.0). */
  version: string;
  designer?: string;
  description?: string;
  hdaGraphIntent?: GraphIntent;
  services: ServiceDescriptor[];
}

export interface EnabledFlag extends Extra {
  enabled: FlagValue;
}

export interface GraphIntent extends Extra {
  useStaticPlacement?: FlagValue;
  /** Extension (B27): inject requests/limits derived from the intents into every service's Helm values. */
  injectResources?: boolean;
  security?: EnabledFlag;
  highAvailability?: EnabledFlag;
  highPerformance?: EnabledFlag;
  energyEfficiency?: EnabledFlag;
}

export interface ServiceDescriptor extends Extra {
  /** DNS-1123 label of at most 53 characters: it becomes the Helm release name. */
  id: string;
  deployment: Deployment;
  artifact: ArtifactDescriptor;
}

export interface Deployment extends Extra {
  trigger: Trigger;
  intent: ServiceIntent;
}

/** Exactly one of `auto` or `event`. */
export type Trigger = AutoTrigger | EventTrigger;

export interface AutoTrigger extends Extra {
  auto: { dependencies?: string[] } & Extra;
}

/**
 * `event.condition`: ANY deploys the service when one of its events fires; ALL once every one of them is
 * firing at the same time (a resolved alert un-fires its event). Another value is accepted, with a warning, as ANY.
 */
export const EVENT_CONDITIONS = ['ANY', 'ALL'] as const;

export interface EventTrigger extends Extra {
  event: {
    /** One of EVENT_CONDITIONS (ANY when absent). */
    condition?: string;
    events: EventDescriptor[];
  } & Extra;
}

export interface EventDescriptor extends Extra {
  /** Becomes the PrometheusRule alert name. */
  id: string;
  source?: ({ serviceId: string; metricId: string } & Extra)[];
  condition: {
    /** PromQL, used verbatim as the alert `expr`. */
    promQuery: string;
    /** Prometheus duration (e.g. `2m`), used as the alert `for`. */
    gracePeriod: string;
    description?: string;
  } & Extra;
}

export interface ServiceIntent extends Extra {
  compute: ComputeIntent;
  /** Ids of services of the same graph this service talks to (service imports). */
  connectionPoints: string[];
  network?: NetworkIntent;
  /** Ids of services of the same graph that must run on the same cluster(s). */
  coLocation?: string[];
  /** Extension: per-service override of `hdaGraphIntent.highAvailability`. */
  highAvailability?: EnabledFlag;
  metrics?: unknown[];
}

export interface ComputeIntent extends Extra {
  cpu: CpuClass;
  ram: RamClass;
  storage: StorageClass;
  gpu: EnabledFlag;
  /** Extension (B27): per-service override of `hdaGraphIntent.injectResources`. */
  injectResources?: boolean;
}

export interface NetworkIntent extends Extra {
  deviceProximity?: EnabledFlag;
  latencies?: Latency[];
}

export interface Latency extends Extra {
  /** A service id of the graph, or "" as in the official template. */
  connectionPoint: string;
  qos: LatencyQos;
}

export interface ArtifactDescriptor extends Extra {
  /** Helm chart reference `oci://host[:port]/path`. */
  ociImage: string;
  ociConfig: { type: ArtifactType; implementer: Implementer } & Extra;
  ociRun?: { name: string; version: string } & Extra;
  /** Base of the Helm values file; for WOT, chart values live under `voChartOverwrite`. */
  valuesOverwrite: HelmValues;
}

/**
 * What SMO works with after validation: flags resolved to booleans, intents translated, one
 * record per service in descriptor order (= placement row order = deployment order upstream).
 */
export interface NormalisedGraph {
  id: string;
  imVersion: typeof SUPPORTED_IM_VERSION;
  version: string;
  designer: string | null;
  description: string | null;
  useStaticPlacement: boolean;
  intents: { security: boolean; highAvailability: boolean; highPerformance: boolean; energyEfficiency: boolean };
  services: NormalisedService[];
}

export interface NormalisedService {
  id: string;
  artifact: { ref: string; type: ArtifactType; implementer: Implementer };
  /** `artifact.valuesOverwrite` exactly as given. */
  valuesOverwrite: HelmValues;
  /** The values SMO starts from: `valuesOverwrite`, plus derived `resources` when `injectResources`. */
  helmValues: HelmValues;
  trigger: NormalisedTrigger;
  connectionPoints: string[];
  latencies: { connectionPoint: string; qos: LatencyQos }[];
  /** `intent.coLocation` (absent in graphs submitted before intents shaped placement). */
  coLocation?: string[];
  /** `intent.highAvailability.enabled` when given: overrides the graph's intent for this service. */
  highAvailability?: boolean;
  resources: ResourceDemand;
  /** Whether requests/limits derived from the intents were injected into `helmValues` (B27). */
  injectResources: boolean;
}

export type NormalisedTrigger =
  | { kind: 'auto'; dependencies: string[] }
  | { kind: 'event'; condition: string | null; events: AlertEvent[] };

/** One conditional-deployment event: becomes a PrometheusRule alert. */
export interface AlertEvent {
  id: string;
  promQuery: string;
  gracePeriod: string;
  /** Alert description and summary annotations; "" when the descriptor gives none. */
  description: string;
}

/** Translated compute intent: typed quantities, plus the strings upstream stored on its Service row. */
export interface ResourceDemand {
  classes: { cpu: CpuClass; ram: RamClass; storage: StorageClass };
  cpuCores: number;
  memoryBytes: number;
  storageBytes: number;
  gpu: boolean;
  upstream: { cpu: string; memory: string; storage: string; gpu: 0 | 1 };
}
