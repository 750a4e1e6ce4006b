/** Prometheus duration (prometheus/common model.ParseDuration): units in descending order, or a bare "0". */
export const PROMETHEUS_DURATION = /^(?:0|(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?)$/;

const UNIT_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1_000, 1].map(BigInt);
/** Go's time.Duration is int64 nanoseconds: ParseDuration refuses more as "duration out of range" (about 292 years). */
const MAX_NANOSECONDS = 2n ** 63n - 1n;

/** A duration Prometheus accepts: its grammar, and within time.Duration (a rules file with one over it does not load). */
export function isPrometheusDuration(value: string): boolean {
  const match = value === '' ? null : PROMETHEUS_DURATION.exec(value);
  if (match === null) return false;
  const nanoseconds = UNIT_MS.reduce((sum, unit, i) => sum + BigInt(match[i + 1] ?? '0') * unit * 1_000_000n, 0n);
  return nanoseconds <= MAX_NANOSECONDS;
}
