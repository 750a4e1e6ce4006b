import type { HelmValues, NormalisedService } from './hdag-descriptor';

/**
 * The Helm values a placed service runs with: its values plus `clustersAffinity`
 * and `serviceImportClusters` — at the top level for HELM charts, under `voChartOverwrite` for WOT
 * virtual objects. Under static placement the values are used as they are.
 */
export function placementValues(service: NormalisedService, cluster: string | null, imports: readonly string[], clusters?: readonly string[]): HelmValues {
  if (cluster === null) return service.helmValues;
  // Every cluster the service runs on (highAvailability), so Karmada's policy duplicates it to each.
  const placementKeys = { clustersAffinity: clusters && clusters.length > 0 ? [...clusters] : [cluster], serviceImportClusters: [...imports] };
  if (service.artifact.implementer === 'WOT') {
    const chart = service.helmValues.voChartOverwrite;
    const base = chart && typeof chart === 'object' && !Array.isArray(chart) ? (chart as HelmValues) : {};
    return { ...service.helmValues, voChartOverwrite: { ...base, ...placementKeys } };
  }
  return { ...service.helmValues, ...placementKeys };
}

/** The Helm values of every service of a graph under a placement (`null`: static placement, values as given). */
export function placedValues(
  services: readonly NormalisedService[],
  placement: Readonly<Record<string, string>> | null,
  imports: Readonly<Record<string, readonly string[]>>,
  clusterSets: Readonly<Record<string, readonly string[]>> = {},
): Record<string, HelmValues> {
  return Object.fromEntries(services.map((service) => [service.id, placementValues(service, placement ? (placement[service.id] ?? null) : null, imports[service.id] ?? [], clusterSets[service.id])]));
}
