import { IndexedModel, columnName, rowName } from './indexed-model';

/** Writes an indexed model as CPLEX LP text (the format HiGHS parses). */
export function toCplexLp(model: IndexedModel): string {
  const lines: string[] = [model.minimize ? 'Minimize' : 'Maximize'];
  const objective = model.columns.flatMap((column, index) =>
    column.cost === 0 ? [] : [[index, column.cost] as const],
  );
  // An empty objective still needs one term for the parser (column 0 always exists, see indexModel).
  lines.push(` obj: ${objective.length > 0 ? linearExpression(objective) : `0 ${columnName(0)}`}`);
  lines.push('Subject To');
  model.rows.forEach((row, index) => {
    const expression = row.entries.length > 0 ? linearExpression(row.entries) : `0 ${columnName(0)}`;
    lines.push(` ${rowName(index)}: ${expression} ${row.sense} ${formatNumber(row.rhs)}`);
  });
  lines.push('Bounds');
  model.columns.forEach((column, index) => lines.push(` ${bound(columnName(index), column.lower, column.upper)}`));
  const integers = model.columns.flatMap((column, index) => (column.integer ? [columnName(index)] : []));
  if (integers.length > 0) lines.push('General', ...integers.map((name) => ` ${name}`));
  lines.push('End', '');
  return lines.join('\n');
}

function linearExpression(entries: readonly (readonly [number, number])[]): string {
  return entries
    .map(([column, coefficient], position) => {
      const sign = coefficient < 0 ? '-' : position === 0 ? '' : '+';
      return `${sign}${sign ? ' ' : ''}${formatNumber(Math.abs(coefficient))} ${columnName(column)}`;
    })
    .join(' ');
}

function bound(name: string, lower: number, upper: number): string {
  if (lower === -Infinity && upper === Infinity) return `${name} free`;
  if (upper === Infinity) return `${name} >= ${formatNumber(lower)}`;
  if (lower === -Infinity) return `-inf <= ${name} <= ${formatNumber(upper)}`;
  if (lower === upper) return `${name} = ${formatNumber(lower)}`;
  return `${formatNumber(lower)} <= ${name} <= ${formatNumber(upper)}`;
}

/** Round-trip precision; JavaScript's exponent form (1e-7, 1e+21) is valid LP syntax. */
function formatNumber(value: number): string {
  return String(value);
}
