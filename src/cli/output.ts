import stringWidth from 'string-width';
import { Document, visit } from 'yaml';

/** kubectl's `-o`: an aligned table (the default), a wider table, or the raw answer as JSON or YAML. */
export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'wide', 'json', 'yaml'];

export interface OutputOptions {
  format: OutputFormat;
  headers: boolean;
}

/** Prints rows as an aligned text table; `headers: false` leaves the header line out (for scripts). */
export function table(rows: ReadonlyArray<Record<string, unknown>>, columns: readonly string[], headers = true): string {
  const cells = rows.map((row) => columns.map((column) => format(row[column])));
  const widths = columns.map((column, i) => Math.max(headers ? displayWidth(column) : 0, ...cells.map((line) => displayWidth(line[i]!))));
  const line = (values: readonly string[]) => values.map((value, i) => padToWidth(value, widths[i]!)).join('  ').trimEnd();
  return [...(headers ? [line(columns.map((c) => c.toUpperCase()))] : []), ...cells.map(line)].join('\n');
}

/**
 * The columns a text takes on a terminal: two for a CJK character or an emoji, none for a combining mark. `.length`
 * counts UTF-16 code units, so padding by it misaligns a table with such text in a name or a message.
 */
function displayWidth(text: string): number {
  return stringWidth(text);
}

/** The text followed by spaces up to `width` terminal columns (String.padEnd pads to a number of code units). */
export function padToWidth(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/** The raw answer in a machine-readable format, or null when the format is a table. */
export function machineReadable(data: unknown, output: OutputOptions): string | null {
  if (output.format === 'json') return JSON.stringify(data, null, 2);
  if (output.format === 'yaml') return yamlText(data).trimEnd();
  return null;
}

/**
 * A list printed in JSON or YAML one element at a time, byte for byte as machineReadable prints the whole array (null
 * for a table). An element is printed once the next one (or the end) says what follows it: a comma, or the end trimmed.
 * Each is written as in the whole array: JSON indented at its own line feeds only (a U+2028 in a string is no line
 * break), YAML not trimmed (a block scalar's kept blank lines are part of its value).
 */
export function machineReadableList(output: OutputOptions, print: (text: string) => void): { add(element: unknown): void; end(): void } | null {
  if (machineReadable(null, output) === null) return null;
  const json = output.format === 'json';
  let held: string | null = null;
  return {
    add: (element) => {
      if (held !== null) print(json ? `${held},` : held.replace(/\n$/, ''));
      else if (json) print('[');
      held = json ? `  ${JSON.stringify(element, null, 2).replaceAll('\n', '\n  ')}` : yamlText([element]);
    },
    end: () => print(held === null ? machineReadable([], output)! : json ? `${held}\n]` : held.trimEnd()),
  };
}

/** Rows as the chosen format: the table keeps `columns`, `wide` adds `wideColumns`; JSON and YAML print `data` as the server sent it. */
export function render(
  data: unknown,
  rows: ReadonlyArray<Record<string, unknown>>,
  columns: { table: readonly string[]; wide?: readonly string[] },
  output: OutputOptions,
): string {
  return machineReadable(data, output) ?? table(rows, output.format === 'wide' ? [...columns.table, ...(columns.wide ?? [])] : columns.table, output.headers);
}

/**
 * C0 controls but newline and tab, DEL, C1 controls: what a terminal may act on rather than show. And the Unicode
 * bidirectional formatting characters (ALM, LRM, RLM, LRE…RLO, LRI…PDI): a terminal shows them by reordering the text
 * around them, so a name or a message could read as something else than it is ("Trojan Source", CVE-2021-42574).
 */
const BIDI_CONTROLS = '\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';
const CONTROLS_BUT_LAYOUT = new RegExp(`[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f${BIDI_CONTROLS}]`, 'g');
/** The same, newline and tab included: for one line or one table cell. */
const CONTROLS = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f${BIDI_CONTROLS}]`, 'g');
/** The bidirectional formatting characters alone (not global: for `test`). */
const BIDI_CONTROL = new RegExp(`[${BIDI_CONTROLS}]`);

/**
 * Text from the server (a descriptor's keys in warnings, helm's stderr, problem details, events), made safe to print:
 * every C0 and C1 control character, DEL and bidirectional formatting character is shown as `\uXXXX`, so an escape
 * sequence (ESC [ 2 J, an OSC title, a C1 CSI) or a right-to-left override reaches the terminal as text. `layout: true`
 * keeps newlines and tabs (multi-line output); otherwise they are shown too (a cell or one line). `\uXXXX` is also how
 * JSON and YAML (double-quoted) write these characters, so a machine-readable document stays the same document:
 * JSON.stringify leaves DEL, C1 and bidi characters raw, and yaml leaves them raw inside double quotes (yamlText puts a
 * string with a bidi character there).
 */
export function printable(text: string, options: { layout?: boolean } = {}): string {
  return text.replace(options.layout ? CONTROLS_BUT_LAYOUT : CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * `data` as YAML, as yaml's stringify prints it but for a string (a value or a key) holding a bidirectional formatting
 * character: double-quoted. yaml prints such a string plain, where the `\uXXXX` printable() writes for it would be read
 * back as those six characters, not as the one it stands for.
 */
function yamlText(data: unknown): string {
  const document = new Document(data);
  visit(document, {
    Scalar: (_key, node) => {
      if (typeof node.value === 'string' && BIDI_CONTROL.test(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return document.toString();
}

function format(value: unknown): string {
  if (value === undefined || value === null) return '-';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(1);
  if (typeof value === 'object') return printable(JSON.stringify(value));
  return printable(String(value));
}
