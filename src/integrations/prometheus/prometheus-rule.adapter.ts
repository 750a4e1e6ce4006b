import type { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { kubernetesClient } from '../kubernetes/client';
import { backoffDelay, sleep, type RetryPolicy } from '../../shared/retry';
import { DEFAULT_KUBE_TIMEOUT_MS, kubeCall } from '../kubernetes/kube-call';
import { KubeApiInvalidResponseError, KubeApiStatusError } from '../kubernetes/kube-errors';
import { loadKubeconfigFile } from '../kubernetes/kubeconfig';
import { assertValidAlertRules } from './alert-rule-validation';
import type { AlertRule, AlertRulesPort, PrepareReport, RulesWriteResult } from './alert-rules.port';
import { assertPositiveTimeout, prometheusBaseUrl } from './prometheus-base-url';
import { reloadPrometheus, withoutStatus } from './prometheus-reload';
import {
  alertRulesInGroups,
  holdsNoRules,
  removeRulesFromGroups,
  RuleGroupsShapeError,
  upsertRulesInGroups,
  type GroupsEdit,
} from './rule-groups';
import { isRecord } from '../../shared/is-record';
import { isDnsLabel, isDnsSubdomainPrefix } from '../../shared/dns-name';
import { isEmptySelector, selects } from '../kubernetes/label-selector';

export interface PrometheusRuleOptions {
  /** Each graph's rules go to the PrometheusRule `<namePrefix><graph id>`. */
  namePrefix?: string;
  /**
   * The one CR in which SMO before per-graph CRs kept every graph's rules (upstream's
   * `kube-prometheus-stack-0`). Before its first use, the adapter moves the rules found in SMO's
   * group there, by their `graph` label, to their graphs' CRs. null: nothing to move.
   */
  sharedName?: string | null;
  namespace?: string;
  /** SMO's group inside each CR. */
  group?: string;
  /** Labels of the CRs this adapter creates: they must match the Prometheus' `ruleSelector` (often `release: <helm release>`). */
  labels?: Record<string, string>;
  /** PROMETHEUS_HOST: when set, `POST /-/reload` follows each write (upstream does). */
  prometheusUrl?: string;
  /** Per Kubernetes call. */
  timeoutMs?: number;
  reloadTimeoutMs?: number;
  /** Read-modify-write rounds when another writer changed the CR in between (HTTP 409). */
  conflictRetry?: RetryPolicy;
}

export const DEFAULT_PROMETHEUS_RULE = {
  namePrefix: 'smo-alerts-',
  sharedName: 'kube-prometheus-stack-0',
  namespace: 'monitoring',
  group: 'smo-alerts',
} as const;
/** Labels of every CR SMO creates: how `listRules` finds them, and which CRs SMO may delete. */
export const MANAGED_BY_LABEL = { key: 'app.kubernetes.io/managed-by', value: 'smo' } as const;
export const GRAPH_LABEL = 'smo.nephele.eu/graph';
const DEFAULT_RELOAD_TIMEOUT_MS = 5_000;
const DEFAULT_CONFLICT_RETRY: RetryPolicy = { attempts: 5, initialDelayMs: 50, maxDelayMs: 1_000 };
const LIST_PAGE = 500;
const API = { group: 'monitoring.coreos.com', version: 'v1', plural: 'prometheusrules' } as const;
/** What evaluates a PrometheusRule the operator renders: a Prometheus or a Thanos Ruler that selects it. */
const RULE_EVALUATORS = [
  { kind: 'Prometheus', plural: 'prometheuses' },
  { kind: 'ThanosRuler', plural: 'thanosrulers' },
] as const;

interface PrometheusRuleObject {
  metadata: Record<string, unknown>;
  spec?: Record<string, unknown> & { groups?: unknown };
  [field: string]: unknown;
}

/** The CR was deleted between our read and our write: read again. */
class ObjectGoneError extends Error {}

/**
 * SMO's alert rules in PrometheusRule CRs on the management cluster, one per graph: a single CR
 * stops at etcd's request limit (about 3,750 SMO rules, measured on the lab's API server), and a
 * graph's CR goes with its last rule. Each CR is edited by read-modify-write guarded by
 * `metadata.resourceVersion`. Unlike upstream it creates the CR and the group when missing, keeps
 * other groups, never duplicates a rule, and throws its failures (B18).
 */
export class PrometheusRuleAdapter implements AlertRulesPort {
  readonly mode = 'prometheus-rule' as const;
  private readonly api: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly namePrefix: string;
  private readonly sharedName: string | null;
  private readonly namespace: string;
  private readonly group: string;
  private readonly prometheusUrl: string | null;
  private readonly timeoutMs: number;
  private readonly reloadTimeoutMs: number;
  private readonly conflictRetry: RetryPolicy;
  /** The move out of the shared CR: once per adapter, again after a failure. */
  private sharedRulesMoved: Promise<PrepareReport> | null = null;

  /** From the operator's management-cluster kubeconfig (trusted: exec and file paths are allowed). */
  static fromKubeconfigFile(path: string, options: PrometheusRuleOptions & { context?: string } = {}): PrometheusRuleAdapter {
    return new PrometheusRuleAdapter(loadKubeconfigFile(path, { trusted: true, context: options.context }), options);
  }

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: PrometheusRuleOptions = {},
  ) {
    this.api = kubeConfig.makeApiClient(kubernetesClient().CustomObjectsApi);
    this.core = kubeConfig.makeApiClient(kubernetesClient().CoreV1Api);
    this.namePrefix = options.namePrefix ?? DEFAULT_PROMETHEUS_RULE.namePrefix;
    this.sharedName = options.sharedName === undefined ? DEFAULT_PROMETHEUS_RULE.sharedName : options.sharedName;
    this.namespace = options.namespace ?? DEFAULT_PROMETHEUS_RULE.namespace;
    this.group = options.group ?? DEFAULT_PROMETHEUS_RULE.group;
    this.prometheusUrl = options.prometheusUrl === undefined ? null : prometheusBaseUrl(options.prometheusUrl);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_KUBE_TIMEOUT_MS;
    this.reloadTimeoutMs = options.reloadTimeoutMs ?? DEFAULT_RELOAD_TIMEOUT_MS;
    assertPositiveTimeout(this.timeoutMs, 'timeoutMs');
    assertPositiveTimeout(this.reloadTimeoutMs, 'reloadTimeoutMs');
    assertNamePrefix(this.namePrefix);
    this.conflictRetry = options.conflictRetry ?? DEFAULT_CONFLICT_RETRY;
  }

  /** The CR holding a graph's rules. */
  private ruleObjectName(graphId: string): string {
    if (!isDnsLabel(graphId)) throw new RangeError(`graph id ${JSON.stringify(graphId)} is not a DNS-1123 label`);
    const name = `${this.namePrefix}${graphId}`;
    if (name === this.sharedName) throw new RangeError(`graph ${graphId}'s PrometheusRule would be the shared one, ${name}: change the name prefix`);
    return name;
  }

  /**
   * Written, the graph's CR is checked against the Prometheus and Thanos Ruler objects of the cluster: when there are
   * some and none selects it (its labels, its namespace), the operator renders it for nothing, and the result says so
   * (`refused`, why in `error`). The CR stays: a selector fixed later loads it.
   */
  async upsertRules(graphId: string, rules: readonly AlertRule[]): Promise<RulesWriteResult> {
    assertValidAlertRules(rules);
    return this.edit(graphId, (groups) => upsertRulesInGroups(groups, this.group, rules), true);
  }

  async removeRules(graphId: string, names: readonly string[], options: { submission?: number } = {}): Promise<RulesWriteResult> {
    return this.edit(graphId, (groups) => removeRulesFromGroups(groups, this.group, names, options.submission));
  }

  /** Moves the rules an earlier SMO kept in the shared CR (see `sharedName`); once, whoever calls first. */
  prepare(): Promise<PrepareReport> {
    return this.moveSharedRulesOnce();
  }

  async listRules(): Promise<AlertRule[]> {
    await this.moveSharedRulesOnce();
    const objects = await this.listOwned();
    return objects.flatMap((object) => this.groupsOf(object, (groups) => alertRulesInGroups(groups, this.group)));
  }

  private async edit(graphId: string, change: (groups: unknown) => GroupsEdit, checkSelected = false): Promise<RulesWriteResult> {
    const name = this.ruleObjectName(graphId);
    await this.moveSharedRulesOnce();
    const { changed, labels } = await this.writeRetryingConflicts(name, graphId, change);
    const unselected = checkSelected && labels !== null ? await this.whyNotSelected(name, labels) : null;
    if (unselected !== null) return { changed, reloaded: false, error: unselected, refused: true };
    if (!changed || this.prometheusUrl === null) return { changed, reloaded: false };
    return { changed, ...withoutStatus(await reloadPrometheus(this.prometheusUrl, this.reloadTimeoutMs)) };
  }

  private moveSharedRulesOnce(): Promise<PrepareReport> {
    if (this.sharedName === null) return Promise.resolve({ movedRules: 0, graphs: 0, from: null });
    this.sharedRulesMoved ??= this.moveSharedRules(this.sharedName).catch((error: unknown) => {
      this.sharedRulesMoved = null;
      throw error;
    });
    return this.sharedRulesMoved;
  }

  /**
   * Copies each graph's rules from the shared CR into the graph's own CR, then removes them from the
   * shared one. A crash in between copies again (an upsert of the same rules changes nothing).
   * Rules without a `graph` label (upstream's, or not SMO's) stay where they are.
   */
  private async moveSharedRules(sharedName: string): Promise<PrepareReport> {
    const from = `${this.namespace}/${sharedName}`;
    const shared = await this.read(sharedName);
    if (shared === null) return { movedRules: 0, graphs: 0, from };
    const byGraph = new Map<string, AlertRule[]>();
    for (const rule of this.groupsOf(shared, (groups) => alertRulesInGroups(groups, this.group))) {
      const graphId = rule.labels.graph;
      if (graphId === undefined || !isDnsLabel(graphId)) continue;
      byGraph.set(graphId, [...(byGraph.get(graphId) ?? []), rule]);
    }
    if (byGraph.size === 0) return { movedRules: 0, graphs: 0, from };
    for (const [graphId, rules] of byGraph) {
      await this.writeRetryingConflicts(this.ruleObjectName(graphId), graphId, (groups) => upsertRulesInGroups(groups, this.group, rules));
    }
    const moved = [...byGraph.values()].flat().map((rule) => rule.name);
    await this.writeRetryingConflicts(sharedName, null, (groups) => removeRulesFromGroups(groups, this.group, moved));
    return { movedRules: moved.length, graphs: byGraph.size, from };
  }

  private async writeRetryingConflicts(name: string, graphId: string | null, change: (groups: unknown) => GroupsEdit): Promise<Written> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.writeOnce(name, graphId, change);
      } catch (error) {
        // 409: someone wrote between our read and write (Conflict), or created the CR first (AlreadyExists);
        // gone: someone deleted it in between.
        const conflict = (error instanceof KubeApiStatusError && error.status === 409) || error instanceof ObjectGoneError;
        if (!conflict || attempt >= this.conflictRetry.attempts) throw error instanceof ObjectGoneError ? error.cause : error;
        await sleep(backoffDelay(this.conflictRetry, attempt));
      }
    }
  }

  /**
   * Whether something was written, and the labels of the CR afterwards (null: there is none). A graph's CR that SMO
   * created and that holds no rule any more is deleted; `graphId` null (the shared CR) is only ever edited.
   */
  private async writeOnce(name: string, graphId: string | null, change: (groups: unknown) => GroupsEdit): Promise<Written> {
    const current = await this.read(name);
    if (current === null) {
      const edit = change([]);
      if (!edit.changed || graphId === null) return { changed: false, labels: null };
      return { changed: true, labels: await this.create(name, graphId, edit.groups) };
    }
    const labels = stringLabels(current);
    const edit = this.groupsOf(current, change);
    if (!edit.changed) return { changed: false, labels };
    // resourceVersion comes along from the read: the server refuses the write with 409 if it moved on.
    if (graphId !== null && isGraphObject(current, graphId) && holdsNoRules(edit.groups)) {
      await this.delete(name, current);
      return { changed: true, labels: null };
    }
    await this.replace(name, { ...current, spec: { ...current.spec, groups: edit.groups } });
    return { changed: true, labels };
  }

  /**
   * Why no rule evaluator of the cluster (a Prometheus, a Thanos Ruler) selects the CR: each selects PrometheusRules by
   * `ruleSelector` (null: none) in the namespaces of `ruleNamespaceSelector` (null: its own). null when one selects
   * it, and when SMO cannot tell: no evaluator is listed (rules read by something else, such as VictoriaMetrics'
   * operator), listing them or reading the namespace is not allowed, or a selector it cannot read.
   */
  private async whyNotSelected(name: string, labels: Record<string, string>): Promise<string | null> {
    const evaluators: Array<{ kind: string; object: PrometheusRuleObject }> = [];
    for (const { kind, plural } of RULE_EVALUATORS) {
      const objects = await this.listEvaluators(plural);
      if (objects === null) return null;
      evaluators.push(...objects.map((object) => ({ kind, object })));
    }
    if (evaluators.length === 0) return null;
    let namespaceLabels: Record<string, string> | null | undefined;
    for (const { object } of evaluators) {
      const spec = isRecord(object.spec) ? object.spec : {};
      const byLabels = spec.ruleSelector === undefined || spec.ruleSelector === null ? false : selects(spec.ruleSelector, labels);
      if (byLabels === 'unknown') return null;
      if (!byLabels) continue;
      const namespaceSelector = spec.ruleNamespaceSelector;
      if (namespaceSelector === undefined || namespaceSelector === null) {
        if (object.metadata.namespace === this.namespace) return null;
        continue;
      }
      if (isEmptySelector(namespaceSelector)) return null;
      namespaceLabels ??= await this.namespaceLabels();
      if (namespaceLabels === null) return null;
      const byNamespace = selects(namespaceSelector, namespaceLabels);
      if (byNamespace === 'unknown' || byNamespace) return null;
    }
    const described = evaluators.map(({ kind, object }) => `${kind} ${String(object.metadata.namespace)}/${String(object.metadata.name)}`).join(', ');
    return `no Prometheus selects PrometheusRule ${this.namespace}/${name} (labels ${JSON.stringify(labels)}): the ruleSelector and ruleNamespaceSelector of ${described} leave it out (PROMETHEUS_RULE_LABELS must match one's ruleSelector)`;
  }

  /** The cluster's objects of a rule evaluator's kind: [] when its CRD is not installed, null when SMO may not list them. */
  private async listEvaluators(plural: string): Promise<PrometheusRuleObject[] | null> {
    const operation = `list ${plural}.${API.group}`;
    try {
      const page: unknown = await kubeCall(operation, { timeoutMs: this.timeoutMs }, (options) =>
        this.api.listClusterCustomObject({ group: API.group, version: API.version, plural }, options),
      );
      if (!isRecord(page) || !Array.isArray(page.items) || !page.items.every(isPrometheusRuleObject)) return null;
      return page.items;
    } catch (error) {
      // Forbidden, or no answer: the check is skipped, the write done stands.
      return error instanceof KubeApiStatusError && error.status === 404 ? [] : null;
    }
  }

  /** The labels of the CRs' namespace, which a ruleNamespaceSelector matches; null when SMO may not read it. */
  private async namespaceLabels(): Promise<Record<string, string> | null> {
    try {
      const namespace = await kubeCall(`read namespace ${this.namespace}`, { timeoutMs: this.timeoutMs }, (options) => this.core.readNamespace({ name: this.namespace }, options));
      return { ...(namespace.metadata?.labels ?? {}) };
    } catch {
      return null;
    }
  }

  private async read(name: string): Promise<PrometheusRuleObject | null> {
    const operation = `read PrometheusRule ${this.namespace}/${name}`;
    let object: unknown;
    try {
      object = await kubeCall(operation, { timeoutMs: this.timeoutMs }, (options) =>
        this.api.getNamespacedCustomObject({ ...API, namespace: this.namespace, name }, options),
      );
    } catch (error) {
      if (error instanceof KubeApiStatusError && error.status === 404) return null;
      throw error;
    }
    if (!isPrometheusRuleObject(object)) throw new KubeApiInvalidResponseError(operation, 'not a PrometheusRule object');
    return object;
  }

  /** SMO's CRs in the namespace, a page at a time, in the server's order (by name). */
  private async listOwned(): Promise<PrometheusRuleObject[]> {
    const operation = `list PrometheusRules ${this.namespace}`;
    const objects: PrometheusRuleObject[] = [];
    let token: string | undefined;
    do {
      const page: unknown = await kubeCall(operation, { timeoutMs: this.timeoutMs }, (options) =>
        this.api.listNamespacedCustomObject(
          { ...API, namespace: this.namespace, labelSelector: `${MANAGED_BY_LABEL.key}=${MANAGED_BY_LABEL.value}`, limit: LIST_PAGE, _continue: token },
          options,
        ),
      );
      if (!isRecord(page) || !Array.isArray(page.items) || !page.items.every(isPrometheusRuleObject)) {
        throw new KubeApiInvalidResponseError(operation, 'not a PrometheusRule list');
      }
      objects.push(...page.items);
      const next = isRecord(page.metadata) ? page.metadata.continue : undefined;
      token = typeof next === 'string' && next !== '' ? next : undefined;
    } while (token !== undefined);
    return objects;
  }

  /** The CR's labels. */
  private async create(name: string, graphId: string, groups: unknown[]): Promise<Record<string, string>> {
    const labels = { ...this.options.labels, [MANAGED_BY_LABEL.key]: MANAGED_BY_LABEL.value, [GRAPH_LABEL]: graphId };
    const body = { apiVersion: `${API.group}/${API.version}`, kind: 'PrometheusRule', metadata: { name, namespace: this.namespace, labels }, spec: { groups } };
    await kubeCall(`create PrometheusRule ${this.namespace}/${name}`, { timeoutMs: this.timeoutMs }, (options) =>
      this.api.createNamespacedCustomObject({ ...API, namespace: this.namespace, body }, options),
    );
    return labels;
  }

  private async replace(name: string, body: PrometheusRuleObject): Promise<void> {
    try {
      await kubeCall(`replace PrometheusRule ${this.namespace}/${name}`, { timeoutMs: this.timeoutMs }, (options) =>
        this.api.replaceNamespacedCustomObject({ ...API, namespace: this.namespace, name, body }, options),
      );
    } catch (error) {
      if (error instanceof KubeApiStatusError && error.status === 404) throw new ObjectGoneError(error.message, { cause: error });
      throw error;
    }
  }

  /** Only the version read: a rule written since makes the server answer 409, and the edit starts over. */
  private async delete(name: string, current: PrometheusRuleObject): Promise<void> {
    const resourceVersion = typeof current.metadata.resourceVersion === 'string' ? current.metadata.resourceVersion : undefined;
    try {
      await kubeCall(`delete PrometheusRule ${this.namespace}/${name}`, { timeoutMs: this.timeoutMs }, (options) =>
        this.api.deleteNamespacedCustomObject({ ...API, namespace: this.namespace, name, body: { preconditions: { resourceVersion } } }, options),
      );
    } catch (error) {
      if (error instanceof KubeApiStatusError && error.status === 404) return; // already gone
      throw error;
    }
  }

  private groupsOf<T>(object: PrometheusRuleObject, use: (groups: unknown) => T): T {
    try {
      return use(object.spec?.groups);
    } catch (error) {
      if (!(error instanceof RuleGroupsShapeError)) throw error;
      throw new KubeApiInvalidResponseError(`read PrometheusRule ${this.namespace}/${String(object.metadata.name)}`, `spec.${error.message}`);
    }
  }
}

