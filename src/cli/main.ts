#!/usr/bin/env node
import { CliError, SmoClient } from './client';
import { actionCommand, clustersCommand, deployCommand, getCommand, historyCommand, listCommand, placementsCommand, replayCommand, watchCommand } from './graphs.command';
import { planCommand } from './plan.command';
import { projectionsCommand } from './projections.command';

const USAGE = `usage: smo [--json] <command>

commands:
  deploy <file|artifact> [--project p]   deploy a descriptor (YAML/JSON file) or an HDAR artifact, follow it
  list [--project p]           graphs of a project (default project: default)
  get <graph> [--at <time|position>]    one graph, now or as it was
  stop|start|remove <graph>    lifecycle
  placement <graph>            re-place with the MILP
  history <graph> [--type A,B] the graph's events
  placements <graph>           placement decisions: when, why, algorithm, moves, result
  replay <graph> [--solver s] [--algorithm a] [--objective min-moves|fresh]   re-solve the recorded decisions
  watch [--graph g]            events as they happen
  clusters                     the cluster inventory
  health                       SMO's health report
  projections list             projections with position and lag
  projections rebuild <name>   blue/green rebuild, with progress and events/s
  plan <file>                  what-if placement (POST /placement/plan) from a JSON or YAML file

SMO_URL selects the server (default http://127.0.0.1:8000).`;

export async function run(argv: string[], env: Record<string, string | undefined>, print: (line: string) => void, progress: (line: string) => void): Promise<number> {
  const json = argv.includes('--json');
  const [command, ...rest] = argv.filter((arg) => arg !== '--json');
  const client = new SmoClient(env.SMO_URL ?? 'http://127.0.0.1:8000');
  try {
    switch (command) {
      case 'health': {
        const { body } = await client.request<Record<string, unknown>>('GET', '/health');
        print(json ? JSON.stringify(body, null, 2) : `status: ${String(body.status)}`);
        return 0;
      }
      case 'deploy':
        await deployCommand(client, rest, json, print, progress);
        return 0;
      case 'list':
        await listCommand(client, rest, json, print);
        return 0;
      case 'get':
        await getCommand(client, rest, json, print);
        return 0;
      case 'stop':
      case 'start':
      case 'remove':
      case 'placement':
        await actionCommand(client, command, rest, json, print);
        return 0;
      case 'history':
        await historyCommand(client, rest, json, print);
        return 0;
      case 'placements':
        await placementsCommand(client, rest, json, print);
        return 0;
      case 'replay':
        await replayCommand(client, rest, json, print);
        return 0;
      case 'clusters':
        await clustersCommand(client, json, print);
        return 0;
      case 'watch':
        await watchCommand(client, rest, json, print);
        return 0;
      case 'plan':
        await planCommand(client, rest, json, print);
        return 0;
      case 'projections':
        await projectionsCommand(client, rest, json, print, progress);
        return 0;
      case undefined:
      case 'help':
      case '--help':
        print(USAGE);
        return 0;
      default:
        throw new CliError(`unknown command ${JSON.stringify(command)}\n${USAGE}`);
    }
  } catch (error) {
    if (error instanceof CliError) {
      progress(`smo: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

if (require.main === module) {
  run(process.argv.slice(2), process.env, (line) => process.stdout.write(`${line}\n`), (line) => process.stderr.write(`${line}\n`)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`smo: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
