import { FakePrometheus, errorReply, vectorReply } from '../../../test/fakes/prometheus/fake-prometheus';
import { energyFiguresFromSamples, readEnergyFigures } from './energy-figures';
import type { Sample } from './query-response';
import { PrometheusClient } from './prometheus-client';

describe('energy figures from SMO_ENERGY_QUERY', () => {
  it('keeps one finite non-negative figure per cluster label; others are left to the carbon-intensity label', () => {
    const samples: Sample[] = [
      { labels: { cluster: 'c1' }, value: 120.5 },
      { labels: { cluster: 'c1' }, value: 999 }, // a second series for c1: the first wins
      { labels: { cluster: 'c2' }, value: NaN },
      { labels: { cluster: 'c3' }, value: -1 },
      { labels: { cluster: 'c4' }, value: Infinity },
      { labels: { node: 'n1' }, value: 5 },
      { labels: { cluster: 'c5' }, value: 0 },
    ];
    expect(energyFiguresFromSamples(samples, 'cluster')).toEqual({ c1: 120.5, c5: 0 });
    expect(energyFiguresFromSamples(samples, 'node')).toEqual({ n1: 5 });
  });

  describe('against a loopback Prometheus', () => {
    const prometheus = new FakePrometheus();
    let client: PrometheusClient;
    beforeAll(async () => {
      client = new PrometheusClient({ baseUrl: await prometheus.start(), timeoutMs: 2_000 });
    });
    afterAll(async () => prometheus.stop());

    it('sends the configured query and reads the samples', async () => {
      prometheus.answer(() => vectorReply([{ labels: { karmada_cluster: 'edge-1' }, value: '42' }, { labels: { karmada_cluster: 'cloud-1' }, value: '310.25' }]));
      const query = 'sum by (karmada_cluster) (rate(kepler_container_joules_total[5m]))';
      expect(await readEnergyFigures(client, { query, clusterLabel: 'karmada_cluster' })).toEqual({ ok: true, figures: { 'edge-1': 42, 'cloud-1': 310.25 } });
      expect(prometheus.queries.at(-1)).toBe(query);
    });

    it('a failed query is a value naming the failure (the labels then apply)', async () => {
      prometheus.answer(() => errorReply(400, 'bad_data', 'parse error at char 3'));
      const outcome = await readEnergyFigures(client, { query: 'sum by (', clusterLabel: 'cluster' });
      expect(outcome).toEqual({ ok: false, error: expect.stringContaining('bad_data: parse error at char 3') });
    });
  });
});
