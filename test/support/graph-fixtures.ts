import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
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
