import type { HelmValues, NormalisedService } from './hdag-descriptor';

/** The values SMO sets from its placement; a descriptor sets them only under static placement. */
const PLACEMENT_KEYS = ['clustersAffinity', 'serviceImportClusters'] as const;

/**
 * The Helm values a placed service runs with: its values plus `clustersAffinity`
 * and `serviceImportClusters` — at the top level for HELM charts, under `voChartOverwrite` for WOT
 * virtual objects. Under static placement the values are used as they are.
 *
 * A placement key the descriptor writes in the other place (under `voChartOverwrite` of a HELM chart, at
 * the top level of a WOT one) gets SMO's value too: a chart that reads both (as the lab's does) would
 * otherwise run the service, or import its consumers' service, where the descriptor says, not where
 * SMO placed it. Where the descriptor writes none, nothing is added (upstream's values).
 */
export function placementValues(service: NormalisedService, cluster: string | null, imports: readonly string[], clusters?: readonly string[]): HelmValues {
  if (cluster === null) return service.helmValues;
  // Every cluster the service runs on (highAvailability), so Karmada's policy duplicates it to each.
  const placementKeys = { clustersAffinity: clusters && clusters.length > 0 ? [...clusters] : [cluster], serviceImportClusters: [...imports] };
  const chart = service.helmValues.voChartOverwrite;
  const chartValues = isObject(chart) ? chart : null;
  if (service.artifact.implementer === 'WOT') {
    return { ...service.helmValues, ...placedWhereGiven(service.helmValues, placementKeys), voChartOverwrite: { ...(chartValues ?? {}), ...placementKeys } };
  }
  return { ...service.helmValues, ...(chartValues ? { voChartOverwrite: { ...chartValues, ...placedWhereGiven(chartValues, placementKeys) } } : {}), ...placementKeys };
}

/** SMO's value of each placement key the values already have. */
function placedWhereGiven(values: HelmValues, placementKeys: Record<(typeof PLACEMENT_KEYS)[number], string[]>): HelmValues {
  return Object.fromEntries(PLACEMENT_KEYS.filter((key) => Object.hasOwn(values, key)).map((key) => [key, [...placementKeys[key]]]));
}

function isObject(value: unknown): value is HelmValues {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
