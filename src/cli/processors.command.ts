import { CliError } from './client';
import type { CommandContext } from './graphs.command';
import { machineReadable, render } from './output';
import type { ParkedEntry } from '../processing/parking';

interface ProcessorReport {
  name: string;
  state: string;
  processedPosition: number;
  lag: number;
  parkedEvents: number;
  lastError?: string;
}

/** A parked event as the admin API answers it (the server's own type: one definition). */
type ParkedEvent = ParkedEntry;

interface ParkedPage {
  processor: string;
  total: number;
  events: ParkedEvent[];
  next: string | null;
}

interface RetryReport {
  processor: string;
  handled: number;
  failed: number;
  unresolved: number;
  results: Array<{ eventId: string; eventType: string; streamId: string; position: number; outcome: string; attempts: number; error?: string }>;
}

interface DiscardAnswer {
  processor: string;
  resolution: string;
  by: string;
  reason?: string;
  event: ParkedEvent;
}

const path = (name: string) => `/admin/processors/${encodeURIComponent(name)}`;

/** `smo processors [list]`: every processor with its position, lag, state and unresolved parked events. */
export async function listProcessors(ctx: CommandContext): Promise<void> {
  const { body } = await ctx.client.request<ProcessorReport[]>('GET', '/admin/processors');
  ctx.print(render(body, body as unknown as Record<string, unknown>[], { table: ['name', 'state', 'processedPosition', 'lag', 'parkedEvents'], wide: ['lastError'] }, ctx.output));
}

/** `smo processors parked NAME`: a page of its unresolved parked events, oldest first. */
export async function listParked(ctx: CommandContext, name: string, options: { limit?: number; after?: number }): Promise<void> {
  const query = new URLSearchParams();
  if (options.limit !== undefined) query.set('limit', String(options.limit));
  if (options.after !== undefined) query.set('after', String(options.after));
  const { body } = await ctx.client.request<ParkedPage>('GET', `${path(name)}/parked${query.size > 0 ? `?${query}` : ''}`);
  ctx.print(
    render(body, body.events as unknown as Record<string, unknown>[], { table: ['eventId', 'eventType', 'streamId', 'position', 'attempts', 'error'], wide: ['parkedAt', 'lastRetryAt'] }, ctx.output),
  );
  if (body.next && body.events.length > 0) ctx.progress(`${body.events.length} of ${body.total} parked events; the next ones: smo processors parked ${name} --after ${body.events.at(-1)!.position}`);
}

/** `smo processors retry NAME [--event ID]`: handles the parked events again; exit 1 when one failed again. */
export async function retryParked(ctx: CommandContext, name: string, options: { event?: string }): Promise<void> {
  const query = options.event !== undefined ? `?eventId=${encodeURIComponent(options.event)}` : '';
  const { body } = await ctx.client.request<RetryReport>('POST', `${path(name)}/parked/retry${query}`);
  const shown = machineReadable(body, ctx.output);
  if (shown !== null) ctx.print(shown);
  else if (body.results.length === 0) ctx.print(`${name}: no parked event to retry`);
  else {
    ctx.print(render(body, body.results as unknown as Record<string, unknown>[], { table: ['eventId', 'eventType', 'streamId', 'position', 'outcome', 'attempts', 'error'] }, ctx.output));
    ctx.print(`${name}: ${body.handled} handled, ${body.failed} failed again, ${body.unresolved} still parked`);
  }
  if (body.failed > 0) throw new CliError(`${body.failed} parked event${body.failed === 1 ? '' : 's'} of ${name} failed again (still parked)`);
}

/** `smo processors discard NAME EVENT_ID [--reason TEXT]`: resolves a parked event without handling it. */
export async function discardParked(ctx: CommandContext, name: string, eventId: string, options: { reason?: string }): Promise<void> {
  const query = options.reason ? `?reason=${encodeURIComponent(options.reason)}` : '';
  const { body } = await ctx.client.request<DiscardAnswer>('POST', `${path(name)}/parked/${encodeURIComponent(eventId)}/discard${query}`);
  ctx.print(machineReadable(body, ctx.output) ?? `Discarded ${body.event.eventType} ${body.event.eventId} (${body.event.streamId}, position ${body.event.position}) of ${name}; it will not be handled`);
}
