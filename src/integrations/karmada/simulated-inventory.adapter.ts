import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { parseQuantity, QuantityParseError } from '../kubernetes/quantity';
import type { ClusterInventoryPort, ObservedCluster } from './cluster-inventory.port';
import { isRecord } from '../../shared/is-record';

/** The clusters file is missing, not YAML, or breaks the schema; `field` points at the culprit. */
export class SimulatedInventoryError extends Error {
  constructor(
    readonly file: string,
    readonly field: string | null,
    problem: string,
  ) {
    super(`${file}${field ? `: ${field}` : ''}: ${problem}`);
    this.name = 'SimulatedInventoryError';
  }
}

const KNOWN_FIELDS = new Set([
  'name', 'cpu', 'memory', 'gpu', 'available', 'cordoned', 'region', 'zone', 'provider', 'podCidr', 'serviceCidr', 'acceleration',
  'cpuAllocated', 'memoryAllocated', 'gpuAllocated', 'labels',
]);

/**
 * Clusters from a YAML file instead of Karmada (`mode: 'simulated'`), for demos and tests without
 * Kubernetes. The file is read again on every call, so editing it simulates a cluster change.
 * Clusters keep file order. Schema (see config/simulated-clusters.yaml):
 *   clusters: [{name, cpu, memory, gpu?, available?, cordoned?, region?, zone?, provider?, podCidr?, serviceCidr?,
 *                acceleration?, cpuAllocated?, memoryAllocated?, gpuAllocated?, labels?: {key: "value"}}]
 * cpu/memory/gpu are allocatable amounts (numbers or quantities like "3500m", "16Gi"); the *Allocated
 * fields (default 0) are subtracted to give what is available, and so is what SMO placed there
 * (`placed`), as a real Karmada would count the pods of the releases SMO installed. `available: false`
 * is a cluster lost (not Ready: what ran there is placed elsewhere); `cordoned: true` one that takes no
 * new placement while what runs there stays (`karmadactl cordon`, a NoSchedule taint).
 */
export class SimulatedInventoryAdapter implements ClusterInventoryPort {
  readonly mode = 'simulated' as const;

  constructor(
    private readonly file: string,
    private readonly placed: () => Promise<Record<string, { cpu: number; memoryBytes: number; gpu: number }>> = async () => ({}),
  ) {}

  async listClusters(signal?: AbortSignal): Promise<ObservedCluster[]> {
    let text: string;
    try {
      text = await readFile(this.file, { encoding: 'utf8', signal });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new SimulatedInventoryError(this.file, null, `cannot read: ${(error as Error).message}`);
    }
    const clusters = parseSimulatedClusters(text, this.file);
    const placed = await this.placed();
    return clusters.map((cluster) => {
      const demand = placed[cluster.name];
      if (!demand) return cluster;
      return {
        ...cluster,
        cpuAvailable: Math.max(0, Math.round((cluster.cpuAvailable - demand.cpu) * 1000) / 1000),
        memoryAvailableBytes: Math.max(0, cluster.memoryAvailableBytes - demand.memoryBytes),
        gpuAvailable: Math.max(0, cluster.gpuAvailable - demand.gpu),
      };
    });
  }
}

export function parseSimulatedClusters(text: string, file = 'simulated clusters'): ObservedCluster[] {
  const fail = (field: string | null, problem: string): never => {
    throw new SimulatedInventoryError(file, field, problem);
  };
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    return fail(null, `not valid YAML: ${(error as Error).message}`);
  }
  const list = isRecord(document) ? document.clusters : undefined;
  if (!Array.isArray(list)) return fail('clusters', 'must be a list');

  const seen = new Set<string>();
  return list.map((entry: unknown, index) => {
    const at = (key: string) => `clusters[${index}].${key}`;
    if (!isRecord(entry)) return fail(`clusters[${index}]`, 'must be a mapping');
    const unknown = Object.keys(entry).find((key) => !KNOWN_FIELDS.has(key));
    if (unknown !== undefined) fail(at(unknown), 'unknown field');

    const name = entry.name;
    if (typeof name !== 'string' || name === '') return fail(at('name'), 'must be a non-empty string');
    if (seen.has(name)) fail(at('name'), `duplicate cluster name "${name}"`);
    seen.add(name);

    const amount = (key: string, required: boolean, whole = false): number => {
      const raw = entry[key];
      if (raw === undefined || raw === null) return required ? fail(at(key), 'is required') : 0;
      if (typeof raw !== 'string' && typeof raw !== 'number') return fail(at(key), 'must be a number or a quantity');
      let value: number;
      try {
        value = parseQuantity(raw);
      } catch (error) {
        if (!(error instanceof QuantityParseError)) throw error;
        return fail(at(key), `not a quantity: ${JSON.stringify(raw)}`);
      }
      if (value < 0) fail(at(key), 'must not be negative');
      if (whole && !Number.isInteger(value)) fail(at(key), 'must be a whole number');
      return value;
    };
    const flag = (key: string, fallback: boolean): boolean => {
      const raw = entry[key];
      if (raw === undefined || raw === null) return fallback;
      return typeof raw === 'boolean' ? raw : fail(at(key), 'must be true or false');
    };
    const text = (key: string): string | null => {
      const raw = entry[key];
      if (raw === undefined || raw === null) return null;
      return typeof raw === 'string' ? raw : fail(at(key), 'must be a string');
    };

    const labels = (): Record<string, string> | undefined => {
      const raw = entry.labels;
      if (raw === undefined || raw === null) return undefined;
      if (!isRecord(raw)) return fail(at('labels'), 'must be a map of label → string');
      const entries = Object.entries(raw).map(([key, value]) => (typeof value === 'string' ? [key, value] : fail(`${at('labels')}.${key}`, 'must be a string (quote numbers)')));
      return entries.length > 0 ? Object.fromEntries(entries) : undefined;
    };
    const cpu = amount('cpu', true);
    const memory = amount('memory', true);
    const clusterLabels = labels();
    const gpu = amount('gpu', false, true);
    const ready = flag('available', true);
    return {
      name,
      available: ready && !flag('cordoned', false),
      workloadsRun: ready,
      cpuAllocatable: cpu,
      cpuAvailable: Math.max(0, cpu - amount('cpuAllocated', false)),
      memoryAllocatableBytes: memory,
      memoryAvailableBytes: Math.max(0, memory - amount('memoryAllocated', false)),
      gpuAllocatable: gpu,
      gpuAvailable: Math.max(0, gpu - amount('gpuAllocated', false, true)),
      acceleration: flag('acceleration', gpu > 0),
      location: { region: text('region'), zone: text('zone'), provider: text('provider') },
      podCidr: text('podCidr'),
      serviceCidr: text('serviceCidr'),
      ...(clusterLabels ? { labels: clusterLabels } : {}),
    };
  });
}
