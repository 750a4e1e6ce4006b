import type { CommandContext } from './graphs.command';
import { sleep } from '../shared/retry';
import { machineReadable, render } from './output';

interface ProjectionReport {
  name: string;
  state: string;
  processedPosition: number;
  lag: number;
  parkedEvents: number;
  rebuild?: { events: number; head: number; position: number; eventsPerSecond: number };
}

interface RebuildResult {
  projection: string;
  collection: string;
  previousCollection: string;
  events: number;
  elapsedMs: number;
  eventsPerSecond: number;
}

export async function listProjections(ctx: CommandContext): Promise<void> {
  const { body } = await ctx.client.request<ProjectionReport[]>('GET', '/admin/projections');
  ctx.print(render(body, body as unknown as Record<string, unknown>[], { table: ['name', 'state', 'processedPosition', 'lag', 'parkedEvents'] }, ctx.output));
}

/** A blue/green rebuild; it answers when done, and meanwhile its progress is shown. */
export async function rebuildProjection(ctx: CommandContext, name: string): Promise<void> {
  const path = `/admin/projections/${encodeURIComponent(name)}`;
  const done = ctx.client.request<RebuildResult>('POST', `${path}/rebuild`);
  // Ends the wait between two progress reads as soon as the rebuild answers (its timer with it).
  const answered = new AbortController();
  let finished = false;
  void done.finally(() => ((finished = true), answered.abort())).catch(() => undefined);
  while (!finished) {
    await sleep(500, answered.signal);
    if (finished) break;
    const { body } = await ctx.client.request<ProjectionReport>('GET', path).catch(() => ({ body: null }));
    if (body?.rebuild) ctx.progress(`rebuilding ${name}: ${body.rebuild.events} events, ${Math.round(body.rebuild.eventsPerSecond)} events/s`);
  }
  const { body } = await done;
  ctx.print(
    machineReadable(body, ctx.output) ??
      `Rebuilt ${body.projection} into ${body.collection} (was ${body.previousCollection}): ${body.events} events in ${Math.round(body.elapsedMs)} ms, ${Math.round(body.eventsPerSecond)} events/s`,
  );
}
