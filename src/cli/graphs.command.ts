import { existsSync, readFileSync } from 'node:fs';
import { causeOf, CliError, nextLink, problemText, refusal, type SmoClient } from './client';
import { GRAPH_EVENT_TYPES } from '../domain/graph/events';
import { DNS_LABEL_MAX_LENGTH } from '../shared/dns-name';
import { redactUserinfo } from '../shared/redact-userinfo';
import { machineReadable, machineReadableList, padToWidth, printable, render, table, type OutputOptions } from './output';

interface ServiceView {
  name: string;
  status: string;
  cluster_affinity: string | null;
  cpu: string;
  memory: string;
  gpu: string;
  artifact_ref: string;
  error: { stderr: string } | null;
}

/** A warning as SMO reports it: where in the descriptor, and what. */
export interface Warning {
  pointer: string;
  message: string;
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
  proposals?: ProposalView[];
  /** Added to the view by the server when the descriptor had warnings (an older SMO leaves it out). */
  warnings?: Warning[];
}

/** What every command gets: the client, the output options, and where to write (stdout for results, stderr for progress and warnings). */
export interface CommandContext {
  client: SmoClient;
  output: OutputOptions;
  print: (line: string) => void;
  progress: (line: string) => void;
  signal?: AbortSignal;
}

/** An artifact reference (as SMO accepts them) rather than a file name. */
const ARTIFACT_REF = /^(https?|oci):\/\//;

/**
 * The text of a file named on the command line, saying plainly what is wrong (rather than `EISDIR: illegal operation on
 * a directory, read`): `missing` when there is none, that it is a directory and not `what`, or why it cannot be read.
 */
export function readInputFile(file: string, what: string, missing = `file ${file} does not exist`): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(missing);
    if (code === 'EISDIR') throw new CliError(`${file} is a directory, not ${what}`);
    throw new CliError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Reads a descriptor file, saying plainly when it is missing (rather than trying the name as an artifact). */
export function descriptorRequest(source: string): { text: string; contentType: string } | { body: { artifact: string } } {
  if (!existsSync(source) && ARTIFACT_REF.test(source)) return { body: { artifact: source } };
  const text = readInputFile(source, 'a descriptor file', `file ${source} does not exist (an HDAR artifact reference starts with http://, https:// or oci://)`);
  return { text, contentType: source.endsWith('.json') ? 'application/json' : 'application/yaml' };
}

/** `smo deploy <file|artifact>`: sends the descriptor, then follows the graph until it settles; `--dry-run` asks the server what would happen. */
export async function deployCommand(ctx: CommandContext, source: string, options: { project: string; dryRun?: boolean; wait?: boolean }): Promise<void> {
  const request = descriptorRequest(source);
  const path = `/project/${encodeURIComponent(options.project)}/graphs`;
  if (options.dryRun) {
    const { body } = await ctx.client.request<DryRunAnswer>('POST', `${path}?dryRun=true`, request);
    return printDryRun(ctx, body);
  }
  const { headers, body } = await ctx.client.request<{ warnings?: Warning[] }>('POST', path, { ...request, headers: { prefer: 'respond-async' } });
  printWarnings(ctx, typeof body === 'object' && body ? body.warnings : undefined);
  const location = headers.get('location');
  if (!location) throw new CliError('SMO did not say where the graph is (no Location header)');
  if (options.wait === false) return ctx.print(machineReadable(body, ctx.output) ?? `${location} accepted`);
  const graph = await follow(ctx, location);
  ctx.print(machineReadable(graph, ctx.output) ?? describe(graph, ctx.output));
  // The accepted answer may predate the read model: the graph's own warnings are shown once, here, when the answer had none.
  if (!(typeof body === 'object' && body?.warnings?.length)) printWarnings(ctx, graph.warnings);
  failIfFailed(graph);
}

/** Exit code 1 when the graph failed (README: 1 means a graph failed): its placement, or a service. */
function failIfFailed(graph: GraphView): void {
  if (graph.placementFailure || graph.services.some((s) => s.status === 'Failed')) throw new CliError(`graph ${graph.name} has failures`);
}

