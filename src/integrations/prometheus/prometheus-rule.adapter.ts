import type { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { kubernetesClient } from '../kubernetes/client';
import { backoffDelay, sleep, type RetryPolicy } from '../../shared/retry';
import { DEFAULT_KUBE_TIMEOUT_MS, kubeCall } from '../kubernetes/kube-call';
import { KubeApiInvalidResponseError, KubeApiStatusError } from '../kubernetes/kube-errors';
import { loadKubeconfigFile } from '../kubernetes/kubeconfig';
import { assertValidAlertRules } from './alert-rule-validation';
import type { AlertRule, AlertRulesPort, RulesWriteResult } from './alert-rules.port';
import { assertPositiveTimeout, prometheusBaseUrl } from './prometheus-base-url';
import { reloadPrometheus } from './prometheus-reload';
import {
  alertRulesInGroups,
  removeRulesFromGroups,
  RuleGroupsShapeError,
  upsertRulesInGroups,
  type GroupsEdit,
} from './rule-groups';
import { isRecord } from '../../shared/is-record';

export interface PrometheusRuleOptions {
  /** The CR's name; kube-prometheus-stack derives it from the Helm release. */
  name?: string;
  namespace?: string;
  /** SMO's group inside the CR. */
  group?: string;
  /** Labels of a CR this adapter creates: they must match the Prometheus' `ruleSelector` (often `release: <helm release>`). */
  labels?: Record<string, string>;
  /** PROMETHEUS_HOST: when set, `POST /-/reload` follows each write (upstream does). */
  prometheusUrl?: string;
  /** Per Kubernetes call. */
  timeoutMs?: number;
  reloadTimeoutMs?: number;
  /** Read-modify-write rounds when another writer changed the CR in between (HTTP 409). */
  conflictRetry?: RetryPolicy;
}

export const DEFAULT_PROMETHEUS_RULE = { name: 'kube-prometheus-stack-0', namespace: 'monitoring', group: 'smo-alerts' } as const;
const DEFAULT_RELOAD_TIMEOUT_MS = 5_000;
const DEFAULT_CONFLICT_RETRY: RetryPolicy = { attempts: 5, initialDelayMs: 50, maxDelayMs: 1_000 };
const API = { group: 'monitoring.coreos.com', version: 'v1', plural: 'prometheusrules' } as const;

interface PrometheusRuleObject {
  metadata: Record<string, unknown>;
  spec?: Record<string, unknown> & { groups?: unknown };
  [field: string]: unknown;
}

/**
 * SMO's alert rules in a PrometheusRule CR on the management cluster, edited by
 * read-modify-write guarded by `metadata.resourceVersion`. Unlike upstream it creates the CR and
 * the group when missing, keeps other groups, never duplicates a rule, and throws its failures (B18).
 */
export class PrometheusRuleAdapter implements AlertRulesPort {
  readonly mode = 'prometheus-rule' as const;
  private readonly api: CustomObjectsApi;
  private readonly target: { name: string; namespace: string; group: string };
  private readonly prometheusUrl: string | null;
  private readonly timeoutMs: number;
  private readonly reloadTimeoutMs: number;
  private readonly conflictRetry: RetryPolicy;

  /** From the operator's management-cluster kubeconfig (trusted: exec and file paths are allowed). */
  static fromKubeconfigFile(path: string, options: PrometheusRuleOptions & { context?: string } = {}): PrometheusRuleAdapter {
    return new PrometheusRuleAdapter(loadKubeconfigFile(path, { trusted: true, context: options.context }), options);
  }

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: PrometheusRuleOptions = {},
  ) {
    this.api = kubeConfig.makeApiClient(kubernetesClient().CustomObjectsApi);
    this.target = {
      name: options.name ?? DEFAULT_PROMETHEUS_RULE.name,
      namespace: options.namespace ?? DEFAULT_PROMETHEUS_RULE.namespace,
      group: options.group ?? DEFAULT_PROMETHEUS_RULE.group,
    };
    this.prometheusUrl = options.prometheusUrl === undefined ? null : prometheusBaseUrl(options.prometheusUrl);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_KUBE_TIMEOUT_MS;
    this.reloadTimeoutMs = options.reloadTimeoutMs ?? DEFAULT_RELOAD_TIMEOUT_MS;
    assertPositiveTimeout(this.timeoutMs, 'timeoutMs');
    assertPositiveTimeout(this.reloadTimeoutMs, 'reloadTimeoutMs');
    this.conflictRetry = options.conflictRetry ?? DEFAULT_CONFLICT_RETRY;
  }

  async upsertRules(rules: readonly AlertRule[]): Promise<RulesWriteResult> {
    assertValidAlertRules(rules);
    return this.edit((groups) => upsertRulesInGroups(groups, this.target.group, rules));
  }

  async removeRules(names: readonly string[]): Promise<RulesWriteResult> {
    return this.edit((groups) => removeRulesFromGroups(groups, this.target.group, names));
  }

  async listRules(): Promise<AlertRule[]> {
    const current = await this.read();
    return current === null ? [] : this.groupsOf(current, (groups) => alertRulesInGroups(groups, this.target.group));
  }

  private async edit(change: (groups: unknown) => GroupsEdit): Promise<RulesWriteResult> {
    const changed = await this.writeRetryingConflicts(change);
    if (this.prometheusUrl === null) return { changed, reloaded: false };
    return { changed, ...(await reloadPrometheus(this.prometheusUrl, this.reloadTimeoutMs)) };
  }

  private async writeRetryingConflicts(change: (groups: unknown) => GroupsEdit): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.writeOnce(change);
      } catch (error) {
        // 409: someone wrote between our read and write (Conflict), or created the CR first (AlreadyExists).
        const conflict = error instanceof KubeApiStatusError && error.status === 409;
        if (!conflict || attempt >= this.conflictRetry.attempts) throw error;
        await sleep(backoffDelay(this.conflictRetry, attempt));
      }
    }
  }

  /** true when something was written. */
  private async writeOnce(change: (groups: unknown) => GroupsEdit): Promise<boolean> {
    const current = await this.read();
    if (current === null) {
      const edit = change([]);
      if (edit.changed) await this.create(edit.groups);
      return edit.changed;
    }
    const edit = this.groupsOf(current, change);
    // resourceVersion comes along from the read: the server refuses the PUT with 409 if it moved on.
    if (edit.changed) await this.replace({ ...current, spec: { ...current.spec, groups: edit.groups } });
    return edit.changed;
  }

  private async read(): Promise<PrometheusRuleObject | null> {
    const { name, namespace } = this.target;
    const operation = `read PrometheusRule ${namespace}/${name}`;
    let object: unknown;
    try {
      object = await kubeCall(operation, { timeoutMs: this.timeoutMs }, (options) =>
        this.api.getNamespacedCustomObject({ ...API, namespace, name }, options),
      );
    } catch (error) {
      if (error instanceof KubeApiStatusError && error.status === 404) return null;
      throw error;
    }
    if (!isRecord(object) || !isRecord(object.metadata) || (object.spec !== undefined && !isRecord(object.spec))) {
      throw new KubeApiInvalidResponseError(operation, 'not a PrometheusRule object');
    }
    return object as PrometheusRuleObject;
  }

  private async create(groups: unknown[]): Promise<void> {
    const { name, namespace } = this.target;
    const body = {
      apiVersion: `${API.group}/${API.version}`,
      kind: 'PrometheusRule',
      metadata: { name, namespace, ...(this.options.labels ? { labels: { ...this.options.labels } } : {}) },
      spec: { groups },
    };
    await kubeCall(`create PrometheusRule ${namespace}/${name}`, { timeoutMs: this.timeoutMs }, (options) =>
      this.api.createNamespacedCustomObject({ ...API, namespace, body }, options),
    );
  }

  private async replace(body: PrometheusRuleObject): Promise<void> {
    const { name, namespace } = this.target;
    await kubeCall(`replace PrometheusRule ${namespace}/${name}`, { timeoutMs: this.timeoutMs }, (options) =>
      this.api.replaceNamespacedCustomObject({ ...API, namespace, name, body }, options),
    );
  }

  private groupsOf<T>(object: PrometheusRuleObject, use: (groups: unknown) => T): T {
    try {
      return use(object.spec?.groups);
    } catch (error) {
      if (!(error instanceof RuleGroupsShapeError)) throw error;
      throw new KubeApiInvalidResponseError(`read PrometheusRule ${this.target.namespace}/${this.target.name}`, `spec.${error.message}`);
    }
  }
}
