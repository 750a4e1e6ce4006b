import { injectResources, ResourceInjectionOptions } from './resources-injection';
import {
  ComputeIntent,
  CpuClass,
  EnabledFlag,
  EventTrigger,
  FlagValue,
  HdagDescriptor,
  NormalisedGraph,
  NormalisedService,
  NormalisedTrigger,
  RamClass,
  ResourceDemand,
  ServiceDescriptor,
  StorageClass,
  Trigger,
} from './types';

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;
/** Upstream writes "GB": decimal gigabytes, as in Kubernetes' "G". */
const GB = 1000 ** 3;

/** Intent translation, exactly as upstream's `intent_translation.py`, with typed quantities beside its strings. */
export const CPU_TRANSLATION: Readonly<Record<CpuClass, { cores: number; upstream: string }>> = {
  light: { cores: 0.5, upstream: '0.5' },
  small: { cores: 1, upstream: '1' },
  medium: { cores: 4, upstream: '4' },
  large: { cores: 8, upstream: '8' },
};

export const RAM_TRANSLATION: Readonly<Record<RamClass, { bytes: number; upstream: string }>> = {
  light: { bytes: 500 * MIB, upstream: '500MiB' },
  small: { bytes: 1 * GIB, upstream: '1GiB' },
  medium: { bytes: 2 * GIB, upstream: '2GiB' },
  large: { bytes: 8 * GIB, upstream: '8GiB' },
};

export const STORAGE_TRANSLATION: Readonly<Record<StorageClass, { bytes: number; upstream: string }>> = {
  small: { bytes: 10 * GB, upstream: '10GB' },
  medium: { bytes: 20 * GB, upstream: '20GB' },
  large: { bytes: 40 * GB, upstream: '40GB' },
};

/** Flags: the boolean true and the strings "True"/"true" (upstream only saw the string 'True', bug B7). */
export function isFlagSet(flag: FlagValue | undefined): boolean {
  return flag === true || flag === 'True' || flag === 'true';
}

function isEnabled(intent: EnabledFlag | undefined): boolean {
  return isFlagSet(intent?.enabled);
}

export function translateCompute(compute: ComputeIntent): ResourceDemand {
  const cpu = CPU_TRANSLATION[compute.cpu];
  const ram = RAM_TRANSLATION[compute.ram];
  const storage = STORAGE_TRANSLATION[compute.storage];
  const gpu = isEnabled(compute.gpu);
  return {
    classes: { cpu: compute.cpu, ram: compute.ram, storage: compute.storage },
    cpuCores: cpu.cores,
    memoryBytes: ram.bytes,
    storageBytes: storage.bytes,
    gpu,
    upstream: { cpu: cpu.upstream, memory: ram.upstream, storage: storage.upstream, gpu: gpu ? 1 : 0 },
  };
}

export interface NormaliseOptions extends ResourceInjectionOptions {
  /**
   * Deployment-wide default for the B27 opt-in (configuration flag); `hdaGraphIntent.injectResources`
   * overrides it for a graph, `compute.injectResources` for one service. Default false (upstream).
   */
  readonly injectResourcesByDefault?: boolean;
}

/** The per-graph, per-service records SMO works with, from a descriptor `validateDescriptor` accepted. */
export function normalise(descriptor: HdagDescriptor, options: NormaliseOptions = {}): NormalisedGraph {
  const graph = descriptor.hdaGraph;
  const intent = graph.hdaGraphIntent;
  const graphDefault = intent?.injectResources ?? options.injectResourcesByDefault ?? false;
  return {
    id: graph.id,
    imVersion: graph.imVersion,
    version: graph.version,
    designer: graph.designer ?? null,
    description: graph.description ?? null,
    useStaticPlacement: isFlagSet(intent?.useStaticPlacement),
    intents: {
      security: isEnabled(intent?.security),
      highAvailability: isEnabled(intent?.highAvailability),
      highPerformance: isEnabled(intent?.highPerformance),
      energyEfficiency: isEnabled(intent?.energyEfficiency),
    },
    services: graph.services.map((service) => normaliseService(service, graphDefault, options)),
  };
}

function normaliseService(service: ServiceDescriptor, graphDefault: boolean, options: NormaliseOptions): NormalisedService {
  const { intent, trigger } = service.deployment;
  const { ociImage, ociConfig, valuesOverwrite } = service.artifact;
  const resources = translateCompute(intent.compute);
  const inject = intent.compute.injectResources ?? graphDefault;
  return {
    id: service.id,
    artifact: { ref: ociImage, type: ociConfig.type, implementer: ociConfig.implementer },
    valuesOverwrite: structuredClone(valuesOverwrite),
    helmValues: inject
      ? injectResources(valuesOverwrite, ociConfig.implementer, resources, options)
      : structuredClone(valuesOverwrite),
    trigger: normaliseTrigger(trigger),
    connectionPoints: [...intent.connectionPoints],
    latencies: (intent.network?.latencies ?? []).map(({ connectionPoint, qos }) => ({ connectionPoint, qos })),
    ...(intent.coLocation && intent.coLocation.length > 0 ? { coLocation: [...intent.coLocation] } : {}),
    ...(intent.highAvailability ? { highAvailability: isEnabled(intent.highAvailability) } : {}),
    resources,
    injectResources: inject,
  };
}

function isEventTrigger(trigger: Trigger): trigger is EventTrigger {
  return trigger['event'] !== undefined;
}

function normaliseTrigger(trigger: Trigger): NormalisedTrigger {
  if (!isEventTrigger(trigger)) return { kind: 'auto', dependencies: [...(trigger.auto.dependencies ?? [])] };
  return {
    kind: 'event',
    condition: trigger.event.condition ?? null,
    events: trigger.event.events.map(({ id, condition }) => ({
      id,
      promQuery: condition.promQuery,
      gracePeriod: condition.gracePeriod,
      description: condition.description ?? '',
    })),
  };
}