/** The answer of `POST /project/{p}/graphs?dryRun=true`. */
export interface DryRunAnswer {
  dryRun: true;
  graph: string;
  project: string;
  placement: { feasible: boolean; algorithm: string; placement: Record<string, string>; detail?: string };
  services: Array<{ name: string; cluster: string | null; chart: string; values: Record<string, unknown> }>;
  warnings: Warning[];
}

/** Exit code 1 when the graph could not be placed, as `smo plan` answers an infeasible plan: a script tells it by its code. */
function printDryRun(ctx: CommandContext, answer: DryRunAnswer): void {
  const infeasible = answer.placement.feasible ? null : new CliError(`${answer.graph} could not be placed`);
  const raw = machineReadable(answer, ctx.output);
  if (raw !== null) {
    ctx.print(raw);
    if (infeasible) throw infeasible;
    return;
  }
  const verdict = answer.placement.feasible ? `would be placed (${answer.placement.algorithm})` : `could not be placed: ${answer.placement.detail ?? ''}`;
  ctx.print(`${answer.graph} (${answer.project}): dry run, nothing recorded; ${verdict}`);
  const rows = answer.services.map((s) => ({ service: s.name, cluster: s.cluster, chart: s.chart, values: s.values }));
  ctx.print(table(rows, ctx.output.format === 'wide' ? ['service', 'cluster', 'chart', 'values'] : ['service', 'cluster', 'chart'], ctx.output.headers));
  printWarnings(ctx, answer.warnings);
  if (infeasible) throw infeasible;
}

/** Warnings go to stderr, as kubectl prints them, so a piped result stays clean. */
export function printWarnings(ctx: CommandContext, warnings: readonly Warning[] | undefined): void {
  for (const warning of warnings ?? []) ctx.progress(`Warning: ${printable(`${warning.pointer ? `${warning.pointer}: ` : ''}${warning.message}`)}`);
}

