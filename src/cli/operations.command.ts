import { parse } from 'yaml';
import { CliError, refusal } from './client';
import { readInputFile, type CommandContext } from './graphs.command';
import { machineReadable, render, table } from './output';

interface Health {
  status: string;
  uptimeSeconds: number;
  stores: Record<string, { status: string; adapter: string; error?: string }>;
  processing: Array<{ name: string; kind: string; state: string; processedPosition: number; lag: number; parkedEvents: number }>;
  clusterSync: { consecutiveFailures: number; lastError?: string | null; lastSuccessAt?: string | null };
  scaling: { consecutiveFailures: number; lastError?: string | null } | null;
  integrations: Array<{ name: string; mode: string; detail?: string }>;
}

/**
 * `smo health`: overall status, then stores, processors (lag, parked events) and integrations. A 503 (a store
 * down) is still shown, and exits 1: a script or a probe running `smo health` tells an unhealthy SMO by its code.
 */
export async function healthCommand(ctx: CommandContext): Promise<void> {
  const response = await fetch(ctx.client.url('/health'), { headers: ctx.client.headers() }).catch((error: unknown) => {
    throw ctx.client.unreachable(error);
  });
  if (response.status !== 200 && response.status !== 503) throw refusal('GET', '/health', response, await response.text());
  const health = (await response.json()) as Health;
  const unhealthy = response.status === 503 ? new CliError(`SMO is ${health.status} (503): a store it needs does not answer`) : null;
  const raw = machineReadable(health, ctx.output);
  if (raw !== null) {
    ctx.print(raw);
    if (unhealthy) throw unhealthy;
    return;
  }
  const h = ctx.output.headers;
  ctx.print(`status: ${health.status} (up ${health.uptimeSeconds}s)`);
  ctx.print(`\nstores\n${table(Object.entries(health.stores).map(([store, check]) => ({ store, ...check })), ['store', 'adapter', 'status', 'error'], h)}`);
  const failing = (failures: number, error?: string | null) => (failures > 0 ? `${failures} failure(s): ${error ?? ''}` : 'ok');
  ctx.print(`\ncluster sync: ${failing(health.clusterSync.consecutiveFailures, health.clusterSync.lastError)}`);
  if (health.scaling) ctx.print(`scaling: ${failing(health.scaling.consecutiveFailures, health.scaling.lastError)}`);
  const processors = ctx.output.format === 'wide' ? health.processing : health.processing.filter((p) => p.state !== 'running' || p.lag > 0 || p.parkedEvents > 0);
  ctx.print(`\nprocessors${ctx.output.format === 'wide' ? '' : ` (${health.processing.length - processors.length} caught up and running not shown; -o wide shows all)`}`);
  if (processors.length > 0) ctx.print(table(processors, ['name', 'kind', 'state', 'processedPosition', 'lag', 'parkedEvents'], h));
  ctx.print(`\nintegrations\n${table(health.integrations, ['name', 'mode', 'detail'], h)}`);
  if (unhealthy) throw unhealthy;
}

export const ANALYTICS_REPORTS = ['cluster-load', 'scaling', 'alerts', 'deployment-failures', 'placement-moves', 'placed-resources'] as const;
/** The reports about one graph: `smo analytics <report> <graph>`. */
export const PER_GRAPH_REPORTS: ReadonlyArray<(typeof ANALYTICS_REPORTS)[number]> = ['placed-resources'];

