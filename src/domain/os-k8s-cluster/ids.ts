import { createHash } from 'node:crypto';

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * Upstream's cluster id, `OS_K8S_<pop_area>_<5 ASCII letters>`. The letters come from a seed (the
 * command id), so a retried request (same Idempotency-Key) finds the cluster it created; without a
 * key the command id is a random UUID, so the letters are random.
 */
export function osK8sClusterId(popArea: number, seed: string): string {
  const bytes = createHash('sha256').update(seed).digest();
  const letters = Array.from(bytes.subarray(0, 5), (byte) => LETTERS[byte % LETTERS.length]).join('');
  return `OS_K8S_${popArea}_${letters}`;
}

export const OS_K8S_CLUSTER_ID = /^OS_K8S_\d+_[A-Za-z]{5}$/;