/** Polls the graph, printing each service's status as it changes, until every service has settled. */
async function follow(ctx: CommandContext, location: string, timeoutMs = 300_000): Promise<GraphView> {
  const deadline = Date.now() + timeoutMs;
  let shown = '';
  for (;;) {
    const { body } = await ctx.client.request<GraphView>('GET', location).catch((error: unknown) => {
      if (error instanceof CliError && / 404: /.test(error.message)) return { body: null };
      throw error;
    });
    if (body) {
      const line = printable(body.services.map((s) => `${s.name}=${s.status}`).join(' '));
      if (line !== shown) ctx.progress(`${printable(body.name)}: ${line}`);
      shown = line;
      if (body.settled) return body;
    }
    if (Date.now() > deadline) throw new CliError(`${location} did not settle within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `smo list [-p project] [-A]`. */
export async function listCommand(ctx: CommandContext, options: { project: string; allProjects?: boolean }): Promise<void> {
  // Every page, following the server's Link rel="next" (a page holds at most 1,000 graphs). Only the page at hand is
  // held: JSON and YAML are printed view by view as they come, a table keeps its rows (a few fields a graph).
  const views = machineReadableList(ctx.output, ctx.print);
  const rows: Array<Record<string, unknown>> = [];
  let next: string | null = options.allProjects ? '/graphs' : `/project/${encodeURIComponent(options.project)}/graphs`;
  while (next) {
    const page: { body: GraphView[]; headers: Headers } = await ctx.client.request<GraphView[]>('GET', next);
    for (const g of page.body) {
      if (views) views.add(g);
      else rows.push({ project: g.project, name: g.name, status: statusText(g), services: g.services.length, revision: g.revision, placement: g.placement ? Object.entries(g.placement).map(([s, c]) => `${s}→${c}`).join(' ') : null });
    }
    next = nextLink(page.headers);
  }
  if (views) return views.end();
  if (rows.length === 0) return ctx.print(options.allProjects ? 'No graphs found.' : `No graphs found in project ${options.project}.`);
  const columns = [...(options.allProjects ? ['project'] : []), 'name', 'status', 'services', 'revision'];
  ctx.print(render(null, rows, { table: columns, wide: ['placement'] }, ctx.output));
}

/** A graph's status as the table shows it: Running or Stopped, and what failed (a graph whose placement failed still runs nothing). */
function statusText(graph: GraphView): string {
  if (graph.placementFailure) return `${graph.status} (placement failed)`;
  const failed = graph.services.filter((service) => service.status === 'Failed').length;
  return failed > 0 ? `${graph.status} (${failed} failed)` : graph.status;
}

/**
 * `-p` on a command about one graph. Graph names are unique across projects, so the project does not find the graph:
 * it guards. The command fails, having changed nothing, when the graph is in another project (as `kubectl -n` would
 * not find it there).
 */
export async function ensureGraphInProject(ctx: CommandContext, name: string, project: string | undefined): Promise<void> {
  if (project === undefined) return;
  const { body } = await ctx.client.request<GraphView>('GET', `/graphs/${encodeURIComponent(name)}`);
  refuseOtherProject(body, project);
}

function refuseOtherProject(graph: GraphView, project: string | undefined): void {
  if (project !== undefined && graph.project !== project) throw new CliError(`graph ${graph.name} is in project ${graph.project}, not ${project}`);
}

/** `smo get <graph> [--at] [-p]`: the graph and its services; its warnings on stderr. */
export async function getCommand(ctx: CommandContext, name: string, options: { at?: string; project?: string }): Promise<void> {
  const { body } = await ctx.client.request<GraphView>('GET', `/graphs/${encodeURIComponent(name)}${options.at ? `?at=${encodeURIComponent(options.at)}` : ''}`);
  refuseOtherProject(body, options.project);
  ctx.print(machineReadable(body, ctx.output) ?? describe(body, ctx.output));
  if (machineReadable(body, ctx.output) === null) printWarnings(ctx, body.warnings);
}

/** A placement proposal as `GET /graphs/{g}` lists it, or as `placement?mode=propose` answers it (no `expired`; `unchanged` with no id when nothing would move). */
interface ProposalView {
  proposalId: string | null;
  status: string;
  expired?: boolean;
  why: string;
  expiresAt: string | null;
  diff: Array<{ serviceId: string; from: string | null; to: string }>;
}

/** The answer of `placement?mode=propose` that is a proposal (SMO answers a sentence while it is still being computed). */
function isProposal(body: unknown): body is ProposalView {
  return typeof body === 'object' && body !== null && 'proposalId' in body;
}

/** Table rows of proposals: moves as `service: from→to`. */
function proposalRows(proposals: readonly ProposalView[]): Array<Record<string, unknown>> {
  return proposals.map((p) => ({
    id: p.proposalId,
    status: p.expired ? 'expired' : p.status,
    expires: p.expiresAt,
    moves: p.diff.length > 0 ? p.diff.map((d) => `${d.serviceId}: ${d.from ?? '-'}→${d.to}`).join(' ') : null,
    why: p.why,
  }));
}

/** stop, start, remove, placement, retry: the action, then the graph as it is now (placement --propose: the proposal). */
export async function actionCommand(ctx: CommandContext, action: 'stop' | 'start' | 'remove' | 'placement' | 'retry', name: string, query = ''): Promise<void> {
  const path = `/graphs/${encodeURIComponent(name)}`;
  const { body } = await ctx.client.request<unknown>(action === 'remove' ? 'DELETE' : 'POST', action === 'remove' ? path : `${path}/${action}${query}`);
  if (action === 'placement' && isProposal(body)) {
    // The proposal is the result (a script needs its id to approve it); the graph has not changed.
    ctx.print(render(body, proposalRows([body]), { table: ['id', 'status', 'moves', 'why'], wide: ['expires'] }, ctx.output));
    if (body.proposalId !== null && machineReadable(body, ctx.output) === null) ctx.progress(`Approve it with: smo approve ${name} ${body.proposalId} (or reject it: smo reject ${name} ${body.proposalId})`);
    return;
  }
  const message = typeof body === 'string' ? body.trim() : JSON.stringify(body);
  if (action === 'remove') return ctx.print(machineReadable({ removed: name, message }, ctx.output) ?? message);
  // SMO answers once the graph settled, or after SMO_DEPLOY_WAIT (202): then it is followed here, as deploy does.
  let { body: graph } = await ctx.client.request<GraphView>('GET', path);
  if (!graph.settled && action !== 'placement') graph = await follow(ctx, path);
  ctx.print(machineReadable(graph, ctx.output) ?? `${message}\n${describe(graph, ctx.output)}`);
  // A re-placement that failed is answered 200 (upstream's "triggered"): the graph says it failed.
  failIfFailed(graph);
}

/** `smo approve|reject <graph> <proposal>`. */
export async function proposalDecisionCommand(ctx: CommandContext, decision: 'approve' | 'reject', name: string, proposal: string): Promise<void> {
  const { body } = await ctx.client.request<unknown>('POST', `/graphs/${encodeURIComponent(name)}/placements/${encodeURIComponent(proposal)}/${decision}`);
  const message = typeof body === 'string' ? body.trim() : JSON.stringify(body);
  ctx.print(machineReadable({ graph: name, proposal, decision, message }, ctx.output) ?? message);
}

/** `smo proposals <graph>`: the graph's placement proposals, pending first. */
export async function proposalsCommand(ctx: CommandContext, name: string): Promise<void> {
  const { body } = await ctx.client.request<GraphView>('GET', `/graphs/${encodeURIComponent(name)}`);
  const proposals = body.proposals ?? [];
  ctx.print(render(proposals, proposalRows(proposals), { table: ['id', 'status', 'moves'], wide: ['expires', 'why'] }, ctx.output));
}

interface EventView {
  revision: number;
  position: number;
  type: string;
  streamId: string;
  at: string;
  actor: string | null;
  correlationId: string | null;
  data: Record<string, unknown>;
}

/** The service an event is about, if any (`serviceId` in its data). */
function serviceOf(event: Pick<EventView, 'data'>): string | null {
  const id = event.data?.serviceId;
  return typeof id === 'string' ? id : null;
}

function eventRows(events: readonly EventView[]) {
  return events.map((e) => ({ ...e, service: serviceOf(e), stream: e.streamId }));
}

export async function historyCommand(ctx: CommandContext, name: string, options: { type?: string }): Promise<void> {
  const events: EventView[] = [];
  let next: string | null = `/graphs/${encodeURIComponent(name)}/history?limit=500${options.type ? `&type=${encodeURIComponent(options.type)}` : ''}`;
  while (next) {
    const { body }: { body: { events: EventView[]; next: string | null } } = await ctx.client.request('GET', next);
    events.push(...body.events);
    next = body.next;
  }
  ctx.print(render(events, eventRows(events), { table: ['revision', 'at', 'type', 'service', 'actor'], wide: ['position', 'correlationId'] }, ctx.output));
}

/** `smo events --correlation-id <id>`: the whole story of one request. */
export async function eventsCommand(ctx: CommandContext, correlationId: string): Promise<void> {
  const { body } = await ctx.client.request<EventView[]>('GET', `/events?correlationId=${encodeURIComponent(correlationId)}`);
  if (body.length === 0 && machineReadable(body, ctx.output) === null) return ctx.print(`No events with correlation id ${correlationId}.`);
  ctx.print(render(body, eventRows(body), { table: ['position', 'at', 'stream', 'type', 'service'], wide: ['actor', 'revision'] }, ctx.output));
}

/** Which placement decisions: the latest `limit` (the server's default 100), below the revision `before`. */
export interface DecisionPage {
  limit?: number;
  before?: number;
}

function decisionPageQuery({ limit, before }: DecisionPage): string {
  const query = new URLSearchParams();
  if (limit !== undefined) query.set('limit', String(limit));
  if (before !== undefined) query.set('before', String(before));
  return query.size > 0 ? `?${query}` : '';
}

/** When older decisions remain, says the command that shows them (the server's Link names the revision they are below). */
function olderDecisionsHint(ctx: CommandContext, command: string, headers: Headers): void {
  const next = nextLink(headers);
  const older = next ? new URLSearchParams(next.slice(next.indexOf('?') + 1)) : null;
  if (older?.has('before')) ctx.progress(`Older decisions: smo ${command} --before ${older.get('before')} --limit ${older.get('limit')}`);
}

/** `smo placements <graph>`: the latest decisions (a page), and the command that shows the older ones when there are more. */
export async function placementsCommand(ctx: CommandContext, name: string, page: DecisionPage = {}): Promise<void> {
  const { body, headers } = await ctx.client.request<
    Array<{ at: string; reason: string; algorithm: string; solver: string | null; moves: number | null; feasible: boolean; placement: Record<string, string> | null; detail?: string; decisionId: string }>
  >('GET', `/graphs/${encodeURIComponent(name)}/placements${decisionPageQuery(page)}`);
  const rows = body.map((p) => ({
    at: p.at,
    reason: p.reason,
    algorithm: p.algorithm,
    solver: p.solver,
    moves: p.moves,
    result: p.feasible ? Object.entries(p.placement ?? {}).map(([s, c]) => `${s}→${c}`).join(' ') : `failed: ${p.detail}`,
    decision: p.decisionId,
  }));
  ctx.print(render(body, rows, { table: ['at', 'reason', 'algorithm', 'solver', 'moves', 'result'], wide: ['decision'] }, ctx.output));
  olderDecisionsHint(ctx, `placements ${name}`, headers);
}

interface ReplayedDecision {
  at: string;
  reason: string;
  skipped?: string;
  differences?: Array<{ serviceId: string; recorded: string | null; replayed: string | null }>;
  recorded?: { moves: number | null };
  replayed?: { moves: number | null; solver: string };
}

/**
 * `smo replay <graph>`: what other choices would have decided. MOVES is how many services each side moved away from
 * the placement before that decision (recorded → replayed); DIFFERENCES lists the services the two sides put apart.
 */
export async function replayCommand(
  ctx: CommandContext,
  name: string,
  options: { solver?: string; algorithm?: string; objective?: string; intents?: Readonly<Record<string, boolean>> },
  page: DecisionPage = {},
): Promise<void> {
  const body = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const { body: answer, headers } = await ctx.client.request<{ decisions: ReplayedDecision[] }>('POST', `/graphs/${encodeURIComponent(name)}/placements/replay${decisionPageQuery(page)}`, { body });
  const rows = answer.decisions.map((d) => ({
    at: d.at,
    reason: d.reason,
    moves: d.skipped ? null : `${d.recorded?.moves ?? '-'}→${d.replayed?.moves ?? '-'}`,
    differ: d.skipped ? null : (d.differences?.length ?? 0),
    differences: d.skipped ?? (d.differences?.length ? d.differences.map((x) => `${x.serviceId}: ${x.recorded ?? '-'}→${x.replayed ?? '-'}`).join(' ') : 'none'),
    solver: d.replayed?.solver ?? null,
  }));
  ctx.print(render(answer, rows, { table: ['at', 'reason', 'moves', 'differ', 'differences'], wide: ['solver'] }, ctx.output));
  olderDecisionsHint(ctx, `replay ${name}`, headers);
}

export async function clustersCommand(ctx: CommandContext, action: 'list' | 'sync'): Promise<void> {
  if (action === 'sync') await ctx.client.request<unknown>('POST', '/clusters/sync');
  const { body } = await ctx.client.request<Array<Record<string, unknown> & { capacity?: { gpu?: { available: number; allocatable: number } } }>>('GET', '/clusters');
  // The view has no `gpu` field (the column was always empty): free of allocatable, from its capacity.
  const rows = body.map((cluster) => ({ ...cluster, gpu: cluster.capacity?.gpu ? `${cluster.capacity.gpu.available}/${cluster.capacity.gpu.allocatable}` : null }));
  ctx.print(render(body, rows, { table: ['name', 'availability', 'available_cpu', 'available_ram', 'acceleration'], wide: ['location', 'gpu'] }, ctx.output));
}

/**
 * Column widths of `smo watch`: a stream cannot be measured before it is printed, so the columns are fixed, as wide as
 * their longest value: a graph id (a DNS label, at most 63) and a graph event type. At 28 a longer one pushed the
 * columns after it out of line.
 */
const WATCH_COLUMNS = [
  ['time', 24],
  ['graph', DNS_LABEL_MAX_LENGTH],
  ['type', Math.max(...Object.keys(GRAPH_EVENT_TYPES).map((type) => type.length))],
  ['service', 0],
] as const;

function watchLine(values: readonly string[]): string {
  return values.map((value, i) => padToWidth(printable(value), WATCH_COLUMNS[i]![1])).join('  ').trimEnd();
}

/** Answers that mean "not now" (SMO starting or stopping, a proxy without its upstream, too many streams): `--reconnect` keeps trying. */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
/** The longest Retry-After honoured as given (a longer one is cut to this). */
const MAX_RETRY_AFTER_MS = 300_000;

/**
 * `smo watch [--graph g]`: prints events as they happen (Server-Sent Events) until interrupted or `limit` events.
 * When the server goes away (or says it shuts down, or answers 503/502/504/429) it says so and fails, or with `reconnect`
 * resumes after the last event seen (Last-Event-ID), waiting as long as a Retry-After asks.
 */
export async function watchCommand(
  ctx: CommandContext,
  options: { graph?: string; reconnect?: boolean; limit?: number; retryDelayMs?: number; maxRetries?: number },
): Promise<void> {
  const url = ctx.client.url(`/events/stream${options.graph ? `?graph=${encodeURIComponent(options.graph)}` : ''}`);
  const raw = ctx.output.format === 'json' || ctx.output.format === 'yaml';
  if (!raw && ctx.output.headers) ctx.print(watchLine(WATCH_COLUMNS.map(([name]) => name.toUpperCase())));
  let lastEventId: string | null = null;
  let seen = 0;
  let failures = 0;
  for (;;) {
    const outcome = await streamOnce(ctx, url, lastEventId, (id, data) => {
      lastEventId = id;
      if (data === null) return false; // the stream's start: where a reconnect resumes if no event came yet
      failures = 0;
      const event = parseEvent(id, data);
      if (raw) ctx.print(ctx.output.format === 'json' ? data : `---\n${machineReadable(event, ctx.output)}`);
      else ctx.print(watchLine([event.at, event.streamId.replace(/^graph-/, ''), event.type, serviceOf(event) ?? '-']));
      return options.limit !== undefined && ++seen >= options.limit;
    });
    if (outcome.kind === 'done' || ctx.signal?.aborted) return;
    const why =
      outcome.kind === 'unreachable'
        ? `cannot reach SMO at ${ctx.client.displayUrl} (${outcome.reason})`
        : outcome.kind === 'shutdown'
          ? `the SMO server is shutting down${outcome.reason ? ` (${outcome.reason})` : ''}`
          : outcome.kind === 'unavailable'
            ? `SMO is not available (${outcome.status}: ${outcome.detail})`
            : 'the SMO server closed the event stream';
    if (!options.reconnect) {
      throw outcome.kind === 'unavailable' ? new CliError(`${outcome.error.message}; add --reconnect to keep trying`) : new CliError(`${why}; add --reconnect to resume automatically`);
    }
    if (++failures > (options.maxRetries ?? Number.POSITIVE_INFINITY)) throw new CliError(`${why}; gave up after ${failures - 1} attempts`);
    const delayMs = outcome.kind === 'unavailable' && outcome.retryAfterMs !== null ? outcome.retryAfterMs : (options.retryDelayMs ?? 1000);
    const wait = outcome.kind === 'unavailable' && outcome.retryAfterMs !== null ? ` in ${Math.ceil(delayMs / 1000)}s (Retry-After)` : '';
    ctx.progress(`smo: ${why}; reconnecting${wait}${lastEventId ? ` after event ${lastEventId}` : ''}…`);
    await sleep(delayMs, ctx.signal);
  }
}

/** An event of the stream: its data must be an event as SMO sends them. */
function parseEvent(id: string, data: string): EventView {
  let event: unknown;
  try {
    event = JSON.parse(data);
  } catch {
    throw new CliError(`the event stream sent message ${id} whose data is not JSON`);
  }
  if (typeof event !== 'object' || event === null || typeof (event as EventView).type !== 'string' || typeof (event as EventView).streamId !== 'string') {
    throw new CliError(`the event stream sent message ${id} that is not an event`);
  }
  return event as EventView;
}

type StreamOutcome =
  | { kind: 'done' }
  | { kind: 'closed' }
  | { kind: 'unreachable'; reason: string }
  | { kind: 'shutdown'; reason: string | null }
  | { kind: 'unavailable'; status: number; detail: string; error: CliError; retryAfterMs: number | null };

/** One message of a Server-Sent Event stream: its `event:`, `id:` and `data:` fields (data lines joined by newlines). */
interface StreamMessage {
  event: string | null;
  id: string | null;
  data: string | null;
}

/** Parses one message (the lines before a blank line); comments (`:`) and unknown fields are left out. */
function parseMessage(block: string): StreamMessage {
  const message: StreamMessage = { event: null, id: null, data: null };
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') message.event = value;
    else if (field === 'id') message.id = value;
    else if (field === 'data') message.data = message.data === null ? value : `${message.data}\n${value}`;
  }
  return message;
}

/** Retry-After in milliseconds (seconds or an HTTP date), null when absent or unreadable. */
function retryAfterMs(value: string | null): number | null {
  if (!value) return null;
  const ms = /^\d+$/.test(value.trim()) ? Number(value.trim()) * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : null;
}

/**
 * One connection to the event stream. `onEvent(id, data)` gets each event (a message with an id and data; data null: a
 * message with an id only, where a reconnect resumes) and returns true to stop. A message `event: shutdown` ends it.
 */
async function streamOnce(ctx: CommandContext, url: URL, lastEventId: string | null, onEvent: (id: string, data: string | null) => boolean): Promise<StreamOutcome> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: ctx.client.headers({ accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) }),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  } catch (error) {
    if (ctx.signal?.aborted) return { kind: 'done' };
    return { kind: 'unreachable', reason: redactUserinfo(causeOf(error)) };
  }
  if (response.status >= 400) {
    const text = await response.text().catch(() => '');
    const error = refusal('GET', `${url.pathname}${url.search}`, response, text);
    if (!RETRYABLE_STATUSES.has(response.status)) throw error;
    return { kind: 'unavailable', status: response.status, detail: problemText(response, text), error, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
  }
  if (!response.body) return { kind: 'closed' };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch {
      // The connection broke mid-stream: the server went away (stopped, restarted, or the network dropped), or Ctrl-C.
      return ctx.signal?.aborted ? { kind: 'done' } : { kind: 'closed' };
    }
    if (chunk.done) return ctx.signal?.aborted ? { kind: 'done' } : { kind: 'closed' };
    buffer += decoder.decode(chunk.value as Uint8Array, { stream: true }).replace(/\r\n?/g, '\n');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const message = parseMessage(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (message.event === 'shutdown') {
        await reader.cancel().catch(() => undefined);
        return { kind: 'shutdown', reason: shutdownReason(message.data) };
      }
      // Only a message with an id is an event (or, without data, the stream's start); others are notices.
      if (message.id === null || message.id === '') continue;
      if (onEvent(message.id, message.data)) {
        await reader.cancel().catch(() => undefined);
        return { kind: 'done' };
      }
    }
  }
}

/** The reason a shutdown notice gives (`{"reason": "…"}`), if any. */
function shutdownReason(data: string | null): string | null {
  try {
    const reason = (JSON.parse(data ?? 'null') as { reason?: unknown } | null)?.reason;
    return typeof reason === 'string' ? reason : null;
  } catch {
    return null;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

function describe(graph: GraphView, output: OutputOptions): string {
  const header = printable(`${graph.name} (${graph.project}): ${graph.status}, revision ${graph.revision}`) + (graph.placementFailure ? `\nplacement failed: ${printable(graph.placementFailure.detail)}` : '');
  const rows = graph.services.map((s) => ({
    service: s.name,
    status: s.status,
    cluster: s.cluster_affinity,
    error: s.error?.stderr.trim().split('\n').at(-1) ?? null,
    cpu: s.cpu,
    memory: s.memory,
    gpu: s.gpu,
    artifact: s.artifact_ref,
  }));
  const columns = ['service', 'status', 'cluster', 'error', ...(output.format === 'wide' ? ['cpu', 'memory', 'gpu', 'artifact'] : [])];
  return `${header}\n${table(rows, columns, output.headers)}`;
}