/** `smo analytics <report> [graph]`: the analytics read models; the table shows their scalar fields. */
export async function analyticsCommand(ctx: CommandContext, report: (typeof ANALYTICS_REPORTS)[number], graph?: string): Promise<void> {
  if (report === 'placed-resources') {
    // One row per point and cluster, oldest first (-o json has the whole document: services, running, hourly). A point
    // with nothing placed (the graph stopped) is one row, cluster "-" and no load: without it the stop vanished.
    const { body } = await ctx.client.request<{ timeline: Array<{ at: string; byCluster: Record<string, { cpu: number; memoryBytes: number }> }> }>('GET', `/analytics/placed-resources/${encodeURIComponent(graph ?? '')}`);
    const rows = body.timeline.flatMap((point): Array<{ at: string; cluster: string | null; cpu: number; memoryBytes: number }> => {
      const loads = Object.entries(point.byCluster);
      return loads.length > 0 ? loads.map(([cluster, load]) => ({ at: point.at, cluster, ...load })) : [{ at: point.at, cluster: null, cpu: 0, memoryBytes: 0 }];
    });
    return ctx.print(render(body, rows, { table: ['at', 'cluster', 'cpu', 'memoryBytes'] }, ctx.output));
  }
  const { body, headers } = await ctx.client.request<unknown>('GET', `/analytics/${report}`);
  const truncated = headers.get('x-truncated') === 'true';
  if (report === 'cluster-load') {
    // Per cluster, the latest load (-o json has each cluster's series, its latest 1000 points).
    if (truncated) ctx.progress('smo: each cluster shows its latest 1000 changes');
    const series = body as Record<string, Array<{ at: string; cpu: number; memoryBytes: number }>>;
    const rows = Object.entries(series).map(([cluster, points]) => ({ cluster, ...points.at(-1), changes: points.length }));
    return ctx.print(render(body, rows, { table: ['cluster', 'cpu', 'memoryBytes', 'at'], wide: ['changes'] }, ctx.output));
  }
  const docs = body as Array<Record<string, unknown>>;
  if (truncated) ctx.progress(report === 'placement-moves' ? 'smo: older days are left out (the API takes ?days=)' : `smo: only the first ${docs.length} are shown`);
  const columns = [...new Set(docs.flatMap((doc) => Object.keys(doc).filter((key) => doc[key] === null || typeof doc[key] !== 'object')))];
  if (docs.length === 0 && machineReadable(body, ctx.output) === null) return ctx.print(`No ${report} recorded yet.`);
  ctx.print(render(body, docs, { table: columns }, ctx.output));
}

/** `smo vims …` and `smo os-k8s …`: NFVCL's VIMs and OpenStack Kubernetes clusters. */
export async function nfvclCommand(
  ctx: CommandContext,
  resource: 'vims' | 'os-k8s',
  action: 'list' | 'get' | 'create' | 'delete' | 'sync' | 'scale-out',
  options: { id?: string; file?: string; popArea?: string; workers?: number },
): Promise<void> {
  const paths = resource === 'vims' ? { list: '/vims/smo_vims', one: '/vims/smo_vims/', sync: '/vims/sync/nfvcl_vims' } : { list: '/os_k8s/clusters', one: '/os_k8s/cluster/', sync: '/os_k8s/sync/nfvcl_k8s' };
  const area = options.popArea !== undefined ? `?pop_area=${encodeURIComponent(options.popArea)}` : '';
  const id = encodeURIComponent(options.id ?? '');
  let answer: unknown;
  switch (action) {
    case 'list': {
      const { body } = await ctx.client.request<unknown>('GET', `${paths.list}${resource === 'vims' ? area : ''}`);
      // Upstream answers a sentence when there is nothing.
      if (typeof body === 'string') return ctx.print(machineReadable([], ctx.output) ?? body);
      const rows = resource === 'vims' ? (body as { 'SMO VIMs': Array<Record<string, unknown>> })['SMO VIMs'] : (body as Array<Record<string, unknown>>);
      const columns = resource === 'vims' ? ['id', 'name', 'pop_area', 'vim_type'] : ['smo_id', 'status', 'vim_name', 'pop_area', 'worker_replicas'];
      return ctx.print(render(body, rows, { table: columns }, ctx.output));
    }
    case 'get':
      answer = (await ctx.client.request<unknown>('GET', `${paths.one}${id}`)).body;
      break;
    case 'delete':
      answer = (await ctx.client.request<unknown>('DELETE', `${paths.one}${id}`)).body;
      break;
    case 'sync':
      answer = (await ctx.client.request<unknown>('POST', `${paths.sync}${area}`)).body;
      break;
    case 'create':
      answer = (await ctx.client.request<unknown>('POST', paths.list, { body: readJsonOrYaml(options.file!) })).body;
      break;
    case 'scale-out':
      answer = (await ctx.client.request<unknown>('POST', `/os_k8s/scale-out/${id}`, { body: options.workers !== undefined ? { worker_replicas: options.workers } : {} })).body;
      break;
  }
  // A single answer reads best as YAML unless JSON was asked for.
  ctx.print(machineReadable(answer, ctx.output.format === 'json' ? ctx.output : { ...ctx.output, format: 'yaml' })!);
}

function readJsonOrYaml(file: string): unknown {
  const text = readInputFile(file, 'a JSON or YAML file');
  try {
    return parse(text);
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
