import type { PrometheusClient, Sample } from './prometheus-client';

/**
 * The energyEfficiency intent's per-cluster figure from a configured PromQL query (SMO_ENERGY_QUERY), e.g. Kepler's
 * power metrics summed per cluster: one sample per cluster, named by the `clusterLabel` label. A failed query, or a
 * cluster without a usable sample, leaves the carbon-intensity label as the figure (src/optimizer/README.md "Intents").
 */

export interface EnergyQuery {
  readonly query: string;
  /** The label naming the cluster in each sample (default `cluster`). */
  readonly clusterLabel: string;
}

export type EnergyFiguresOutcome = { readonly ok: true; readonly figures: Record<string, number> } | { readonly ok: false; readonly error: string };

/** Samples → figure by cluster name: finite, non-negative values only; a cluster named twice keeps its first sample. */
export function energyFiguresFromSamples(samples: readonly Sample[], clusterLabel: string): Record<string, number> {
  const figures: Record<string, number> = {};
  for (const sample of samples) {
    const name = sample.labels[clusterLabel];
    if (name === undefined || name === '' || Object.hasOwn(figures, name)) continue;
    if (Number.isFinite(sample.value) && sample.value >= 0) figures[name] = sample.value;
  }
  return figures;
}

export async function readEnergyFigures(client: Pick<PrometheusClient, 'instantQuery'>, energy: EnergyQuery): Promise<EnergyFiguresOutcome> {
  const outcome = await client.instantQuery(energy.query);
  if (!outcome.ok) return { ok: false, error: `energy query failed (${outcome.kind}): ${outcome.error}` };
  return { ok: true, figures: energyFiguresFromSamples(outcome.samples, energy.clusterLabel) };
}
