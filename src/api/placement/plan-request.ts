/**
 * The body of POST /placement/plan: validated and documented by these classes. Unknown fields are
 * refused, so a typo is never silently ignored. What no field can check alone (unique names, a
 * `connectionPoint` or `clusterLatencyMs` naming something of the request — the optimiser itself
 * would ignore both, as the HDAG validation does with a warning) is checked by `toPlanRequest`, 422.
 */
import type { ClusterLatencyMs, PlacementIntents, PlanRequest } from '../../optimizer';
import { LATENCY_QOS, type LatencyQos } from '../../domain/graph/hdag-descriptor';
import { parseQuantity } from '../../integrations/kubernetes/quantity';
import { toPointer } from '../../descriptor/problem';
import { DNS_SUBDOMAIN_PATTERN } from '../../shared/dns-name';
import type { Problem } from '../problem';
import { AmountField, AmountMatrixField, BooleanField, CustomField, EnumField, IntegerField, NestedField, PatternField, StringListField, StringListMapField, StringMapField, type FieldOptions } from '../validation/fields';
import { inconsistent, RequestBodySchema } from '../validation/request-body';

/** A DNS-1123 subdomain, lowercase: cluster names and service ids. */
const NAME = new RegExp(DNS_SUBDOMAIN_PATTERN);
const NAME_MESSAGE = 'must be a lowercase DNS name';
const MAX_ITEMS = 1000;
const ALGORITHMS = ['naive', 'milp'] as const;
/** Bytes as a Kubernetes quantity: whole numbers with a binary or decimal suffix. */
const QUANTITY = /^[0-9]{1,12}(Ki|Mi|Gi|Ti|k|M|G|T)?$/;

const quantityBytes = (value: unknown): number | null => {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : null;
  return typeof value === 'string' && QUANTITY.test(value) ? parseQuantity(value) : null;
};

const MemoryField = (description: string) =>
  CustomField({
    description,
    example: '512Mi',
    optional: true,
    schema: { oneOf: [{ type: 'number', minimum: 0 }, { type: 'string', pattern: QUANTITY.source }] },
    valid: (value) => quantityBytes(value) !== null,
    message: 'must be bytes or a Kubernetes quantity such as "512Mi"',
  });
const memoryBytes: FieldOptions = { description: 'bytes, instead of `memory` (the field name of recorded decision inputs); null: not reported', nullable: true };

@RequestBodySchema('PlanCluster', 'A cluster and what it has available')
export class PlanCluster {
  @PatternField({ description: 'the cluster name', example: 'c1', pattern: NAME, message: NAME_MESSAGE })
  name!: string;

  @AmountField({ description: 'available CPU cores', example: 4 })
  cpu!: number;

  @MemoryField('available memory: bytes, or a Kubernetes quantity')
  memory?: number | string;

  @AmountField(memoryBytes)
  memoryBytes?: number | null;

  @IntegerField({ description: 'available GPUs (default 0: no acceleration)', example: 0, optional: true, minimum: 0, maximum: Number.MAX_SAFE_INTEGER, message: 'must be a whole number ≥ 0' })
  gpu?: number;

  @BooleanField({ description: 'whether services may be placed there (default true)', example: true, optional: true })
  available?: boolean;

  @StringMapField({ description: 'Karmada cluster labels the intents read (smo.nephele.eu/trusted, smo.nephele.eu/carbon-intensity)', example: { 'smo.nephele.eu/trusted': 'true' }, optional: true })
  labels?: Record<string, string>;
}

@RequestBodySchema('PlanLatency', "A latency requirement towards another service, as the HDAG's intent.network.latencies")
export class PlanLatency {
  @PatternField({ description: 'the id of the other service (of this request)', example: 'b', pattern: /^.+$/s, message: 'must be a service id' })
  connectionPoint!: string;

  @EnumField({ description: '`ultralow` < 10 ms, `low` ≤ 20 ms, `best-effort`', example: 'low', values: LATENCY_QOS })
  qos!: LatencyQos;
}

