import { readFile, rm } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { Mutex } from '../../shared/mutex';
import { assertValidAlertRules } from './alert-rule-validation';
import type { AlertRule, AlertRulesPort, RulesWriteResult } from './alert-rules.port';
import { writeFileAtomically } from '../../shared/atomic-file';
import { assertPositiveTimeout, prometheusBaseUrl } from './prometheus-base-url';
import { reloadPrometheus, reloadRefused, withoutStatus, type ReloadResult } from './prometheus-reload';
import { alertRulesInGroups, removeRulesFromGroups, RuleGroupsShapeError, upsertRulesInGroups, type GroupsEdit } from './rule-groups';

export interface FileRulesOptions {
  /** The rules file named in Prometheus' `rule_files`; created when missing. */
  path: string;
  group?: string;
  /** When set, `POST /-/reload` follows each write. */
  prometheusUrl?: string;
  reloadTimeoutMs?: number;
}

/** A rules file that cannot be used: not YAML, or not `groups: [{name, rules: [...]}]`. */
export class RulesFileError extends Error {
  constructor(path: string, problem: string, options?: { cause?: unknown }) {
    super(`rules file ${path}: ${problem}`, options);
    this.name = 'RulesFileError';
  }
}

/**
 * SMO's alert rules in a plain Prometheus rules file, for Prometheus without
 * the operator and for tests against a real Prometheus: every graph's rules in one group (a file has
 * no object size limit). Other groups in the file are kept; YAML comments are not. Writes are serialised within this process only: one writer per file.
 *
 * The file is written as JSON, which is YAML, so Prometheus and promtool read it as any rules file
 * (a file written by hand in YAML is read as such, and is JSON after SMO's first change). Every change
 * reads and writes the whole file: with 10,000 rules, parsing and writing YAML took about 2 s of the
 * event loop per change, JSON about 30 ms.
 */
export class FileRulesAdapter implements AlertRulesPort {
  readonly mode = 'rules-file' as const;
  private readonly path: string;
  private readonly group: string;
  private readonly prometheusUrl: string | null;
  private readonly reloadTimeoutMs: number;
  private readonly writes = new Mutex();

  constructor(options: FileRulesOptions) {
    this.path = options.path;
    this.group = options.group ?? 'smo-alerts';
    this.prometheusUrl = options.prometheusUrl === undefined ? null : prometheusBaseUrl(options.prometheusUrl);
    this.reloadTimeoutMs = options.reloadTimeoutMs ?? 5_000;
    assertPositiveTimeout(this.reloadTimeoutMs, 'reloadTimeoutMs');
  }

  async upsertRules(_graphId: string, rules: readonly AlertRule[]): Promise<RulesWriteResult> {
    assertValidAlertRules(rules);
    return this.edit((groups) => upsertRulesInGroups(groups, this.group, rules));
  }

  async removeRules(_graphId: string, names: readonly string[], options: { submission?: number } = {}): Promise<RulesWriteResult> {
    return this.edit((groups) => removeRulesFromGroups(groups, this.group, names, options.submission));
  }

  async listRules(): Promise<AlertRule[]> {
    const document = await this.read();
    return this.shaped(() => alertRulesInGroups(document.groups, this.group));
  }

  /**
   * Writes the change and has Prometheus reload, under the lock: a reload Prometheus refuses because
   * of this change (one graph's rule Prometheus cannot load) puts the file back as it was, so the
   * other graphs' rules keep loading, now and after a Prometheus restart. When the file as it was is
   * refused too, the fault is not this change's: the change stays, reported as a failed reload. A file that would be
   * written as it is on disk is neither written nor reloaded (each reload has Prometheus read every rule again).
   */
  private async edit(change: (groups: unknown) => GroupsEdit): Promise<RulesWriteResult> {
    return this.writes.run(async () => {
      const { text, document } = await this.readText();
      const edit = this.shaped(() => change(document.groups));
      const changedText = `${JSON.stringify({ ...document, groups: edit.groups }, null, 2)}\n`;
      if (!edit.changed || changedText === text) return { changed: false, reloaded: false };
      await writeFileAtomically(this.path, changedText);
      if (this.prometheusUrl === null) return { changed: true, reloaded: false };
      const reload = await this.reload();
      if (!reloadRefused(reload)) return { changed: true, ...withoutStatus(reload) };

      await this.restore(text);
      const before = await this.reload();
      if (before.reloaded) return { changed: false, reloaded: false, error: reload.error, refused: true };
      await writeFileAtomically(this.path, changedText);
      return { changed: true, ...withoutStatus(reload) };
    });
  }

  private reload(): Promise<ReloadResult> {
    return reloadPrometheus(this.prometheusUrl as string, this.reloadTimeoutMs);
  }

  /** The file as it was before a change: its text, or no file. */
  private async restore(text: string | null): Promise<void> {
    if (text === null) await rm(this.path, { force: true });
    else await writeFileAtomically(this.path, text);
  }

  private async read(): Promise<Record<string, unknown>> {
    return (await this.readText()).document;
  }

  private async readText(): Promise<{ text: string | null; document: Record<string, unknown> }> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { text: null, document: { groups: [] } };
      throw error;
    }
    let document: unknown;
    try {
      document = parseRulesText(text);
    } catch (error) {
      throw new RulesFileError(this.path, `not valid YAML: ${(error as Error).message}`, { cause: error });
    }
    if (document === null || document === undefined) return { text, document: { groups: [] } }; // an empty file
    if (typeof document !== 'object' || Array.isArray(document)) throw new RulesFileError(this.path, 'not a YAML mapping');
    return { text, document: document as Record<string, unknown> };
  }

  private shaped<T>(use: () => T): T {
    try {
      return use();
    } catch (error) {
      if (error instanceof RuleGroupsShapeError) throw new RulesFileError(this.path, error.message);
      throw error;
    }
  }
}

/** The file as SMO writes it (JSON), else as YAML (a file written by hand). */
function parseRulesText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return parseYaml(text) as unknown;
  }
}