interface Written {
  changed: boolean;
  /** The CR's labels after the write; null when there is no CR. */
  labels: Record<string, string> | null;
}

function stringLabels(object: PrometheusRuleObject): Record<string, string> {
  const labels = object.metadata.labels;
  return isRecord(labels) ? Object.fromEntries(Object.entries(labels).filter((entry): entry is [string, string] => typeof entry[1] === 'string')) : {};
}

function isPrometheusRuleObject(object: unknown): object is PrometheusRuleObject {
  return isRecord(object) && isRecord(object.metadata) && (object.spec === undefined || isRecord(object.spec));
}

/** A CR SMO created for this graph (so SMO may delete it). */
function isGraphObject(object: PrometheusRuleObject, graphId: string): boolean {
  const labels = object.metadata.labels;
  return isRecord(labels) && labels[MANAGED_BY_LABEL.key] === MANAGED_BY_LABEL.value && labels[GRAPH_LABEL] === graphId;
}

/** `<prefix><graph id>` must be a DNS-1123 subdomain for every graph id (a DNS label). */
function assertNamePrefix(prefix: string): void {
  if (!isDnsSubdomainPrefix(prefix)) {
    throw new RangeError(`the PrometheusRule name prefix ${JSON.stringify(prefix)} must begin a DNS-1123 subdomain with room for a graph id`);
  }
}
