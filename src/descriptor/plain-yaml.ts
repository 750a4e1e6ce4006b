import { EVENT_ID, getScalarValue, parseEvents, SCALAR_STYLE, type Event } from 'js-yaml';
import { isScalar, Schema, type ScalarTag } from 'yaml';
import type { IntakeLimits } from './limits';

/**
 * The fast path of parseYamlText (safe-yaml.ts) for the YAML almost every descriptor is: one document of
 * mappings, sequences and scalars, without anchors, aliases, tags or directives. yaml's parser, which the
 * careful path needs for its guard and its messages, costs about 2 ms for a 3 KB descriptor: a quarter of a
 * deploy's time on the event loop (bench:api). js-yaml's event parser reads the same text in a tenth of that.
 *
 * The answer is the careful path's, or none: `undefined` sends the text to the careful path, which then
 * decides and words any refusal. It is declined for anything the careful path treats specially (anchors,
 * aliases, tags, directives, a second document, a key that is not a scalar, a duplicate key, `__proto__`)
 * and for any text js-yaml refuses. Plain scalars resolve through yaml's own YAML 1.2 core tags, so `yes`
 * stays a string and `0x1F` is 31 as before; keys stay the text they are written as (stringKeys). A
 * differential test (plain-yaml.spec.ts) holds the two paths to the same values.
 */
export function plainYamlValue(text: string, limits: Pick<IntakeLimits, 'maxDepth' | 'maxYamlTokens'>): { value: unknown } | undefined {
  if (LENIENT_SPOTS.test(text)) return undefined;
  // Each character is in one lexer token, after at most one marker: short text cannot reach the budget. Longer
  // text is counted, first without its scalars: text over the budget already is declined before it is parsed.
  const counted = 2 * text.length + 2 > limits.maxYamlTokens ? structureTokensAtMost(text) : 0;
  if (counted > limits.maxYamlTokens) return undefined;
  let events: Event[];
  try {
    events = parseEvents(text, { maxDepth: limits.maxDepth });
  } catch {
    return undefined;
  }
  const first = events[0];
  if (first?.type !== EVENT_ID.DOCUMENT || first.directives.length > 0) return undefined;
  if (counted > 0 && counted + scalarTokensAtMost(events) > limits.maxYamlTokens) return undefined;
  const reader = new EventReader(text, events);
  const value = reader.node();
  // One document, closed: anything after it (a second document) is the careful path's to refuse.
  return value !== DECLINED && reader.closesLast() ? { value } : undefined;
}

const DECLINED = Symbol('declined');

/** Below yaml's bound on an implicit key (the `:` at most 1024 characters after the key's start), with room for quotes. */
const LONGEST_IMPLICIT_KEY = 1000;

/**
 * At least as many tokens as yaml's lexer makes of text the fast path takes, so the fast path never accepts
 * what the careful path refuses with 413 (IntakeLimits.maxYamlTokens). The lexer makes: a marker for the
 * document; a marker and a body for each plain or block scalar (a quoted one is a single token); one token
 * for each indicator, block scalar header, comment, run of spaces and line break. Counting every such
 * character of the text, in scalars too, can only count more.
 */
export function yamlTokensAtMost(text: string, events: readonly Event[]): number {
  return structureTokensAtMost(text) + scalarTokensAtMost(events);
}

/** The document's marker, and every indicator, header, comment, space run and line break the text could hold. */
function structureTokensAtMost(text: string): number {
  let count = 2;
  let previous = 0;
  // A loop over character codes: a regular expression's matches cost ten times as much on a megabyte of them.
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code === SPACE ? previous !== SPACE : STRUCTURE.has(code)) count++;
    previous = code;
  }
  return count;
}

const SPACE = 0x20;
const STRUCTURE = new Set([...'-:?,[]{}|>#\n'].map((character) => character.charCodeAt(0)));

/** A marker and a body for each scalar. */
function scalarTokensAtMost(events: readonly Event[]): number {
  let scalars = 0;
  for (const event of events) if (event.type === EVENT_ID.SCALAR) scalars++;
  return 2 * scalars;
}

/**
 * Where js-yaml reads text otherwise than yaml (found by plain-yaml.spec's differential test), so such text takes
 * the careful path: tabs (yaml refuses them in indentation); carriage returns (a lone one is content to yaml, a
 * line break to js-yaml; CRLF text goes the careful way too); a byte-order mark past the start (yaml drops it,
 * js-yaml keeps it); a block scalar's explicit indentation (`|2`, `>-1`); document markers other than a first `---`.
 */
const LENIENT_SPOTS = /[\t\r\uFEFF]|[|>][+-]?[0-9]|^\.\.\.|\n(?:\.\.\.|---)/;

