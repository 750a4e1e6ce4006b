import { changed, CURRENT_FIXTURES, fixtureDocument, REMOVE, setAt } from '../../test/fixtures/descriptors/load';
import { CPU_TRANSLATION, isFlagSet, normalise, RAM_TRANSLATION, STORAGE_TRANSLATION, translateCompute } from './translate';
import { ComputeIntent, HdagDescriptor } from './types';
import { validateDescriptor } from './validate';

function accepted(document: unknown): HdagDescriptor {
  const result = validateDescriptor(document);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.descriptor;
}

const compute = (cpu: ComputeIntent['cpu'], ram: ComputeIntent['ram'], storage: ComputeIntent['storage'], gpu: unknown = false): ComputeIntent =>
  ({ cpu, ram, storage, gpu: { enabled: gpu } }) as ComputeIntent;

describe('intent translation (exactly as upstream)', () => {
  it('has the upstream table, as typed quantities and upstream strings', () => {
    expect(CPU_TRANSLATION).toEqual({
      light: { cores: 0.5, upstream: '0.5' },
      small: { cores: 1, upstream: '1' },
      medium: { cores: 4, upstream: '4' },
      large: { cores: 8, upstream: '8' },
    });
    expect(RAM_TRANSLATION).toEqual({
      light: { bytes: 524_288_000, upstream: '500MiB' },
      small: { bytes: 1_073_741_824, upstream: '1GiB' },
      medium: { bytes: 2_147_483_648, upstream: '2GiB' },
      large: { bytes: 8_589_934_592, upstream: '8GiB' },
    });
    expect(STORAGE_TRANSLATION).toEqual({
      small: { bytes: 10_000_000_000, upstream: '10GB' },
      medium: { bytes: 20_000_000_000, upstream: '20GB' },
      large: { bytes: 40_000_000_000, upstream: '40GB' },
    });
  });

  it.each([
    ['light', 'light', 'small', 0.5, 524_288_000, 10e9, { cpu: '0.5', memory: '500MiB', storage: '10GB', gpu: 0 }],
    ['small', 'small', 'small', 1, 1_073_741_824, 10e9, { cpu: '1', memory: '1GiB', storage: '10GB', gpu: 0 }],
    ['medium', 'medium', 'medium', 4, 2_147_483_648, 20e9, { cpu: '4', memory: '2GiB', storage: '20GB', gpu: 0 }],
    ['large', 'large', 'large', 8, 8_589_934_592, 40e9, { cpu: '8', memory: '8GiB', storage: '40GB', gpu: 0 }],
  ] as const)('cpu %s, ram %s, storage %s', (cpu, ram, storage, cores, memoryBytes, storageBytes, upstream) => {
    const demand = translateCompute(compute(cpu, ram, storage));
    expect(demand).toEqual({ classes: { cpu, ram, storage }, cpuCores: cores, memoryBytes, storageBytes, gpu: false, upstream });
    expect(Number.isInteger(demand.memoryBytes) && Number.isInteger(demand.storageBytes)).toBe(true);
  });

  describe('gpu.enabled (B7: upstream only counted the string "True")', () => {
    it.each([
      [true, true, 1],
      ['True', true, 1],
      ['true', true, 1],
      [false, false, 0],
      ['False', false, 0],
      ['false', false, 0],
    ] as const)('%p → gpu %p (upstream value %p)', (flag, gpu, upstream) => {
      const demand = translateCompute(compute('small', 'small', 'small', flag));
      expect(demand.gpu).toBe(gpu);
      expect(demand.upstream.gpu).toBe(upstream);
      expect(isFlagSet(flag)).toBe(gpu);
    });

    it('counts the YAML boolean in the gpu-offloading fixture as a GPU need', () => {
      const graph = normalise(accepted(fixtureDocument('gpu-offloading.hdag.yaml')));
      expect(graph.services.map((service) => [service.id, service.resources.gpu])).toEqual([
        ['web-frontend', false],
        ['ml-inference', true],
      ]);
    });
  });
});

