import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { normalise, validateDescriptor } from '../../src/descriptor';
import type { NormalisedGraph } from '../../src/descriptor/types';
import type { GraphSubmitted } from '../../src/domain/graph/events';

export const DESCRIPTORS = join(__dirname, '..', 'fixtures', 'descriptors');

export function descriptorText(file = 'brussels-demo.upstream.hdag.yaml'): string {
  return readFileSync(join(DESCRIPTORS, file), 'utf8');
}

/** A fixture descriptor, validated and normalised as SMO would record it. */
export function fixtureGraph(file = 'brussels-demo.upstream.hdag.yaml'): { descriptor: Record<string, unknown>; normalised: NormalisedGraph } {
  const document = parse(descriptorText(file)) as unknown;
  const result = validateDescriptor(document);
  if (!result.ok) throw new Error(`fixture ${file} is invalid: ${JSON.stringify(result.problems)}`);
  return { descriptor: result.descriptor.hdaGraph as unknown as Record<string, unknown>, normalised: normalise(result.descriptor) };
}

export function graphSubmitted(project = 'demo', file?: string): GraphSubmitted {
  const { descriptor, normalised } = fixtureGraph(file);
  return { type: 'GraphSubmitted', data: { graphId: normalised.id, project, descriptor, source: { form: 'yaml' }, normalised, warnings: [] } };
}

/** A graph of `count` independent auto-triggered services (light CPU), charts taken in turn from `chartRefs`. */
export function independentServicesDescriptor(graphId: string, count: number, chartRefs: readonly string[]): string {
  const services = Array.from({ length: count }, (_, i) => ({
    id: `svc-${String(i + 1).padStart(2, '0')}`,
    deployment: {
      trigger: { auto: { dependencies: [] } },
      intent: {
        network: { deviceProximity: { enabled: false }, latencies: [] },
        compute: { cpu: 'light', ram: 'light', storage: 'small', gpu: { enabled: false } },
        coLocation: [],
        connectionPoints: [],
        metrics: [],
      },
    },
    artifact: { ociImage: chartRefs[i % chartRefs.length], ociConfig: { type: 'App', implementer: 'HELM' }, ociRun: { name: 'HELM', version: 'v3' }, valuesOverwrite: {} },
  }));
  return stringify({
    hdaGraph: {
      imVersion: '0.4.0',
      id: graphId,
      version: '1.0.0',
      designer: 'SMO tests',
      description: `${count} independent services`,
      hdaGraphIntent: { security: { enabled: false }, highAvailability: { enabled: false }, highPerformance: { enabled: false }, energyEfficiency: { enabled: false } },
      services,
    },
  });
}
