import type { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
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

  async upsertRules(graphId: string, rules: readonly AlertRule[]): Promise<RulesWriteResult> {
    assertValidAlertRules(rules);
    return this.edit(graphId, (groups) => upsertRulesInGroups(groups, this.group, rules));
  }

  async removeRules(graphId: string, names: readonly string[]): Promise<RulesWriteResult> {
    return this.edit(graphId, (groups) => removeRulesFromGroups(groups, this.group, names));
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

  private async edit(graphId: string, change: (groups: unknown) => GroupsEdit): Promise<RulesWriteResult> {
    const name = this.ruleObjectName(graphId);
    await this.moveSharedRulesOnce();
    const changed = await this.writeRetryingConflicts(name, graphId, change);
    if (this.prometheusUrl === null) return { changed, reloaded: false };
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

  private async writeRetryingConflicts(name: string, graphId: string | null, change: (groups: unknown) => GroupsEdit): Promise<boolean> {
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
   * true when something was written. A graph's CR that SMO created and that holds no rule any more
   * is deleted; `graphId` null (the shared CR) is only ever edited.
   */
  private async writeOnce(name: string, graphId: string | null, change: (groups: unknown) => GroupsEdit): Promise<boolean> {
    const current = await this.read(name);
    if (current === null) {
      const edit = change([]);
      if (edit.changed && graphId !== null) await this.create(name, graphId, edit.groups);
      return edit.changed && graphId !== null;
    }
    const edit = this.groupsOf(current, change);
    if (!edit.changed) return false;
    // resourceVersion comes along from the read: the server refuses the write with 409 if it moved on.
    if (graphId !== null && isGraphObject(current, graphId) && holdsNoRules(edit.groups)) await this.delete(name, current);
    else await this.replace(name, { ...current, spec: { ...current.spec, groups: edit.groups } });
    return true;
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

  private async create(name: string, graphId: string, groups: unknown[]): Promise<void> {
    const labels = { ...this.options.labels, [MANAGED_BY_LABEL.key]: MANAGED_BY_LABEL.value, [GRAPH_LABEL]: graphId };
    const body = { apiVersion: `${API.group}/${API.version}`, kind: 'PrometheusRule', metadata: { name, namespace: this.namespace, labels }, spec: { groups } };
    await kubeCall(`create PrometheusRule ${this.namespace}/${name}`, { timeoutMs: this.timeoutMs }, (options) =>
      this.api.createNamespacedCustomObject({ ...API, namespace: this.namespace, body }, options),
    );
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
