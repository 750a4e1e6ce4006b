import { serviceBaseUrl } from '../../shared/base-url';

/** Validates PROMETHEUS_HOST (see serviceBaseUrl). */
export function prometheusBaseUrl(raw: string): string {
  return serviceBaseUrl(raw, 'Prometheus');
}

export function assertPositiveTimeout(timeoutMs: number, what: string): void {
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`${what} must be a positive number of milliseconds`);
}
