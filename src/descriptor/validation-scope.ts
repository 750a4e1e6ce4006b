import { isRecord, JsonRecord, kindOf, member } from './json-value';
import { Findings } from './findings';
import { DocumentPath } from './problem';
import { StringRule } from './rules';
import { FLAG_STRINGS, FlagValue } from './types';

/** No list in a descriptor comes near this; it bounds the work a hostile document can cause. */
export const MAX_LIST_ENTRIES = 1000;

export type Presence = 'required' | 'optional';

/** The items of an array member, each with its own path. */
export interface Items {
  readonly path: DocumentPath;
  readonly entries: readonly { readonly value: unknown; readonly path: DocumentPath }[];
}

/**
 * One object of the document being validated. Each reader reports what is wrong with a member
 * (missing, wrong type, bad value) under the member's JSON pointer and returns the member only
 * when it is fine, so callers never stop at the first problem.
 */
export class Scope {
  constructor(
    readonly findings: Findings,
    readonly record: JsonRecord,
    readonly path: DocumentPath,
  ) {}

  /** A scope for an array item or other value that must be an object. */
  static of(findings: Findings, value: unknown, path: DocumentPath, what: string): Scope | undefined {
    if (isRecord(value)) return new Scope(findings, value, path);
    findings.fail(path, `${what} must be an object (got ${kindOf(value)})`);
    return undefined;
  }

  pathOf(key: string): DocumentPath {
    return [...this.path, key];
  }

  value(key: string): unknown {
    return member(this.record, key);
  }

  has(key: string): boolean {
    return this.value(key) !== undefined;
  }

  object(key: string, presence: Presence, missingHint = ''): Scope | undefined {
    const value = this.present(key, presence, missingHint);
    return value === undefined ? undefined : Scope.of(this.findings, value, this.pathOf(key), `"${key}"`);
  }

  array(key: string, presence: Presence, options: { nonEmpty?: boolean } = {}): Items | undefined {
    const value = this.present(key, presence);
    if (value === undefined) return undefined;
    const path = this.pathOf(key);
    if (!Array.isArray(value)) return this.reject(key, `must be a list (got ${kindOf(value)})`);
    if (options.nonEmpty && value.length === 0) return this.reject(key, 'must list at least one entry');
    if (value.length > MAX_LIST_ENTRIES) return this.reject(key, `must list at most ${MAX_LIST_ENTRIES} entries (got ${value.length})`);
    return { path, entries: value.map((item: unknown, index) => ({ value: item, path: [...path, index] })) };
  }

  string(key: string, presence: Presence, rule?: StringRule): string | undefined {
    const value = this.present(key, presence);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') return this.reject(key, `must be a string (got ${kindOf(value)})`);
    const reason = rule?.(value);
    return reason === undefined ? value : this.reject(key, `${reason} (got ${quoted(value)})`);
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], presence: Presence): T | undefined {
    const value = this.present(key, presence);
    if (value === undefined) return undefined;
    const found = allowed.find((candidate) => candidate === value);
    const shown = typeof value === 'string' ? quoted(value) : kindOf(value);
    return found ?? this.reject(key, `must be one of ${allowed.join(', ')} (got ${shown})`);
  }

  boolean(key: string, presence: Presence): boolean | undefined {
    const value = this.present(key, presence);
    if (value === undefined || typeof value === 'boolean') return value;
    return this.reject(key, `must be true or false (got ${kindOf(value)})`);
  }

  /** A boolean, or one of the strings "True"/"False"/"true"/"false" that Python-minded tools write. */
  flag(key: string, presence: Presence): FlagValue | undefined {
    const value = this.present(key, presence);
    if (value === undefined || typeof value === 'boolean') return value;
    const found = FLAG_STRINGS.find((candidate) => candidate === value);
    return found ?? this.reject(key, `must be true or false, or the string "True" or "False" (got ${kindOf(value)})`);
  }

  /** A member checked by a rule that says why a value is refused (the rules the readers of descriptor extensions share). */
  checked(key: string, presence: Presence, rule: (value: unknown) => string | undefined): unknown {
    const value = this.present(key, presence);
    if (value === undefined) return undefined;
    const reason = rule(value);
    return reason === undefined ? value : this.reject(key, reason);
  }

  /** Unknown fields are kept (forward compatibility) but reported, so typos and misplaced fields show. */
  warnUnknownFields(known: readonly string[]): void {
    for (const key of Object.keys(this.record)) {
      if (!known.includes(key)) {
        this.findings.warn(this.pathOf(key), `"${key}" is not a field of information model 0.4.0 here; it is kept but ignored`);
      }
    }
  }

  private present(key: string, presence: Presence, missingHint = ''): unknown {
    const value = this.value(key);
    if (value === undefined && presence === 'required') this.findings.fail(this.pathOf(key), `"${key}" is required${missingHint}`);
    return value;
  }

  private reject(key: string, reason: string): undefined {
    this.findings.fail(this.pathOf(key), `"${key}" ${reason}`);
    return undefined;
  }
}

function quoted(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}
