import { checkArtifactRef } from './artifact-ref';
import { DocumentPath } from './problem';
import { dnsLabel, MAX_SERVICE_ID_LENGTH } from './rules';
import { ARTIFACT_TYPES, CPU_CLASSES, IMPLEMENTERS, LATENCY_QOS, RAM_CLASSES, STORAGE_CLASSES } from './types';
import { validateTrigger } from './validate-trigger';
import { Findings } from './findings';
import { NameAt, ServiceReference, ServiceSummary } from './service-references';
import { Scope } from './validation-scope';
import { SCALING_FIELDS, SCALING_RULES } from '../domain/graph/descriptor-extensions';

const SERVICE_FIELDS = ['id', 'deployment', 'artifact'];
const DEPLOYMENT_FIELDS = ['trigger', 'intent'];
const INTENT_FIELDS = ['compute', 'connectionPoints', 'network', 'coLocation', 'highAvailability', 'metrics', 'scaling'];
const COMPUTE_FIELDS = ['cpu', 'ram', 'storage', 'gpu', 'injectResources'];
const NETWORK_FIELDS = ['deviceProximity', 'latencies'];
const ARTIFACT_FIELDS = ['ociImage', 'ociConfig', 'ociRun', 'valuesOverwrite'];

/** The intent classes (cpu, ram, storage, latency qos), checked the same way. */
const COMPUTE_CLASSES = [
  ['cpu', CPU_CLASSES],
  ['ram', RAM_CLASSES],
  ['storage', STORAGE_CLASSES],
] as const;

const LEGACY_COMPUTE_HINT =
  ' (imVersion 0.3.0 descriptors have "intent.resources" instead; 0.4.0 needs compute: {cpu, ram, storage, gpu: {enabled}})';

export function validateService(findings: Findings, value: unknown, path: DocumentPath, legacy: boolean): ServiceSummary {
  const references: ServiceReference[] = [];
  const service = Scope.of(findings, value, path, 'a service');
  if (!service) return { id: undefined, path, references };
  service.warnUnknownFields(SERVICE_FIELDS);
  const id = service.string('id', 'required', dnsLabel(MAX_SERVICE_ID_LENGTH, 'a Helm release name'));
  if (id !== undefined && /^[0-9]/.test(id)) {
    findings.warn(service.pathOf('id'), 'starts with a digit: charts that name a Kubernetes Service after the release will fail (DNS-1035)');
  }
  const deployment = service.object('deployment', 'required');
  deployment?.warnUnknownFields(DEPLOYMENT_FIELDS);
  const trigger = deployment?.object('trigger', 'required');
  if (trigger) validateTrigger(trigger, references);
  const intent = deployment?.object('intent', 'required');
  const rateOf = intent ? validateIntent(intent, references, legacy) : undefined;
  const artifact = service.object('artifact', 'required');
  if (artifact) validateArtifact(artifact);
  return { id, path, references, ...(rateOf ? { rateOf } : {}) };
}

/** Returns `scaling.rateOf` when it is a name, for the graph to check against its service ids. */
function validateIntent(intent: Scope, references: ServiceReference[], legacy: boolean): NameAt | undefined {
  intent.warnUnknownFields(INTENT_FIELDS);
  const compute = intent.object('compute', 'required', legacy ? LEGACY_COMPUTE_HINT : '');
  if (compute) {
    compute.warnUnknownFields(COMPUTE_FIELDS);
    for (const [field, classes] of COMPUTE_CLASSES) compute.oneOf(field, classes, 'required');
    compute.object('gpu', 'required')?.flag('enabled', 'required');
    compute.boolean('injectResources', 'optional');
  }
  for (const { value, path } of intent.array('connectionPoints', 'required')?.entries ?? []) {
    if (typeof value === 'string') references.push({ name: value, path, kind: 'connection point' });
    else intent.findings.fail(path, 'a connection point must be a service id (string)');
  }
  const network = intent.object('network', 'optional');
  if (network) validateNetwork(network, references);
  // coLocation: ids of services that must run on the same cluster(s) as this one (src/optimizer/README.md "Intents").
  for (const { value, path } of intent.array('coLocation', 'optional')?.entries ?? []) {
    if (typeof value === 'string') references.push({ name: value, path, kind: 'coLocation partner' });
    else intent.findings.fail(path, 'a coLocation entry must be a service id (string)');
  }
  // Per-service override of hdaGraphIntent.highAvailability (extension).
  intent.object('highAvailability', 'optional')?.flag('enabled', 'required');
  intent.array('metrics', 'optional');
  // Scaling parameters (extension, read by src/processors/scaling-parameters.ts).
  const scaling = intent.object('scaling', 'optional');
  if (!scaling) return undefined;
  scaling.warnUnknownFields(SCALING_FIELDS);
  for (const field of SCALING_FIELDS) {
    const value = scaling.checked(field, 'optional', SCALING_RULES[field]);
    if (field === 'rateOf' && typeof value === 'string') return { id: value, path: scaling.pathOf(field) };
  }
  return undefined;
}

