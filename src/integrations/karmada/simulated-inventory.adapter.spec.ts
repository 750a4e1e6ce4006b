import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { naivePlacement } from '../../optimizer/naive-placement';
import { SimulatedInventoryAdapter, SimulatedInventoryError } from './simulated-inventory.adapter';

const EXAMPLE = join(__dirname, '../../../config/simulated-clusters.yaml');
const GI = 1024 ** 3;

describe('SimulatedInventoryAdapter', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'simulated-clusters-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function file(text: string, name = 'clusters.yaml'): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  it('loads the shipped example file', async () => {
    const adapter = new SimulatedInventoryAdapter(EXAMPLE);
    expect(adapter.mode).toBe('simulated');
    expect(await adapter.listClusters()).toEqual([
      {
        name: 'cluster-a', available: true, workloadsRun: true,
        cpuAvailable: 4, cpuAllocatable: 4, memoryAvailableBytes: 8 * GI, memoryAllocatableBytes: 8 * GI,
        gpuAvailable: 0, gpuAllocatable: 0, acceleration: false,
        location: { region: 'eu-west', zone: 'brussels-1', provider: 'on-prem' },
        podCidr: '10.10.0.0/16', serviceCidr: '10.110.0.0/16',
        labels: { 'smo.nephele.eu/carbon-intensity': '320' },
      },
      {
        name: 'cluster-b', available: true, workloadsRun: true,
        cpuAvailable: 8, cpuAllocatable: 8, memoryAvailableBytes: 16 * GI, memoryAllocatableBytes: 16 * GI,
        gpuAvailable: 1, gpuAllocatable: 1, acceleration: true,
        location: { region: 'eu-west', zone: 'brussels-2', provider: 'on-prem' },
        podCidr: '10.20.0.0/16', serviceCidr: '10.120.0.0/16',
        labels: { 'smo.nephele.eu/trusted': 'true', 'smo.nephele.eu/carbon-intensity': '45' },
      },
    ]);
  });

  it('places the Brussels demo (0.5 + 1 + 1 cores) on cluster-a, as upstream’s worked example', async () => {
    const clusters = (await new SimulatedInventoryAdapter(EXAMPLE).listClusters()).map((c) => ({
      name: c.name, cpu: c.cpuAvailable, memoryBytes: c.memoryAvailableBytes, gpu: c.gpuAvailable, available: c.available,
    }));
    const demand = (id: string, cpu: number, memoryBytes: number) => ({ id, cpu, memoryBytes, gpu: false, replicas: 1 });
    const result = naivePlacement(clusters, [
      demand('image-compression-vo', 0.5, 500 * 1024 ** 2),
      demand('noise-reduction', 1, GI),
      demand('image-detection', 1, GI),
    ]);
    expect(result).toMatchObject({
      feasible: true,
      placement: { 'image-compression-vo': 'cluster-a', 'noise-reduction': 'cluster-a', 'image-detection': 'cluster-a' },
    });
  });

  it('applies defaults, quantities and the *Allocated fields', async () => {
    const path = file(`clusters:
  - {name: edge, cpu: 3500m, memory: 4096Mi, cpuAllocated: "1", memoryAllocated: 1Gi}
  - {name: fpga, cpu: 2, memory: 2Gi, acceleration: true, available: false}
`);
    const [edge, fpga] = await new SimulatedInventoryAdapter(path).listClusters();
    expect(edge).toMatchObject({ available: true, cpuAllocatable: 3.5, cpuAvailable: 2.5, memoryAvailableBytes: 3 * GI, gpuAllocatable: 0, acceleration: false, podCidr: null, location: { region: null, zone: null, provider: null } });
    expect(fpga).toMatchObject({ available: false, acceleration: true, gpuAllocatable: 0 });
  });

  it('re-reads the file on every listing', async () => {
    const path = file('clusters: [{name: c1, cpu: 4, memory: 8Gi}]', 'changing.yaml');
    const adapter = new SimulatedInventoryAdapter(path);
    expect((await adapter.listClusters())[0]?.available).toBe(true);
    writeFileSync(path, 'clusters: [{name: c1, cpu: 4, memory: 8Gi, available: false}, {name: c2, cpu: 1, memory: 1Gi}]');
    expect((await adapter.listClusters()).map((c) => [c.name, c.available])).toEqual([['c1', false], ['c2', true]]);
  });

  it.each([
    ['clusters: {name: c1}', 'clusters', 'must be a list'],
    ['other: []', 'clusters', 'must be a list'],
    ['clusters: [plain]', 'clusters[0]', 'must be a mapping'],
    ['clusters: [{cpu: 4, memory: 8Gi}]', 'clusters[0].name', 'must be a non-empty string'],
    ['clusters: [{name: c1, memory: 8Gi}]', 'clusters[0].cpu', 'is required'],
    ['clusters: [{name: c1, cpu: 4}]', 'clusters[0].memory', 'is required'],
    ['clusters: [{name: c1, cpu: 4, memory: 16 gigs}]', 'clusters[0].memory', 'not a quantity: "16 gigs"'],
    ['clusters: [{name: c1, cpu: -1, memory: 1Gi}]', 'clusters[0].cpu', 'must not be negative'],
    ['clusters: [{name: c1, cpu: 4, memory: 1Gi, gpu: 0.5}]', 'clusters[0].gpu', 'must be a whole number'],
    ['clusters: [{name: c1, cpu: [4], memory: 1Gi}]', 'clusters[0].cpu', 'must be a number or a quantity'],
    ['clusters: [{name: c1, cpu: 4, memory: 1Gi, available: "yes"}]', 'clusters[0].available', 'must be true or false'],
    ['clusters: [{name: c1, cpu: 4, memory: 1Gi, region: 7}]', 'clusters[0].region', 'must be a string'],
    ['clusters: [{name: c1, cpus: 4, cpu: 4, memory: 1Gi}]', 'clusters[0].cpus', 'unknown field'],
    ['clusters: [{name: c1, cpu: 4, memory: 1Gi, labels: [a]}]', 'clusters[0].labels', 'must be a map of label → string'],
    ['clusters: [{name: c1, cpu: 4, memory: 1Gi, labels: {smo.nephele.eu/carbon-intensity: 45}}]', 'clusters[0].labels.smo.nephele.eu/carbon-intensity', 'must be a string (quote numbers)'],
    ['clusters: [{name: c1, cpu: 4, memory: 1Gi}, {name: c1, cpu: 1, memory: 1Gi}]', 'clusters[1].name', 'duplicate cluster name "c1"'],
  ])('refuses %p naming %s', async (text, field, problem) => {
    const path = file(text, 'invalid.yaml');
    const listing = new SimulatedInventoryAdapter(path).listClusters();
    await expect(listing).rejects.toBeInstanceOf(SimulatedInventoryError);
    await expect(new SimulatedInventoryAdapter(path).listClusters()).rejects.toMatchObject({ field, message: `${path}: ${field}: ${problem}` });
  });

  it('reports broken YAML and a missing file', async () => {
    await expect(new SimulatedInventoryAdapter(file('clusters: [', 'broken.yaml')).listClusters()).rejects.toThrow(/not valid YAML/);
    await expect(new SimulatedInventoryAdapter(join(dir, 'absent.yaml')).listClusters()).rejects.toThrow(/cannot read/);
  });
});
