/**
 * Kubernetes resource quantities (`1950m`, `32617472Ki`, `7.5Gi`, `1e3`, `1E`) as plain numbers:
 * cores for CPU, bytes for memory, a count for GPUs. Grammar from apimachinery `resource.Quantity`:
 *   quantity ::= [+-] number ( binarySI | decimalSI | ("e"|"E") [+-] digits )
 *   number   ::= digits | digits "." digits? | "." digits
 * A lone `E` is the exa suffix; `E` followed by digits is an exponent.
 */

export class QuantityParseError extends Error {
  constructor(readonly input: unknown) {
    super(`not a Kubernetes quantity: ${JSON.stringify(input)}`);
    this.name = 'QuantityParseError';
  }
}

const BINARY_POWERS: Record<string, number> = { Ki: 1, Mi: 2, Ti: 4, Gi: 3, Pi: 5, Ei: 6 };
const DECIMAL_EXPONENTS: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;

/** Parses a quantity string (or passes a finite number through, as YAML may give `cpu: 4`). */
export function parseQuantity(input: string | number): number {
  if (typeof input === 'number') {
    if (Number.isFinite(input)) return input;
    throw new QuantityParseError(input);
  }
  const match = typeof input === 'string' ? QUANTITY.exec(input) : null;
  if (match === null) throw new QuantityParseError(input);
  const [, sign = '', digits = '', exponent, suffix = ''] = match;

  let value: number;
  const binaryPower = BINARY_POWERS[suffix];
  if (binaryPower !== undefined) {
    value = Number(`${sign}${digits}`) * 1024 ** binaryPower;
  } else {
    // Let Number() apply the power of ten so that `1950m` is exactly 1.95, not 1950 * 0.001.
    const power = exponent !== undefined ? Number(exponent) : (DECIMAL_EXPONENTS[suffix] ?? 0);
    value = Number(`${sign}${digits}e${power}`);
  }
  if (!Number.isFinite(value)) throw new QuantityParseError(input);
  return value === 0 ? 0 : value; // no -0
}

const MEMORY_UNITS: ReadonlyArray<readonly [string, number]> = [
  ['GiB', 1024 ** 3],
  ['MiB', 1024 ** 2],
  ['KiB', 1024],
  ['Bytes', 1],
];

/**
 * Upstream `format_memory`: the first of GiB, MiB, KiB, Bytes whose value is ≥ 1, as `f"{v:.2f} {unit}"`;
 * below one byte (0 included) it is "0 Bytes". Python rounds exact ties to even ("1.12" for 1.125 GiB),
 * JavaScript's toFixed rounds them up, so integer byte counts are rounded here with exact arithmetic.
 */
export function formatMemory(bytes: number): string {
  for (const [unit, size] of MEMORY_UNITS) {
    if (bytes / size >= 1) return `${twoDecimals(bytes, size)} ${unit}`;
  }
  return '0 Bytes';
}

function twoDecimals(bytes: number, size: number): string {
  if (!Number.isSafeInteger(bytes)) return (bytes / size).toFixed(2);
  const numerator = BigInt(bytes) * 100n;
  const denominator = BigInt(size);
  let hundredths = numerator / denominator;
  const twiceRemainder = (numerator % denominator) * 2n;
  if (twiceRemainder > denominator || (twiceRemainder === denominator && hundredths % 2n === 1n)) hundredths += 1n;
  const whole = hundredths / 100n;
  const fraction = (hundredths % 100n).toString().padStart(2, '0');
  return `${whole}.${fraction}`;
}
