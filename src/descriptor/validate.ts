import { isRecord, kindOf } from './json-value';
import { Problem, problemAt, toPointer } from './problem';
import { dnsLabel, MAX_GRAPH_ID_LENGTH, semanticVersion } from './rules';
import { HdagDescriptor, SUPPORTED_IM_VERSION } from './types';
import { validateService } from './validate-service';
import { Findings } from './findings';
import { checkReferences, ServiceSummary } from './service-references';
import { Scope } from './validation-scope';
import { PLACEMENT_POLICY_FIELDS, PLACEMENT_POLICY_RULES, rateOfRule } from '../domain/graph/descriptor-extensions';

export type ValidationResult =
  | { readonly ok: true; readonly descriptor: HdagDescriptor; readonly warnings: Problem[] }
  | { readonly ok: false; readonly problems: Problem[]; readonly warnings: Problem[] };

const LEGACY_IM_VERSION = '0.3.0';
const GRAPH_FIELDS = ['imVersion', 'id', 'version', 'designer', 'description', 'hdaGraphIntent', 'services'];
const GRAPH_INTENTS = ['security', 'highAvailability', 'highPerformance', 'energyEfficiency'];

/**
 * Checks a parsed document against information model 0.4.0 and reports every problem at once, each
 * under the RFC 6901 pointer of the offending member. Warnings never reject (see README for which
 * findings are warnings). On success the document itself is returned, typed.
 */
export function validateDescriptor(document: unknown): ValidationResult {
  const findings = new Findings();
  if (!isRecord(document)) {
    return { ok: false, problems: [problemAt([], `the descriptor must be an object with "hdaGraph" (got ${kindOf(document)})`)], warnings: [] };
  }
  const root = new Scope(findings, document, []);
  root.warnUnknownFields(['hdaGraph']);
  const graph = root.object('hdaGraph', 'required');
  if (graph) validateGraph(graph);
  if (findings.problems.length > 0) return { ok: false, problems: findings.problems, warnings: findings.warnings };
  // Every member the type promises was checked above; unknown extra members are allowed by the type.
  return { ok: true, descriptor: document as HdagDescriptor, warnings: findings.warnings };
}

function validateGraph(graph: Scope): void {
  graph.warnUnknownFields(GRAPH_FIELDS);
  const legacy = checkImVersion(graph);
  graph.string('id', 'required', dnsLabel(MAX_GRAPH_ID_LENGTH, 'the graph name in Kubernetes and Grafana objects'));
  graph.string('version', 'required', semanticVersion);
  graph.string('designer', 'optional');
  graph.string('description', 'optional');
  const intent = graph.object('hdaGraphIntent', 'optional');
  if (intent) {
    intent.warnUnknownFields(['useStaticPlacement', 'injectResources', 'placementPolicy', ...GRAPH_INTENTS]);
    intent.flag('useStaticPlacement', 'optional');
    intent.boolean('injectResources', 'optional');
    for (const name of GRAPH_INTENTS) intent.object(name, 'optional')?.flag('enabled', 'required');
    // How automatic re-placements are handled (extension, read by src/domain/graph/placement-policy.ts).
    const policy = intent.object('placementPolicy', 'optional');
    policy?.warnUnknownFields(PLACEMENT_POLICY_FIELDS);
    for (const field of PLACEMENT_POLICY_FIELDS) policy?.checked(field, 'optional', PLACEMENT_POLICY_RULES[field]);
  }
  const services = (graph.array('services', 'required', { nonEmpty: true })?.entries ?? []).map(({ value, path }) =>
    validateService(graph.findings, value, path, legacy),
  );
  checkUniqueIds(graph.findings, services);
  checkReferences(graph.findings, services);
  checkRateOf(graph.findings, services);
}

/** `intent.scaling.rateOf` must name a service of the graph: its request rate drives the scaling (no series exists otherwise). */
function checkRateOf(findings: Findings, services: readonly ServiceSummary[]): void {
  const rule = rateOfRule(new Set(services.flatMap((service) => (service.id === undefined ? [] : [service.id]))));
  for (const { rateOf } of services) {
    const reason = rateOf ? rule(rateOf.id) : undefined;
    if (rateOf && reason) findings.fail(rateOf.path, `"rateOf" ${reason}`);
  }
}

/** Returns whether the descriptor is the legacy 0.3.0 model, which is rejected with a migration hint. */
function checkImVersion(graph: Scope): boolean {
  const version = graph.value('imVersion');
  const path = graph.pathOf('imVersion');
  if (version === SUPPORTED_IM_VERSION) return false;
  if (version === undefined) graph.findings.fail(path, `"imVersion" is required ("${SUPPORTED_IM_VERSION}")`);
  else if (version === LEGACY_IM_VERSION) {
    graph.findings.fail(
      path,
      `imVersion "${LEGACY_IM_VERSION}" (legacy information model) is not accepted: SMO accepts "${SUPPORTED_IM_VERSION}" only. ` +
        '0.3.0 services have no "deployment.intent.compute" block (cpu, ram, storage, gpu); replace "intent.resources" with it',
    );
  } else {
    const shown = typeof version === 'string' ? `"${version.slice(0, 40)}"` : kindOf(version);
    graph.findings.fail(path, `"imVersion" must be "${SUPPORTED_IM_VERSION}" (got ${shown})`);
  }
  return version === LEGACY_IM_VERSION;
}

/** Service ids name Helm releases in one namespace, so they must differ within the graph. */
function checkUniqueIds(findings: Findings, services: readonly ServiceSummary[]): void {
  const firstPathById = new Map<string, string>();
  for (const service of services) {
    if (service.id === undefined) continue;
    const idPath = [...service.path, 'id'];
    const earlier = firstPathById.get(service.id);
    if (earlier) findings.fail(idPath, `duplicate service id "${service.id}" (also at ${earlier})`);
    else firstPathById.set(service.id, toPointer(idPath));
  }
}
