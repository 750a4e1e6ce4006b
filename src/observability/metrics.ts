import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ProcessingHost } from '../processing/processing-host';
import type { ReadStore } from '../readstore/read-store';
import { DomainMetrics } from './domain-metrics';

/** SMO's Prometheus metrics, in a registry of its own (several apps can live in one test process). */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Histogram<'method' | 'route' | 'status'>;
  /** Requests Node's HTTP parser refused before any route or hook (no method, route or duration to label them with). */
  readonly unparsedRequests: Counter<'status'>;
  readonly appendLatency: Histogram<'outcome'>;
  readonly appendedEvents: Counter;
  readonly domain: DomainMetrics;

  constructor(processing: () => ProcessingHost | undefined, readStore: () => ReadStore | undefined = () => undefined) {
    collectDefaultMetrics({ register: this.registry });
    this.domain = new DomainMetrics(this.registry, readStore);
    this.httpRequests = new Histogram({
      name: 'smo_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [this.registry],
    });
    this.unparsedRequests = new Counter({
      name: 'smo_http_unparsed_requests_total',
      help: "Requests refused by Node's HTTP parser (malformed, headers too large, too slow), by the status answered",
      labelNames: ['status'],
      registers: [this.registry],
    });
    this.appendLatency = new Histogram({
      name: 'smo_event_store_append_duration_seconds',
      help: 'Latency of event store appends',
      labelNames: ['outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      registers: [this.registry],
    });
    this.appendedEvents = new Counter({ name: 'smo_events_appended_total', help: 'Events appended by this instance', registers: [this.registry] });
    const lag = new Gauge({
      name: 'smo_processor_lag_events',
      help: 'Events in $all not yet processed, per projection or processor',
      labelNames: ['runner', 'kind'],
      registers: [this.registry],
      async collect() {
        const host = processing();
        if (!host) return;
        for (const runner of await host.report()) lag.set({ runner: runner.name, kind: runner.kind }, runner.lag);
      },
    });
    const parked = new Gauge({
      name: 'smo_processor_parked_events',
      help: 'Events parked after exhausting retries, per projection or processor',
      labelNames: ['runner', 'kind'],
      registers: [this.registry],
      async collect() {
        const host = processing();
        if (!host) return;
        for (const runner of await host.report()) parked.set({ runner: runner.name, kind: runner.kind }, runner.parkedEvents);
      },
    });
  }
}