/**
 * Whether a plain scalar at `start` begins as YAML 1.2 allows: not with an indicator, and with `-`, `?` or
 * `:` only before a character that cannot end it. js-yaml takes `]x` or `, a` as plain scalars, yaml refuses them.
 */
function startsLikePlainScalar(text: string, start: number, end: number): boolean {
  if (start === end) return true; // an empty value: null, as in yaml
  const first = text[start]!;
  if (',[]{}#&*!|>\'"%@`'.includes(first)) return false;
  if ('-?:'.includes(first)) {
    const second = text[start + 1];
    return second !== undefined && !' \n\r,[]{}'.includes(second);
  }
  return true;
}

/** Builds the value from the events of one document, declining (DECLINED) at the first event it does not take. */
class EventReader {
  private next = 1;

  constructor(
    private readonly text: string,
    private readonly events: Event[],
  ) {}

  node(): unknown {
    const event = this.events[this.next++];
    if (event === undefined || event.type === EVENT_ID.DOCUMENT || event.type === EVENT_ID.POP || event.type === EVENT_ID.ALIAS) return DECLINED;
    if (event.anchorStart !== -1 || event.tagStart !== -1) return DECLINED;
    if (event.type === EVENT_ID.SCALAR) {
      if (event.style !== SCALAR_STYLE.PLAIN) return getScalarValue(this.text, event);
      return startsLikePlainScalar(this.text, event.valueStart, event.valueEnd) ? resolvePlainScalar(getScalarValue(this.text, event)) : DECLINED;
    }
    return event.type === EVENT_ID.SEQUENCE ? this.sequence() : this.mapping();
  }

  /** The end of the document: its POP is the last event. */
  closesLast(): boolean {
    return this.events[this.next]?.type === EVENT_ID.POP && this.next === this.events.length - 1;
  }

  /** Where the key's `:` is when it follows on the key's line (past a closing quote and spaces), else where that scan stopped. */
  private colonAfter(key: Extract<Event, { type: typeof EVENT_ID.SCALAR }>): number {
    let at = key.valueEnd + (key.style === SCALAR_STYLE.PLAIN ? 0 : 1);
    while (this.text[at] === ' ') at++;
    return at;
  }

  private sequence(): unknown[] | typeof DECLINED {
    const items: unknown[] = [];
    while (this.events[this.next]?.type !== EVENT_ID.POP) {
      const item = this.node();
      if (item === DECLINED) return DECLINED;
      items.push(item);
    }
    this.next++;
    return items;
  }

  private mapping(): Record<string, unknown> | typeof DECLINED {
    const map: Record<string, unknown> = {};
    while (this.events[this.next]?.type !== EVENT_ID.POP) {
      const key = this.events[this.next++];
      if (key?.type !== EVENT_ID.SCALAR || key.anchorStart !== -1 || key.tagStart !== -1) return DECLINED;
      // An empty key (`: value`) yaml refuses in places js-yaml takes it.
      if (key.style === SCALAR_STYLE.PLAIN && (key.valueStart === key.valueEnd || !startsLikePlainScalar(this.text, key.valueStart, key.valueEnd))) return DECLINED;
      // yaml refuses an implicit key whose `:` is more than 1024 characters after its start; js-yaml takes it.
      if (this.colonAfter(key) - key.valueStart > LONGEST_IMPLICIT_KEY) return DECLINED;
      const name = getScalarValue(this.text, key);
      // A duplicate is refused with its line by the careful path; yaml stores __proto__ as an own property.
      if (Object.hasOwn(map, name) || name === '__proto__') return DECLINED;
      const value = this.node();
      if (value === DECLINED) return DECLINED;
      map[name] = value;
    }
    this.next++;
    return map;
  }
}

/** yaml's YAML 1.2 core tags that resolve plain scalars (null, bool, int, float), in the order yaml tries them. */
const CORE_SCALAR_TAGS = new Schema({ schema: 'core' }).tags.filter(
  (tag): tag is ScalarTag & { test: RegExp } => tag.default === true && 'test' in tag && tag.test instanceof RegExp,
);
const RESOLVE_OPTIONS = { intAsBigInt: false } as Parameters<NonNullable<ScalarTag['resolve']>>[2];

/** A plain scalar's value as yaml's core schema reads it: the first core tag whose pattern matches, else the string. */
function resolvePlainScalar(text: string): unknown {
  const tag = CORE_SCALAR_TAGS.find((candidate) => candidate.test.test(text));
  if (!tag) return text;
  const resolved = tag.resolve(text, () => undefined, RESOLVE_OPTIONS);
  return isScalar(resolved) ? resolved.value : resolved;
}
