import type * as KubernetesClient from '@kubernetes/client-node';

let loaded: typeof KubernetesClient | undefined;

/**
 * @kubernetes/client-node, loaded on first use: its generated API modules keep ~25 MB of source and
 * code in the heap, which an SMO on simulated clusters (no KARMADA_KUBECONFIG) never needs.
 * A CommonJS require (require(esm) on Node 24), not import(): it resolves the same way from dist/,
 * under ts-jest and under scripts/register-ts.cjs.
 */
export function kubernetesClient(): typeof KubernetesClient {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand, see above
  return (loaded ??= require('@kubernetes/client-node') as typeof KubernetesClient);
}
