import { parameterProblem } from '../query-parameters';

/** A whole-number query parameter within [min, max]; undefined when absent; 400 naming the parameter otherwise. */
export function wholeNumberParam(value: string | undefined, field: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < min || number > max) throw parameterProblem(field, `must be a whole number from ${min} to ${max}`);
  return number;
}