function validateNetwork(network: Scope, references: ServiceReference[]): void {
  network.warnUnknownFields(NETWORK_FIELDS);
  network.object('deviceProximity', 'optional')?.flag('enabled', 'required');
  for (const { value, path } of network.array('latencies', 'optional')?.entries ?? []) {
    const latency = Scope.of(network.findings, value, path, 'a latency entry');
    if (!latency) continue;
    latency.warnUnknownFields(['connectionPoint', 'qos']);
    // "" is what the official template writes for "the next service"; it refers to nothing.
    const target = latency.string('connectionPoint', 'required');
    if (target) references.push({ name: target, path: latency.pathOf('connectionPoint'), kind: 'latency target' });
    latency.oneOf('qos', LATENCY_QOS, 'required');
  }
}

function validateArtifact(artifact: Scope): void {
  artifact.warnUnknownFields(ARTIFACT_FIELDS);
  const image = artifact.value('ociImage');
  if (image === undefined) artifact.findings.fail(artifact.pathOf('ociImage'), '"ociImage" is required');
  else {
    const verdict = checkArtifactRef(image, { schemes: ['oci'] });
    if (!verdict.ok) artifact.findings.fail(artifact.pathOf('ociImage'), `"ociImage" ${verdict.reason}`);
  }
  const config = artifact.object('ociConfig', 'required');
  config?.warnUnknownFields(['type', 'implementer']);
  config?.oneOf('type', ARTIFACT_TYPES, 'required');
  const implementer = config?.oneOf('implementer', IMPLEMENTERS, 'required');
  const run = artifact.object('ociRun', 'optional');
  run?.string('name', 'required');
  run?.string('version', 'required');
  const values = artifact.object('valuesOverwrite', 'required');
  if (values) checkHelmValues(artifact.findings, values.record, values.path);
  if (values && implementer === 'WOT') {
    // SMO writes placement values into voChartOverwrite, so it must be a mapping when given.
    values.object('voChartOverwrite', 'optional');
    values.object('voDescriptorOverwrite', 'optional');
  }
}

/** A UTF-16 surrogate without its pair: with the u flag a pair is one code point, never matched. */
const LONE_SURROGATE = /\p{Surrogate}/u;
const NOT_UNICODE = 'is not valid Unicode (a lone UTF-16 surrogate, e.g. a "\\ud800" escape): helm cannot read a values file holding it';

/**
 * What SMO records as JSON and helm reads as YAML must survive both: YAML's .inf and .nan become null in
 * JSON (and a null deletes the chart's key), and a lone surrogate has no UTF-8 form (helm refuses the file).
 */
function checkHelmValues(findings: Findings, value: unknown, path: DocumentPath): void {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    findings.fail(path, `${String(value)} cannot be recorded: JSON has no Infinity or NaN, and helm would get null, deleting the key (quote it for the string)`);
  } else if (typeof value === 'string' && LONE_SURROGATE.test(value)) {
    findings.fail(path, NOT_UNICODE);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => checkHelmValues(findings, item, [...path, index]));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (LONE_SURROGATE.test(key)) findings.fail([...path, key], `the key ${NOT_UNICODE}`);
      else checkHelmValues(findings, item, [...path, key]);
    }
  }
}
