import { changed, fixtureDocument, setAt } from '../../test/fixtures/descriptors/load';
import { cpuQuantity, injectResources, memoryQuantity, resourceRequirements } from './resources-injection';
import { normalise, translateCompute } from './translate';
import { ComputeIntent, HdagDescriptor } from './types';
import { validateDescriptor } from './validate';

function accepted(document: unknown): HdagDescriptor {
  const result = validateDescriptor(document);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.descriptor;
}

const BRUSSELS = 'brussels-demo.upstream.hdag.yaml';
const smallDemand = translateCompute({ cpu: 'small', ram: 'small', storage: 'small', gpu: { enabled: false } } as ComputeIntent);
const lightDemand = translateCompute({ cpu: 'light', ram: 'light', storage: 'small', gpu: { enabled: false } } as ComputeIntent);

describe('B27: requests and limits derived from the intents', () => {
  it('turns cores and bytes into Kubernetes quantities', () => {
    expect([0.5, 1, 4, 8].map(cpuQuantity)).toEqual(['500m', '1', '4', '8']);
    expect([524_288_000, 1_073_741_824, 2_147_483_648, 8_589_934_592].map(memoryQuantity)).toEqual(['500Mi', '1Gi', '2Gi', '8Gi']);
  });

  it('sets requests equal to limits, and a GPU limit only when gpu is enabled', () => {
    expect(resourceRequirements(lightDemand)).toEqual({
      requests: { cpu: '500m', memory: '500Mi' },
      limits: { cpu: '500m', memory: '500Mi' },
    });
    const gpuDemand = { ...smallDemand, gpu: true };
    expect(resourceRequirements(gpuDemand).limits).toEqual({ cpu: '1', memory: '1Gi', 'nvidia.com/gpu': 1 });
    expect(resourceRequirements(gpuDemand, { gpuResourceName: 'amd.com/gpu' }).limits).toHaveProperty(['amd.com/gpu'], 1);
  });

  it('writes them at the top level for HELM charts and under voChartOverwrite for WOT', () => {
    expect(injectResources({ replicaCount: 2 }, 'HELM', smallDemand)).toEqual({
      replicaCount: 2,
      resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
    });
    expect(injectResources({ voDescriptorOverwrite: {}, voChartOverwrite: { x: 1 } }, 'WOT', lightDemand)).toEqual({
      voDescriptorOverwrite: {},
      voChartOverwrite: { x: 1, resources: { requests: { cpu: '500m', memory: '500Mi' }, limits: { cpu: '500m', memory: '500Mi' } } },
    });
    expect(injectResources({}, 'WOT', lightDemand)).toHaveProperty(['voChartOverwrite', 'resources', 'requests', 'cpu'], '500m');
  });

  it('lets values the descriptor sets win over derived ones, and never mutates its input', () => {
    const given = { resources: { limits: { memory: '3Gi' }, requests: { 'ephemeral-storage': '1Gi' } } };
    const before = structuredClone(given);
    expect(injectResources(given, 'HELM', smallDemand)).toEqual({
      resources: {
        requests: { cpu: '1', memory: '1Gi', 'ephemeral-storage': '1Gi' },
        limits: { cpu: '1', memory: '3Gi' },
      },
    });
    expect(given).toEqual(before);
  });

  it('limits a resource the descriptor requests (and does not limit) at its request: a derived limit below it would make Kubernetes refuse the pod', () => {
    expect(injectResources({ resources: { requests: { cpu: '2' } } }, 'HELM', smallDemand)).toEqual({
      resources: { requests: { cpu: '2', memory: '1Gi' }, limits: { cpu: '2', memory: '1Gi' } },
    });
    // A limit the descriptor sets is its own, as before.
    expect(injectResources({ resources: { requests: { cpu: '2' }, limits: { cpu: '4' } } }, 'HELM', smallDemand)).toMatchObject({
      resources: { requests: { cpu: '2' }, limits: { cpu: '4', memory: '1Gi' } },
    });
  });

  it('requests a resource the descriptor limits below the derived request (and does not request) at its limit: a request above the limit makes Kubernetes refuse the pod', () => {
    // small: 1 core, 1Gi derived; the descriptor caps the service lower.
    expect(injectResources({ resources: { limits: { cpu: '250m', memory: '256Mi' } } }, 'HELM', smallDemand)).toEqual({
      resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
    });
    expect(injectResources({ voChartOverwrite: { resources: { limits: { cpu: 0.5 } } } }, 'WOT', smallDemand)).toMatchObject({
      voChartOverwrite: { resources: { requests: { cpu: 0.5, memory: '1Gi' }, limits: { cpu: 0.5, memory: '1Gi' } } },
    });
    // A limit above the derived request leaves the request as derived; a request the descriptor sets is its own.
    expect(injectResources({ resources: { limits: { memory: '3Gi' } } }, 'HELM', smallDemand)).toHaveProperty(['resources', 'requests', 'memory'], '1Gi');
    expect(injectResources({ resources: { requests: { cpu: '2' }, limits: { cpu: '100m' } } }, 'HELM', smallDemand)).toHaveProperty(['resources', 'requests', 'cpu'], '2');
  });

  describe('opt-in', () => {
    const helmValuesOf = (document: unknown, options = {}): Record<string, unknown>[] =>
      normalise(accepted(document), options).services.map((service) => service.helmValues);

    it('is off by default: Helm values are valuesOverwrite as given (upstream behaviour)', () => {
      const graph = normalise(accepted(fixtureDocument(BRUSSELS)));
      for (const service of graph.services) {
        expect(service.injectResources).toBe(false);
        expect(service.helmValues).toEqual(service.valuesOverwrite);
      }
    });

    it('hdaGraph.hdaGraphIntent.injectResources: true opts in every service', () => {
      const values = helmValuesOf(changed(BRUSSELS, '/hdaGraph/hdaGraphIntent/injectResources', true));
      expect(values[0]).toHaveProperty(['voChartOverwrite', 'resources', 'limits', 'memory'], '500Mi');
      expect(values[1]).toHaveProperty(['resources', 'requests', 'cpu'], '1');
      expect(values[2]).toHaveProperty(['resources', 'requests', 'memory'], '1Gi');
    });

    it('deployment.intent.compute.injectResources overrides the graph, either way', () => {
      const document = changed(BRUSSELS, '/hdaGraph/hdaGraphIntent/injectResources', true);
      setAt(document, '/hdaGraph/services/1/deployment/intent/compute/injectResources', false);
      setAt(document, '/hdaGraph/services/2/deployment/intent/compute/injectResources', true);
      const services = normalise(accepted(document)).services;
      expect(services.map((service) => service.injectResources)).toEqual([true, false, true]);
      expect(services[1]?.helmValues).toEqual({});
    });

    it('a configuration flag sets the default; descriptors still override it', () => {
      expect(helmValuesOf(fixtureDocument(BRUSSELS), { injectResourcesByDefault: true })[1]).toHaveProperty('resources');
      const optedOut = changed(BRUSSELS, '/hdaGraph/hdaGraphIntent/injectResources', false);
      expect(helmValuesOf(optedOut, { injectResourcesByDefault: true })[1]).toEqual({});
    });

    it('adds the GPU limit for the gpu-offloading service', () => {
      const values = helmValuesOf(fixtureDocument('gpu-offloading.hdag.yaml'), { injectResourcesByDefault: true });
      expect(values[1]).toEqual({
        resources: { requests: { cpu: '4', memory: '2Gi' }, limits: { cpu: '4', memory: '2Gi', 'nvidia.com/gpu': 1 } },
      });
    });
  });
});
