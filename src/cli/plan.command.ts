import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CliError, type SmoClient } from './client';
import { table } from './output';

interface PlanAnswer {
  placement: Record<string, string>;
  moves: number;
  solver: string;
  solveMs: number;
  utilisation: Record<string, { cpu: number; memory: number | null; gpu: number | null }>;
  explanation: string[];
}

/** `smo plan <file>`: a what-if placement from a JSON or YAML request file. */
export async function planCommand(client: SmoClient, args: string[], json: boolean, print: (line: string) => void): Promise<void> {
  const [file] = args;
  if (!file) throw new CliError('usage: smo plan <request.json|yaml>');
  let request: unknown;
  try {
    request = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { body } = await client.request<PlanAnswer>('POST', '/placement/plan', { body: request });
  if (json) return print(JSON.stringify(body, null, 2));
  print(table(Object.entries(body.placement).map(([service, cluster]) => ({ service, cluster })), ['service', 'cluster']));
  print(`\n${body.moves} move(s), solver ${body.solver}, ${body.solveMs} ms`);
  print(table(Object.entries(body.utilisation).map(([cluster, u]) => ({ cluster, cpu: pct(u.cpu), memory: pct(u.memory), gpu: pct(u.gpu) })), ['cluster', 'cpu', 'memory', 'gpu']));
  body.explanation.forEach((line) => print(`- ${line}`));
}

function pct(value: number | null): string {
  return value === null ? '-' : `${Math.round(value * 100)}%`;
}
