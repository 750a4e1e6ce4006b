import { existsSync, readFileSync } from 'node:fs';
import { CliError, type SmoClient } from './client';
import { table } from './output';

interface ServiceView {
  name: string;
  status: string;
  cluster_affinity: string | null;
  error: { stderr: string } | null;
}

interface GraphView {
  name: string;
  status: string;
  project: string;
  settled: boolean;
  revision: number;
  placement: Record<string, string> | null;
  placementFailure: { detail: string } | null;
  services: ServiceView[];
}

type Print = (line: string) => void;

/** `smo deploy <file|artifact> [--project p]`: sends the descriptor, then follows the graph until it settles. */
export async function deployCommand(client: SmoClient, args: string[], json: boolean, print: Print, progress: Print): Promise<void> {
  const { positional, project } = projectOption(args);
  const [source] = positional;
  if (!source) throw new CliError('usage: smo deploy <descriptor.yaml|artifact-ref> [--project <project>]');
  const request = existsSync(source)
    ? { text: readFileSync(source, 'utf8'), contentType: source.endsWith('.json') ? 'application/json' : 'application/yaml' }
    : { body: { artifact: source } };
  const { headers } = await client.request<unknown>('POST', `/project/${encodeURIComponent(project)}/graphs`, { ...request, headers: { prefer: 'respond-async' } });
  const location = headers.get('location');
  if (!location) throw new CliError('SMO did not say where the graph is (no Location header)');
  const graph = await follow(client, location, progress);
  print(json ? JSON.stringify(graph, null, 2) : describe(graph));
  if (graph.placementFailure || graph.services.some((s) => s.status === 'Failed')) throw new CliError(`graph ${graph.name} has failures`);
}