@RequestBodySchema('PlanService', 'A service and what each of its replicas needs')
export class PlanService {
  @PatternField({ description: 'the service id', example: 'a', pattern: NAME, message: NAME_MESSAGE })
  id!: string;

  @AmountField({ description: 'CPU cores per replica', example: 0.5 })
  cpu!: number;

  @MemoryField('memory per replica: bytes, or a Kubernetes quantity (default 0)')
  memory?: number | string;

  @AmountField(memoryBytes)
  memoryBytes?: number | null;

  @BooleanField({ description: 'needs one GPU per replica (default false)', example: false, optional: true })
  gpu?: boolean;

  @IntegerField({ description: 'replicas (default 1)', example: 1, optional: true, minimum: 1, maximum: Number.MAX_SAFE_INTEGER, message: 'must be a whole number ≥ 1' })
  replicas?: number;

  @NestedField({ description: "latency requirements, as the HDAG's intent.network.latencies", type: () => PlanLatency, maxItems: MAX_ITEMS, optional: true })
  latencies?: PlanLatency[];

  @StringListField({ description: 'services it talks to (highPerformance keeps their round trips low)', example: ['b'], optional: true, maxItems: MAX_ITEMS })
  connectionPoints?: string[];

  @StringListField({ description: 'services that must share its cluster(s) (coLocation)', example: ['b'], optional: true, maxItems: MAX_ITEMS })
  coLocation?: string[];

  @BooleanField({ description: "overrides the graph's highAvailability intent for this service", example: true, optional: true })
  highAvailability?: boolean;
}

@RequestBodySchema('PlanIntents', 'The graph intents (src/optimizer/README.md "Intents"); any active one places with the MILP under it')
export class PlanIntents {
  @BooleanField({ description: 'only clusters labelled trusted host the graph', example: true, optional: true })
  security?: boolean;

  @BooleanField({ description: 'each service on at least two distinct available clusters', example: false, optional: true })
  highAvailability?: boolean;

  @BooleanField({ description: 'prefer clusters with lower carbon intensity (after moves, before balance)', example: false, optional: true })
  energyEfficiency?: boolean;

  @BooleanField({ description: 'prefer accelerated, least utilised clusters and low round trips between connected services', example: false, optional: true })
  highPerformance?: boolean;
}

@RequestBodySchema('PlanRequest', 'A what-if placement problem: clusters, services, and optionally where the services run now')
export class PlanRequestBody {
  @NestedField({ description: `the clusters (at most ${MAX_ITEMS})`, type: () => PlanCluster, maxItems: MAX_ITEMS })
  clusters!: PlanCluster[];

  @NestedField({ description: `the services (at most ${MAX_ITEMS})`, type: () => PlanService, maxItems: MAX_ITEMS })
  services!: PlanService[];

  @StringMapField({ description: 'service id → cluster name: where the services run now', example: { a: 'c1' }, optional: true })
  currentPlacement?: Record<string, string>;

  @StringMapField({ description: 'the same as currentPlacement, under the name recorded decision inputs use (not both); null: none', nullable: true })
  previousPlacement?: Record<string, string> | null;

  @EnumField({ description: 'default `milp` when a current placement is given, else `naive`', example: 'milp', values: ALGORITHMS, optional: true })
  algorithm?: (typeof ALGORITHMS)[number];

  @AmountMatrixField({ description: 'round trips in ms between clusters of the request: {"c1": {"c2": 12}}', example: { c1: { c2: 12 } }, optional: true })
  clusterLatencyMs?: Record<string, Record<string, number>>;

  @NestedField({ description: "the graph's intents (a recorded decision's `inputs.intents` as it is); null: none", type: () => PlanIntents, nullable: true })
  intents?: PlanIntents | null;

  @StringListMapField({ description: 'service → every cluster it runs on now (highAvailability), next to currentPlacement; null: none', example: { a: ['c1', 'c2'] }, nullable: true })
  previousClusterSets?: Record<string, string[]> | null;
}

