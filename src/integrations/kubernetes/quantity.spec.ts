import { formatMemory, parseQuantity, QuantityParseError } from './quantity';

const GI = 1024 ** 3;

describe('parseQuantity', () => {
  it.each([
    // the shapes Karmada's resourceSummary carries
    ['8', 8],
    ['1950m', 1.95],
    ['32617472Ki', 32617472 * 1024],
    ['1310Mi', 1310 * 1024 ** 2],
    ['95500736762', 95500736762],
    ['7.5Gi', 7.5 * GI],
    // decimal SI
    ['100n', 1e-7],
    ['5u', 5e-6],
    ['250m', 0.25],
    ['1k', 1e3],
    ['1M', 1e6],
    ['1G', 1e9],
    ['1T', 1e12],
    ['1P', 1e15],
    ['1E', 1e18], // exa, not an exponent
    // binary SI
    ['1Ki', 1024],
    ['1Mi', 1024 ** 2],
    ['2Gi', 2 * GI],
    ['1Ti', 1024 ** 4],
    ['1Pi', 1024 ** 5],
    ['1Ei', 1024 ** 6],
    ['0.5Gi', GI / 2],
    // exponents
    ['1e3', 1e3],
    ['2E6', 2e6],
    ['1e-3', 1e-3],
    ['1E+2', 100],
    ['1.5e2', 150],
    // signs and decimals
    ['-1', -1],
    ['+2', 2],
    ['-500m', -0.5],
    ['.5', 0.5],
    ['1.', 1],
    ['0.1', 0.1],
    ['0', 0],
    ['-0', 0],
    ['0.000', 0],
  ])('%s → %d', (text, expected) => {
    expect(parseQuantity(text)).toBe(expected);
  });

  it('passes finite numbers through (YAML `cpu: 4`)', () => {
    expect(parseQuantity(4)).toBe(4);
    expect(parseQuantity(0.5)).toBe(0.5);
  });

  it.each([
    '', ' 1', '1 ', '1 Gi', '1gi', '1KB', '1Kib', '1ki', 'abc', '--1', '+-1', '1.2.3', '0x10', 'NaN', 'Infinity',
    '1e', 'e3', '1e3.5', '1Ki3', '.', '+', 'm', 'Gi', '1mm', '1e400', '1,5', '1_000', '١',
  ])('refuses %p with a QuantityParseError', (text) => {
    expect(() => parseQuantity(text)).toThrow(QuantityParseError);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY])('refuses the number %p', (value) => {
    expect(() => parseQuantity(value)).toThrow(QuantityParseError);
  });

  it('names the input in the error', () => {
    expect(() => parseQuantity('12 cores')).toThrow('not a Kubernetes quantity: "12 cores"');
  });
});

describe('formatMemory (upstream format_memory)', () => {
  it.each([
    [0, '0 Bytes'],
    [0.5, '0 Bytes'],
    [-5, '0 Bytes'],
    [1, '1.00 Bytes'],
    [1023, '1023.00 Bytes'],
    [1024, '1.00 KiB'],
    [1536, '1.50 KiB'],
    [1536.5, '1.50 KiB'],
    [1048575, '1024.00 KiB'],
    [1024 ** 2, '1.00 MiB'],
    [47.5 * GI, '47.50 GiB'],
    [2 * 1024 ** 4, '2048.00 GiB'], // no TiB upstream
    // exact ties round to even as Python does (JavaScript's toFixed would give 1.13 / 1.38)
    [1.125 * GI, '1.12 GiB'],
    [1.375 * GI, '1.38 GiB'],
    [2.675 * GI, '2.67 GiB'],
  ])('%d → %s', (bytes, expected) => {
    expect(formatMemory(bytes)).toBe(expected);
  });
});
