import { ArtifactError } from './artifact-errors';
import type { ArtifactResolver } from './artifact';
import { BodyForm, DescriptorBody, parseDescriptorBody } from './intake';
import { IntakeLimits } from './limits';
import { Problem, problemAt } from './problem';
import { PROMETHEUS_QUERIES_AT_ONCE } from '../integrations/prometheus/prometheus-client';
import { MAX_GRAPH_ALERT_RULE_BYTES, serviceAlertRules, storedAlertRuleBytes } from '../integrations/prometheus/smo-alert-rule';
import { normalise, NormaliseOptions } from './translate';
import { HdagDescriptor, NormalisedGraph } from './types';
import { validateDescriptor } from './validate';

/** Everything a `GraphSubmitted` event records about the descriptor. */
export interface GraphSubmission {
  readonly source: { readonly form: BodyForm } | { readonly form: 'artifact'; readonly ref: string };
  /** The parsed document as received, before validation (unknown fields and all). */
  readonly received: unknown;
  readonly descriptor: HdagDescriptor;
  readonly normalised: NormalisedGraph;
  /** Accepted but worth telling the author (see README, "Warnings"). */
  readonly warnings: Problem[];
}

export type SubmissionOutcome =
  | { readonly ok: true; readonly submission: GraphSubmission }
  | { readonly ok: false; readonly status: 400 | 413 | 415 | 502 | 504; readonly problems: Problem[] };

/** Validates and normalises a parsed document. Nothing is recorded on failure. */
export function prepareGraphSubmission(
  document: unknown,
  source: GraphSubmission['source'],
  options: NormaliseOptions = {},
): SubmissionOutcome {
  const validation = validateDescriptor(document);
  if (!validation.ok) return { ok: false, status: 400, problems: validation.problems };
  const normalised = normalise(validation.descriptor, options);
  const rulesProblem = alertRulesProblem(normalised);
  if (rulesProblem) return { ok: false, status: 400, problems: [rulesProblem] };
  return {
    ok: true,
    submission: { source, received: document, descriptor: validation.descriptor, normalised, warnings: validation.warnings },
  };
}

/** Prometheus' own parse of an expression (PrometheusClient.checkExpression); the grammar check here passes type errors. */
export type PromqlCheck = (promql: string, signal?: AbortSignal) => Promise<{ ok: true } | { ok: false; refused: string } | { ok: false; unknown: string }>;

export interface SubmissionDependencies {
  readonly artifacts: ArtifactResolver;
  readonly limits?: Partial<IntakeLimits>;
  readonly normalise?: NormaliseOptions;
  readonly signal?: AbortSignal;
  /** With PROMETHEUS_HOST: each event's promQuery as Prometheus parses it. */
  readonly checkPromql?: PromqlCheck;
}

/** The whole pure path of `POST /project/{project}/graphs`: body → document (maybe via hdarctl) → submission. */
export async function receiveGraphSubmission(body: DescriptorBody, dependencies: SubmissionDependencies): Promise<SubmissionOutcome> {
  const intake = parseDescriptorBody(body, dependencies.limits);
  if (intake.kind === 'rejected') return { ok: false, status: intake.status, problems: intake.problems };
  let outcome: SubmissionOutcome;
  if (intake.kind === 'descriptor') outcome = prepareGraphSubmission(intake.document, { form: intake.format }, dependencies.normalise);
  else {
    let document: unknown;
    try {
      document = await dependencies.artifacts.resolve(intake.ref, dependencies.signal);
    } catch (error) {
      if (error instanceof ArtifactError) return { ok: false, status: error.status, problems: error.problems };
      throw error;
    }
    outcome = prepareGraphSubmission(document, { form: 'artifact', ref: intake.ref }, dependencies.normalise);
  }
  if (!outcome.ok || !dependencies.checkPromql) return outcome;
  const problems = await promqlProblems(outcome.submission.normalised, dependencies.checkPromql, dependencies.signal);
  return problems.length === 0 ? outcome : { ok: false, status: 400, problems };
}

/**
 * The events whose query Prometheus refuses to parse (a type error such as `rate(foo)`, a bad regular expression): as
 * rules they would keep Prometheus' rules file from loading, and Prometheus from starting. A Prometheus that does not
 * say (unreachable, older than 2.38) is asked no further: the grammar check stands, and the rule write reports a refusal.
 */
async function promqlProblems(graph: NormalisedGraph, check: PromqlCheck, signal?: AbortSignal): Promise<Problem[]> {
  const queries = graph.services.flatMap((service, index) =>
    service.trigger.kind !== 'event'
      ? []
      : service.trigger.events.map((event, eventIndex) => ({
          promQuery: event.promQuery,
          path: ['hdaGraph', 'services', index, 'deployment', 'trigger', 'event', 'events', eventIndex, 'condition', 'promQuery'],
        })),
  );
  const problems: Problem[] = [];
  // A few at a time: a graph may have a few thousand events, and Prometheus may be a network hop away.
  for (let start = 0; start < queries.length; start += PROMETHEUS_QUERIES_AT_ONCE) {
    const batch = queries.slice(start, start + PROMETHEUS_QUERIES_AT_ONCE);
    const answers = await Promise.all(batch.map((query) => check(query.promQuery, signal)));
    answers.forEach((answer, i) => {
      if ('refused' in answer) problems.push(problemAt(batch[i]!.path, `Prometheus refuses this query: ${answer.refused}`));
    });
    if (answers.some((answer) => 'unknown' in answer)) break;
  }
  return problems;
}

/**
 * Every event of a conditional service becomes an alerting rule, and a graph's rules share one
 * PrometheusRule: a graph whose rules would not fit is refused here rather than failing at each
 * registration. Names the events of the service that crosses the limit.
 */
function alertRulesProblem(graph: NormalisedGraph): Problem | null {
  let bytes = 0;
  for (const [index, service] of graph.services.entries()) {
    // Which submission this will be is not known here: the longest number its label can hold is counted.
    bytes += storedAlertRuleBytes(serviceAlertRules(graph.id, service, Number.MAX_SAFE_INTEGER));
    if (bytes > MAX_GRAPH_ALERT_RULE_BYTES) {
      return problemAt(
        ['hdaGraph', 'services', index, 'deployment', 'trigger', 'event', 'events'],
        `the graph's alert events make alerting rules of more than ${MAX_GRAPH_ALERT_RULE_BYTES} bytes (each event is one rule, and a graph's rules share one PrometheusRule): use fewer events or shorter queries and descriptions`,
      );
    }
  }
  return null;
}