describe('normalise', () => {
  it('produces the per-service records of the upstream Brussels demo', () => {
    const graph = normalise(accepted(fixtureDocument('brussels-demo.upstream.hdag.yaml')));
    expect(graph).toMatchObject({
      id: 'image-detection-graph',
      imVersion: '0.4.0',
      version: '1.0.0',
      designer: 'NTUA',
      description: 'Brussels demo',
      useStaticPlacement: false,
      intents: { security: false, highAvailability: false, highPerformance: false, energyEfficiency: false },
    });
    const [vo, noiseReduction] = graph.services;
    expect(vo).toEqual({
      id: 'image-compression-vo',
      artifact: { ref: 'oci://10.0.3.53:5000/test/image-compression-vo', type: 'VO', implementer: 'WOT' },
      valuesOverwrite: { voDescriptorOverwrite: {}, voChartOverwrite: {} },
      helmValues: { voDescriptorOverwrite: {}, voChartOverwrite: {} },
      trigger: {
        kind: 'event',
        condition: 'ANY',
        events: [
          {
            id: 'main-event',
            promQuery: 'absent(up{prometheus="kc1/kube-prometheus-operator"})',
            gracePeriod: '2m',
            description: 'High vo-metric',
          },
        ],
      },
      connectionPoints: ['noise-reduction'],
      latencies: [],
      resources: {
        classes: { cpu: 'light', ram: 'light', storage: 'small' },
        cpuCores: 0.5,
        memoryBytes: 524_288_000,
        storageBytes: 10_000_000_000,
        gpu: false,
        upstream: { cpu: '0.5', memory: '500MiB', storage: '10GB', gpu: 0 },
      },
      injectResources: false,
    });
    expect(noiseReduction?.trigger).toEqual({ kind: 'auto', dependencies: [] });
    expect(graph.services.map((service) => service.id)).toEqual(['image-compression-vo', 'noise-reduction', 'image-detection']);
  });

  it('reads useStaticPlacement and the graph intents, booleans or strings', () => {
    expect(normalise(accepted(fixtureDocument('brussels-demo.static-placement.hdag.yaml'))).useStaticPlacement).toBe(true);
    expect(normalise(accepted(changed('resilience.hdag.yaml', '/hdaGraph/hdaGraphIntent/useStaticPlacement', 'False'))).useStaticPlacement).toBe(false);
    expect(normalise(accepted(fixtureDocument('resilience.hdag.yaml'))).intents.highAvailability).toBe(true);
  });

  it('keeps coLocation and the per-service highAvailability override; absent ones stay absent', () => {
    const document = changed('brussels-demo.upstream.hdag.yaml', '/hdaGraph/services/1/deployment/intent/coLocation', ['image-detection']);
    setAt(document, '/hdaGraph/services/2/deployment/intent/highAvailability', { enabled: 'False' });
    const [vo, noise, detection] = normalise(accepted(document)).services;
    expect(noise?.coLocation).toEqual(['image-detection']);
    expect(detection?.highAvailability).toBe(false);
    expect(vo).not.toHaveProperty('coLocation');
    expect(vo).not.toHaveProperty('highAvailability');
  });

  it('keeps latencies and defaults a missing event description to ""', () => {
    const document = changed('brussels-demo.static-placement.hdag.yaml', '/hdaGraph/services/0/deployment/trigger/event/events/0/condition/description', REMOVE);
    const [vo] = normalise(accepted(document)).services;
    expect(vo?.latencies).toEqual([{ connectionPoint: 'noise-reduction', qos: 'best-effort' }]);
    expect(vo?.trigger.kind === 'event' && vo.trigger.events[0]?.description).toBe('');
  });

  it.each(CURRENT_FIXTURES)('%s: the normalised form is plain JSON and does not share objects with the descriptor', (name) => {
    const descriptor = accepted(fixtureDocument(name));
    const graph = normalise(descriptor);
    expect(JSON.parse(JSON.stringify(graph))).toEqual(graph);
    expect(graph.services[0]?.valuesOverwrite).not.toBe(descriptor.hdaGraph.services[0]?.artifact.valuesOverwrite);
  });
});