/** Polls the graph, printing each service's status as it changes, until every service has settled. */
async function follow(client: SmoClient, location: string, progress: Print, timeoutMs = 300_000): Promise<GraphView> {
  const deadline = Date.now() + timeoutMs;
  let shown = '';
  for (;;) {
    const { body } = await client.request<GraphView>('GET', location).catch((error: unknown) => {
      if (error instanceof CliError && / 404: /.test(error.message)) return { body: null };
      throw error;
    });
    if (body) {
      const line = body.services.map((s) => `${s.name}=${s.status}`).join(' ');
      if (line !== shown) progress(`${body.name}: ${line}`);
      shown = line;
      if (body.settled) return body;
    }
    if (Date.now() > deadline) throw new CliError(`${location} did not settle within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function listCommand(client: SmoClient, args: string[], json: boolean, print: Print): Promise<void> {
  const { project } = projectOption(args);
  const { body } = await client.request<GraphView[]>('GET', `/project/${encodeURIComponent(project)}/graphs`);
  if (json) return print(JSON.stringify(body, null, 2));
  print(table(body.map((g) => ({ name: g.name, status: g.status, services: g.services.length, revision: g.revision })), ['name', 'status', 'services', 'revision']));
}

export async function getCommand(client: SmoClient, args: string[], json: boolean, print: Print): Promise<void> {
  const [name, at] = [args[0], valueOf(args, '--at')];
  if (!name) throw new CliError('usage: smo get <graph> [--at <ISO time|position>]');
  const { body } = await client.request<GraphView>('GET', `/graphs/${encodeURIComponent(name)}${at ? `?at=${encodeURIComponent(at)}` : ''}`);
  print(json ? JSON.stringify(body, null, 2) : describe(body));
}

/** stop, start, remove, placement: the action, then the graph as it settled. */
export async function actionCommand(client: SmoClient, action: 'stop' | 'start' | 'remove' | 'placement', args: string[], json: boolean, print: Print): Promise<void> {
  const [name] = args;
  if (!name) throw new CliError(`usage: smo ${action} <graph>`);
  const path = `/graphs/${encodeURIComponent(name)}`;
  const { body } = await client.request<string>(action === 'remove' ? 'DELETE' : 'POST', action === 'remove' ? path : `${path}/${action}`);
  if (action === 'remove') return print(json ? JSON.stringify({ removed: name }) : String(body).trim());
  const { body: graph } = await client.request<GraphView>('GET', path);
  print(json ? JSON.stringify(graph, null, 2) : `${String(body).trim()}\n${describe(graph)}`);
}

export async function historyCommand(client: SmoClient, args: string[], json: boolean, print: Print): Promise<void> {
  const [name] = args;
  if (!name) throw new CliError('usage: smo history <graph> [--type A,B]');
  const type = valueOf(args, '--type');
  const events: Array<{ revision: number; type: string; at: string; actor: string | null }> = [];
  let next: string | null = `/graphs/${encodeURIComponent(name)}/history?limit=500${type ? `&type=${encodeURIComponent(type)}` : ''}`;
  while (next) {
    const { body }: { body: { events: typeof events; next: string | null } } = await client.request('GET', next);
    events.push(...body.events);
    next = body.next;
  }
  print(json ? JSON.stringify(events, null, 2) : table(events, ['revision', 'type', 'at', 'actor']));
}

export async function placementsCommand(client: SmoClient, args: string[], json: boolean, print: Print): Promise<void> {
  const [name] = args;
  if (!name) throw new CliError('usage: smo placements <graph>');
  const { body } = await client.request<Array<{ at: string; reason: string; algorithm: string; solver: string | null; moves: number | null; feasible: boolean; placement: Record<string, string> | null; detail?: string }>>(
    'GET',
    `/graphs/${encodeURIComponent(name)}/placements`,
  );
  if (json) return print(JSON.stringify(body, null, 2));
  print(
    table(
      body.map((p) => ({ at: p.at, reason: p.reason, algorithm: p.algorithm, solver: p.solver, moves: p.moves, result: p.feasible ? Object.entries(p.placement ?? {}).map(([s, c]) => `${s}→${c}`).join(' ') : `failed: ${p.detail}` })),
      ['at', 'reason', 'algorithm', 'solver', 'moves', 'result'],
    ),
  );
}

/** `smo replay <graph> [--solver glpk] [--algorithm naive] [--objective fresh]`: what other choices would have decided. */
export async function replayCommand(client: SmoClient, args: string[], json: boolean, print: Print): Promise<void> {
  const [name] = args;
  if (!name) throw new CliError('usage: smo replay <graph> [--solver highs|glpk] [--algorithm milp|naive] [--objective min-moves|fresh]');
  const body = Object.fromEntries((['solver', 'algorithm', 'objective'] as const).flatMap((key) => (valueOf(args, `--${key}`) ? [[key, valueOf(args, `--${key}`)]] : [])));
  const { body: answer } = await client.request<{ decisions: Array<{ at: string; reason: string; skipped?: string; differences?: Array<{ serviceId: string; recorded: string | null; replayed: string | null }>; replayed?: { moves: number | null } }> }>(
    'POST',
    `/graphs/${encodeURIComponent(name)}/placements/replay`,
    { body },
  );
  if (json) return print(JSON.stringify(answer, null, 2));
  print(
    table(
      answer.decisions.map((d) => ({
        at: d.at,
        reason: d.reason,
        moves: d.replayed?.moves ?? null,
        differences: d.skipped ?? (d.differences?.length ? d.differences.map((x) => `${x.serviceId}: ${x.recorded ?? '-'}→${x.replayed ?? '-'}`).join(' ') : 'none'),
      })),
      ['at', 'reason', 'moves', 'differences'],
    ),
  );
}

export async function clustersCommand(client: SmoClient, json: boolean, print: Print): Promise<void> {
  const { body } = await client.request<Array<Record<string, unknown>>>('GET', '/clusters');
  print(json ? JSON.stringify(body, null, 2) : table(body, ['name', 'availability', 'available_cpu', 'available_ram', 'acceleration', 'location']));
}

/** `smo watch [--graph g]`: prints events as they happen (Server-Sent Events) until interrupted or `limit` events. */
export async function watchCommand(client: SmoClient, args: string[], json: boolean, print: Print, options: { signal?: AbortSignal; limit?: number } = {}): Promise<void> {
  const graph = valueOf(args, '--graph');
  const response = await fetch(new URL(`/events/stream${graph ? `?graph=${encodeURIComponent(graph)}` : ''}`, client.baseUrl), {
    headers: { accept: 'text/event-stream' },
    ...(options.signal ? { signal: options.signal } : {}),
  }).catch((error: unknown) => {
    if (options.signal?.aborted) return null;
    throw new CliError(`Cannot reach SMO at ${client.baseUrl} (${error instanceof Error ? error.message : String(error)})`);
  });
  if (!response?.body) return;
  const decoder = new TextDecoder();
  let buffer = '';
  let seen = 0;
  try {
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = message.split('\n').find((line) => line.startsWith('data: '))?.slice(6);
        if (!data) continue;
        const event = JSON.parse(data) as { at: string; streamId: string; type: string };
        print(json ? data : `${event.at}  ${event.streamId}  ${event.type}`);
        if (options.limit !== undefined && ++seen >= options.limit) return;
      }
    }
  } catch (error) {
    if (!options.signal?.aborted) throw error;
  }
}

function describe(graph: GraphView): string {
  const header = `${graph.name} (${graph.project}): ${graph.status}, revision ${graph.revision}${graph.placementFailure ? `\nplacement failed: ${graph.placementFailure.detail}` : ''}`;
  const rows = graph.services.map((s) => ({ service: s.name, status: s.status, cluster: s.cluster_affinity, error: s.error?.stderr.trim().split('\n').at(-1) ?? null }));
  return `${header}\n${table(rows, ['service', 'status', 'cluster', 'error'])}`;
}

function projectOption(args: string[]): { positional: string[]; project: string } {
  const project = valueOf(args, '--project') ?? 'default';
  const positional = args.filter((arg, i) => arg !== '--project' && args[i - 1] !== '--project');
  return { positional, project };
}

function valueOf(args: string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index >= 0 ? args[index + 1] : undefined;
}