/** The optimiser's request, or 422 naming what does not fit together. */
export function toPlanRequest(body: PlanRequestBody): PlanRequest {
  const problems: Problem[] = [];
  const problem = (path: ReadonlyArray<string | number>, message: string) => problems.push({ pointer: toPointer(path), message });
  unique(body.clusters.map((c) => c.name), 'clusters', 'name', problem);
  unique(body.services.map((s) => s.id), 'services', 'id', problem);
  const serviceIds = new Set(body.services.map((s) => s.id));
  body.services.forEach((service, i) =>
    service.latencies?.forEach((latency, j) => {
      if (!serviceIds.has(latency.connectionPoint)) problem(['services', i, 'latencies', j, 'connectionPoint'], 'must name a service of this request');
    }),
  );
  body.services.forEach((service, i) => {
    for (const field of ['connectionPoints', 'coLocation'] as const) {
      service[field]?.forEach((id, j) => {
        if (!serviceIds.has(id)) problem(['services', i, field, j], 'must name a service of this request');
      });
    }
  });
  const clusterNames = new Set(body.clusters.map((c) => c.name));
  for (const [from, row] of Object.entries(body.clusterLatencyMs ?? {})) {
    if (!clusterNames.has(from)) problem(['clusterLatencyMs', from], 'must name a cluster of this request');
    for (const to of Object.keys(row)) if (!clusterNames.has(to)) problem(['clusterLatencyMs', from, to], 'must name a cluster of this request');
  }
  const items = [...body.clusters.map((c, i) => ['clusters', i, c] as const), ...body.services.map((s, i) => ['services', i, s] as const)];
  for (const [list, i, item] of items) if (item.memory !== undefined && item.memoryBytes !== undefined) problem([list, i, 'memoryBytes'], 'give memory or memoryBytes, not both');
  if (body.currentPlacement !== undefined && body.previousPlacement !== undefined) problem(['previousPlacement'], 'give currentPlacement or previousPlacement, not both');
  if (problems.length > 0) throw inconsistent(problems);

  const bytes = (item: PlanCluster | PlanService) => (item.memory !== undefined ? quantityBytes(item.memory) : (item.memoryBytes ?? null));
  const currentPlacement = body.currentPlacement ?? body.previousPlacement ?? undefined;
  return {
    clusters: body.clusters.map((c) => ({ name: c.name, cpu: c.cpu, memoryBytes: bytes(c), gpu: c.gpu ?? 0, available: c.available ?? true, ...(c.labels ? { labels: c.labels } : {}) })),
    services: body.services.map((s) => ({
      id: s.id,
      cpu: s.cpu,
      memoryBytes: bytes(s) ?? 0,
      gpu: s.gpu ?? false,
      replicas: s.replicas ?? 1,
      ...(s.latencies === undefined ? {} : { latencies: s.latencies.map(({ connectionPoint, qos }) => ({ connectionPoint, qos })) }),
      ...(s.connectionPoints === undefined ? {} : { connectionPoints: s.connectionPoints }),
      ...(s.coLocation === undefined ? {} : { coLocation: s.coLocation }),
      ...(s.highAvailability === undefined ? {} : { highAvailability: s.highAvailability }),
    })),
    ...(currentPlacement ? { currentPlacement } : {}),
    ...(body.algorithm ? { algorithm: body.algorithm } : {}),
    ...(body.clusterLatencyMs ? { clusterLatencyMs: body.clusterLatencyMs as ClusterLatencyMs } : {}),
    ...(body.intents ? { intents: intentsOf(body.intents) } : {}),
    ...(body.previousClusterSets ? { previousClusterSets: body.previousClusterSets } : {}),
  };
}

function unique(values: readonly string[], list: string, field: string, problem: (path: ReadonlyArray<string | number>, message: string) => void): void {
  const seen = new Set<string>();
  values.forEach((value, i) => {
    if (seen.has(value)) problem([list, i, field], `duplicate ${field} ${value}`);
    seen.add(value);
  });
}

function intentsOf({ security, highAvailability, energyEfficiency, highPerformance }: PlanIntents): PlacementIntents {
  const given = { security, highAvailability, energyEfficiency, highPerformance };
  return Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) as PlacementIntents;
}
