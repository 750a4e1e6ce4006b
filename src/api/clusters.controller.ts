import { Controller, Get, HttpCode, HttpStatus, Inject, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Runtime } from '../app/runtime';
import { RUNTIME } from '../app/runtime.token';
import { formatMemory } from '../integrations/kubernetes/quantity';
import type { ClusterDocument } from '../../projections/clusters.projection';
import { effectiveClusters } from '../processors/placed-demand';
import { ApiJson, ApiProblems } from './openapi/responses';
import { arrayOf, schemaRef, shape } from './openapi/schemas';
import { ProblemException } from './problem';
import { DurableProcessing } from '../app/processing.composition';
import { ReadModelBehindError } from '../processing/runner';

/** A cluster as upstream's `GET /clusters/` shows it, plus typed capacity and location. */
export interface ClusterView {
  id: number;
  name: string;
  location: string;
  available_cpu: number;
  available_ram: string;
  availability: boolean;
  acceleration: boolean;
  pod_cidr: string | null;
  service_cidr: string | null;
  grafana: string | null;
  capacity: {
    cpu: { available: number; allocatable: number };
    memoryBytes: { available: number; allocatable: number };
    gpu: { available: number; allocatable: number };
  };
  region: string | null;
  zone: string | null;
  provider: string | null;
  updatedAt: string;
}

export function toClusterView(doc: ClusterDocument): ClusterView {
  const { region, zone, provider } = doc.location;
  return {
    id: doc.id,
    name: doc.name,
    location: [region, zone].filter(Boolean).join('/') || 'Unknown',
    available_cpu: doc.cpuAvailable,
    available_ram: formatMemory(doc.memoryAvailableBytes),
    availability: doc.available,
    acceleration: doc.acceleration,
    pod_cidr: doc.podCidr,
    service_cidr: doc.serviceCidr,
    grafana: doc.grafana,
    capacity: {
      cpu: { available: doc.cpuAvailable, allocatable: doc.cpuAllocatable },
      memoryBytes: { available: doc.memoryAvailableBytes, allocatable: doc.memoryAllocatableBytes },
      gpu: { available: doc.gpuAvailable, allocatable: doc.gpuAllocatable },
    },
    region,
    zone,
    provider,
    updatedAt: doc.updatedAt,
  };
}

@ApiTags('clusters')
@Controller('clusters')
export class ClustersController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly durable: DurableProcessing,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Member clusters (from the read model: a GET never changes state)',
    description: 'Served at /clusters and /clusters/. Available amounts are what the inventory reports less what SMO placed there that it does not show yet (the placement ledger).',
  })
  @ApiJson(200, 'Upstream cluster view plus typed capacity fields', ['ClusterView'])
  async list(): Promise<ClusterView[]> {
    const docs = await effectiveClusters(this.runtime.readStore, new Date(), this.runtime.config.placementLedgerTtlSeconds * 1000);
    return docs.map(toClusterView);
  }

  @Post('sync')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Sync the inventory from Karmada now' })
  @ApiJson(200, 'The inventory after the sync', shape({ synced: { type: 'integer' }, clusters: arrayOf(schemaRef('ClusterView')) }))
  @ApiProblems(502, 503)
  async sync(): Promise<{ synced: number; clusters: ClusterView[] }> {
    try {
      await this.durable.clusterSync.syncOnce();
    } catch (error) {
      // The simulated inventory waits for the placement ledger (runtime.ts): behind, that is SMO's 503, not Karmada's 502.
      if (error instanceof ReadModelBehindError) throw error;
      throw ProblemException.of(HttpStatus.BAD_GATEWAY, `The cluster inventory could not be read: ${error instanceof Error ? error.message : String(error)}`);
    }
    const head = (await this.runtime.eventStore.headPosition()) ?? 0;
    await this.runtime.processing.whenProcessed(head);
    const clusters = await this.list();
    return { synced: clusters.length, clusters };
  }
}
