/**
 * Keeps secrets out of what SMO keeps or shows of NFVCL's answers. NFVCL may echo a request (a
 * FastAPI validation error quotes its `input`, a topology read returns the VIMs' passwords and
 * kubeconfigs): values under secret-looking keys are replaced, and the known secrets (the
 * password just sent) are masked wherever they appear.
 */
import { SecretRedactor } from '../../shared/secret-redactor';

const SECRET_KEY = /pass(word)?|secret|token|credential|kubeconfig|private_key/i;
const REDACTED = '[redacted]';
const MAX_DEPTH = 32;

export function scrubSecrets(value: unknown, secrets: readonly string[] = []): unknown {
  const redactor = new SecretRedactor(secrets);
  const walk = (item: unknown, depth: number): unknown => {
    if (typeof item === 'string') return redactor.redact(item);
    if (item === null || typeof item !== 'object') return item;
    if (depth >= MAX_DEPTH) return REDACTED;
    if (Array.isArray(item)) return item.map((entry) => walk(entry, depth + 1));
    return Object.fromEntries(
      Object.entries(item as Record<string, unknown>).map(([key, entry]) => [key, SECRET_KEY.test(key) ? REDACTED : walk(entry, depth + 1)]),
    );
  };
  return walk(value, 0);
}

/** Masks the known secrets in a message. */
export function redactText(text: string, secrets: readonly string[]): string {
  return new SecretRedactor(secrets).redact(text);
}
