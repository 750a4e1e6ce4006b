import type { SmoClient } from './client';
import { CliError } from './client';
import { table } from './output';

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

export async function projectionsCommand(client: SmoClient, args: string[], json: boolean, print: (line: string) => void, progress: (line: string) => void): Promise<void> {
  const [action, name] = args;
  if (action === 'list' || action === undefined) {
    const { body } = await client.request<ProjectionReport[]>('GET', '/admin/projections');
    print(json ? JSON.stringify(body, null, 2) : table(body as unknown as Record<string, unknown>[], ['name', 'state', 'processedPosition', 'lag', 'parkedEvents']));
    return;
  }
  if (action === 'rebuild') {
    if (!name) throw new CliError('usage: smo projections rebuild <name>');
    const path = `/admin/projections/${encodeURIComponent(name)}`;
    // The rebuild answers when done; meanwhile, show its progress.
    const done = client.request<RebuildResult>('POST', `${path}/rebuild`);
    let finished = false;
    void done.finally(() => (finished = true)).catch(() => undefined);
    while (!finished) {
      await Promise.race([done.catch(() => undefined), new Promise((r) => setTimeout(r, 500))]);
      if (finished) break;
      const { body } = await client.request<ProjectionReport>('GET', path).catch(() => ({ body: null }));
      if (body?.rebuild) progress(`rebuilding ${name}: ${body.rebuild.events} events, ${Math.round(body.rebuild.eventsPerSecond)} events/s`);
    }
    const { body } = await done;
    print(
      json
        ? JSON.stringify(body, null, 2)
        : `Rebuilt ${body.projection} into ${body.collection} (was ${body.previousCollection}): ${body.events} events in ${Math.round(body.elapsedMs)} ms, ${Math.round(body.eventsPerSecond)} events/s`,
    );
    return;
  }
  throw new CliError(`unknown projections action ${JSON.stringify(action)}; use list or rebuild <name>`);
}
