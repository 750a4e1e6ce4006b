import { Findings } from './findings';
import { DocumentPath } from './problem';

/** A name one service uses to refer to another; resolved against the graph's ids afterwards. */
export interface ServiceReference {
  readonly name: string;
  readonly path: DocumentPath;
  readonly kind: 'connection point' | 'dependency' | 'latency target' | 'coLocation partner';
}

/** A name found at a place in the document. */
export interface NameAt {
  readonly id: string;
  readonly path: DocumentPath;
}

/** What the graph-level checks need to know about one validated service. */
export interface ServiceSummary {
  readonly id: string | undefined;
  readonly path: DocumentPath;
  readonly references: readonly ServiceReference[];
  /** `intent.scaling.rateOf` (extension), checked against the graph's ids by the graph. */
  readonly rateOf?: NameAt;
}

/**
 * Names that point at no service of the graph are warnings, not failures: upstream ignores them
 * (no service import is created), and descriptors in the wild carry such names.
 */
export function checkReferences(findings: Findings, services: readonly ServiceSummary[]): void {
  const ids = new Set(services.flatMap((service) => (service.id === undefined ? [] : [service.id])));
  for (const service of services) {
    const seen = new Set<string>();
    for (const reference of service.references) {
      if (reference.name === service.id) findings.warn(reference.path, `${reference.kind} "${reference.name}" names the service itself`);
      else if (!ids.has(reference.name)) {
        findings.warn(reference.path, `${reference.kind} "${reference.name}" names no service of this graph; it is ignored`);
      }
      const key = `${reference.kind}:${reference.name}`;
      if (seen.has(key)) findings.warn(reference.path, `${reference.kind} "${reference.name}" is listed twice`);
      seen.add(key);
    }
  }
}
