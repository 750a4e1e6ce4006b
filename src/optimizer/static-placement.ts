import { Placement } from './model';

/**
 * Static placement (§5.4, `hdaGraphIntent.useStaticPlacement`): nothing is computed; the charts' own
 * clustersAffinity / serviceImportClusters defaults apply.
 */

export interface StaticPlacementDecision {
  readonly algorithm: 'static';
  /** Always empty (upstream `service_placement = {}`). */
  readonly placement: Placement;
  /** Every service's cluster affinity is null. */
  readonly clusterAffinity: Readonly<Record<string, null>>;
  /** graph.placement stays unset, so a later MILP re-placement has no current placement to start from. */
  readonly storedPlacement: null;
  /** valuesOverwrite goes to Helm unchanged: no clustersAffinity or serviceImportClusters injected. */
  readonly injectValues: false;
}

/**
 * Reads `hdaGraphIntent.useStaticPlacement`. Accepts `true` and the string "True"/"true" (the B7 lesson);
 * a missing flag means false (Abilian's `.get(..., False)`), not upstream's KeyError → 500.
 */
export function isStaticPlacementRequested(hdaGraphIntent: unknown): boolean {
  if (typeof hdaGraphIntent !== 'object' || hdaGraphIntent === null) return false;
  const flag: unknown = (hdaGraphIntent as { useStaticPlacement?: unknown }).useStaticPlacement;
  return flag === true || (typeof flag === 'string' && flag.toLowerCase() === 'true');
}

export function staticPlacement(serviceIds: readonly string[]): StaticPlacementDecision {
  return {
    algorithm: 'static',
    placement: {},
    clusterAffinity: Object.fromEntries(serviceIds.map((id) => [id, null])),
    storedPlacement: null,
    injectValues: false,
  };
}
