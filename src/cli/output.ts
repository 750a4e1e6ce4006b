import { stringify } from 'yaml';

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
  const widths = columns.map((column, i) => Math.max(headers ? column.length : 0, ...cells.map((line) => line[i]!.length)));
  const line = (values: readonly string[]) => values.map((value, i) => value.padEnd(widths[i]!)).join('  ').trimEnd();
  return [...(headers ? [line(columns.map((c) => c.toUpperCase()))] : []), ...cells.map(line)].join('\n');
}

/** The raw answer in a machine-readable format, or null when the format is a table. */
export function machineReadable(data: unknown, output: OutputOptions): string | null {
  if (output.format === 'json') return JSON.stringify(data, null, 2);
  if (output.format === 'yaml') return stringify(data).trimEnd();
  return null;
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

function format(value: unknown): string {
  if (value === undefined || value === null) return '-';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(1);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
