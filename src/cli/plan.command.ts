import { parse } from 'yaml';
import { CliError } from './client';
import { descriptorRequest, printWarnings, readInputFile, type CommandContext, type DryRunAnswer } from './graphs.command';
import { machineReadable, table } from './output';

interface PlanAnswer {
  placement: Record<string, string>;
  moves: number;
  solver: string;
  solveMs: number;
  utilisation: Record<string, { cpu: number; memory: number | null; gpu: number | null }>;
  explanation: string[];
}

/**
 * `smo plan <file>`: a what-if placement. A plan request (`{clusters, services, …}`, e.g. a recorded decision's
 * `inputs`) goes to POST /placement/plan; an HDAG descriptor is planned against the current inventory by the
 * server's dry run (POST /project/{p}/graphs?dryRun=true), which records nothing.
 */
export async function planCommand(ctx: CommandContext, file: string, options: { project: string }): Promise<void> {
  const text = readInputFile(file, 'a plan request or descriptor file');
  let request: unknown;
  try {
    request = parse(text);
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isPlanRequest(request)) return planDescriptor(ctx, file, options.project);
  const { body } = await ctx.client.request<PlanAnswer>('POST', '/placement/plan', { body: request });
  const raw = machineReadable(body, ctx.output);
  if (raw !== null) return ctx.print(raw);
  ctx.print(table(Object.entries(body.placement).map(([service, cluster]) => ({ service, cluster })), ['service', 'cluster'], ctx.output.headers));
  ctx.print(`\n${body.moves} move(s), solver ${body.solver}, ${body.solveMs} ms`);
  ctx.print(table(Object.entries(body.utilisation).map(([cluster, u]) => ({ cluster, cpu: pct(u.cpu), memory: pct(u.memory), gpu: pct(u.gpu) })), ['cluster', 'cpu', 'memory', 'gpu'], ctx.output.headers));
  body.explanation.forEach((line) => ctx.print(`- ${line}`));
}

async function planDescriptor(ctx: CommandContext, file: string, project: string): Promise<void> {
  const { body } = await ctx.client.request<DryRunAnswer>('POST', `/project/${encodeURIComponent(project)}/graphs?dryRun=true`, descriptorRequest(file));
  const raw = machineReadable(body, ctx.output);
  if (raw !== null) return ctx.print(raw);
  if (!body.placement.feasible) throw new CliError(`${body.graph} cannot be placed on the current inventory: ${body.placement.detail ?? ''}`);
  ctx.print(table(body.services.map((s) => ({ service: s.name, cluster: s.cluster })), ['service', 'cluster'], ctx.output.headers));
  ctx.print(`\n${body.placement.algorithm} placement of ${body.graph} on the current inventory; nothing recorded`);
  printWarnings(ctx, body.warnings);
}

function isPlanRequest(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'clusters' in value && 'services' in value && !('hdaGraph' in value);
}

function pct(value: number | null): string {
  return value === null ? '-' : `${Math.round(value * 100)}%`;
}
