import type { HelmOutcome } from './helm.port';

/** `history` could not be answered (helm failed for another reason than "not found"): no empty answer is safe. */
export class HelmQueryError extends Error {
  constructor(readonly outcome: Extract<HelmOutcome, { ok: false }>) {
    super(`helm ${outcome.args[0] ?? ''} failed: ${outcome.stderr.trim().slice(-500)}`);
    this.name = 'HelmQueryError';
  }
}
