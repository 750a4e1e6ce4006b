/**
 * The alert-rules port: the Prometheus alerting rules that trigger conditional services.
 * Rules live in a group owned by SMO; other groups are never touched (B18). Each write names the
 * graph whose rules it changes: a PrometheusRule keeps each graph's rules in an object of its own
 * (one object holds about 3,750 rules before etcd refuses it); a rules file and memory keep one group.
 */

/**
 * The label naming the graph submission that wrote a rule (1 for a graph id's first): a graph removed and submitted
 * again writes rules of the same names, and a removal takes away only its own submission's (see `removeRules`).
 */
export const SUBMISSION_LABEL = 'submission';

/** One Prometheus alerting rule (rules-file / PrometheusRule shape). */
export interface AlertRule {
  /** The rule's `alert` field, i.e. the `alertname` label of what it fires; see `alertRuleName`. */
  name: string;
  /** PromQL. */
  expr: string;
  /** How long `expr` must hold before firing, a Prometheus duration such as "30s" or "0s". */
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** What a write did. Kubernetes / file-system failures are thrown; the reload is best effort. */
export interface RulesWriteResult {
  /** false when the rules were already as asked, so nothing was written. */
  changed: boolean;
  /**
   * `POST {prometheus}/-/reload` answered 2xx. false with no `error` when no Prometheus URL is
   * configured (with the operator, its config-reloader sidecar picks the change up anyway), or when
   * nothing was written (no reload is asked for then).
   */
  reloaded: boolean;
  /** Why the reload failed; Prometheus then keeps evaluating its previous rules. */
  error?: string;
  /**
   * The change is not in effect, and repeating the write would fail the same way: Prometheus refused the rules with
   * this change (an invalid PromQL, say), so the rules file was put back as it was and the other graphs' rules still
   * load; or no Prometheus selects the graph's PrometheusRule (it stays, for a selector fixed later). `error` says why.
   * Set only by an adapter that can tell.
   */
  refused?: true;
}

export interface AlertRulesPort {
  /** `prometheus-rule`: a PrometheusRule CR; `rules-file`: a plain Prometheus rules file; `simulated`: memory. */
  readonly mode: 'prometheus-rule' | 'rules-file' | 'simulated';
  /** Adds the graph's rules or replaces those with the same name; never leaves duplicates. */
  upsertRules(graphId: string, rules: readonly AlertRule[]): Promise<RulesWriteResult>;
  /**
   * Removes these rules of the graph; removing a rule that is not there is a success (`changed: false`). With
   * `submission`, only the rules that graph submission wrote (its `submission` label) or that carry no such label
   * (written before SMO labelled them): the graph submitted again since writes rules of the same names. Judged in the
   * same read and write as the removal.
   */
  removeRules(graphId: string, names: readonly string[], options?: { submission?: number }): Promise<RulesWriteResult>;
  /** Every alerting rule SMO keeps (all graphs), in stored order. */
  listRules(): Promise<AlertRule[]>;
  /**
   * Work an earlier SMO version left, done once before the first write (moving a shared
   * PrometheusRule's rules to one per graph). SMO calls it when an instance takes the alert-rules processor's lease, so its outcome is logged;
   * a failure is retried by the next call.
   */
  prepare?(): Promise<PrepareReport>;
}

export interface PrepareReport {
  /** Rules moved, and the graphs they belong to (0 when there was nothing to move). */
  movedRules: number;
  graphs: number;
  /** Where they came from, e.g. `monitoring/kube-prometheus-stack-0`. */
  from: string | null;
}
