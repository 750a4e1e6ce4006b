#!/usr/bin/env node
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { CliError, SmoClient } from './client';
import { completionScript } from './completion';
import {
  actionCommand,
  clustersCommand,
  deployCommand,
  ensureGraphInProject,
  eventsCommand,
  getCommand,
  historyCommand,
  listCommand,
  placementsCommand,
  proposalDecisionCommand,
  proposalsCommand,
  replayCommand,
  watchCommand,
  type CommandContext,
  type DecisionPage,
} from './graphs.command';
import { INTENT_NAMES, type IntentName } from '../optimizer/intents';
import { analyticsCommand, ANALYTICS_REPORTS, healthCommand, nfvclCommand, PER_GRAPH_REPORTS } from './operations.command';
import { OUTPUT_FORMATS, printable, type OutputFormat } from './output';
import { planCommand } from './plan.command';
import { discardParked, listParked, listProcessors, retryParked } from './processors.command';
import { listProjections, rebuildProjection } from './projections.command';

const DEFAULT_SERVER = 'http://127.0.0.1:8000';
/** Exit codes: 0 done, 1 the command failed (SMO refused, a graph failed, the server went away), 2 wrong usage. */
const USAGE_ERROR = 2;

interface GlobalOptions {
  server?: string;
  token?: string;
  output: OutputFormat;
  json?: boolean;
  headers: boolean;
}

export interface RunOptions {
  /** Stops `watch` (tests; the command line stops it with Ctrl-C). */
  signal?: AbortSignal;
}

/**
 * The `smo` command line, parsed by commander: every command has -h/--help (which sends nothing), unknown options and
 * commands are usage errors (exit 2, with the usage), and output follows kubectl (`-o table|wide|json|yaml`, `--no-headers`).
 */
export function buildProgram(env: Record<string, string | undefined>, rawPrint: (line: string) => void, rawProgress: (line: string) => void, options: RunOptions = {}): Command {
  // Everything reaches the terminal through here: text from the server (warnings, helm's stderr, problem details, events)
  // must not carry escape sequences to it. Cells and single lines are made printable where they are built (output.ts).
  const print = (line: string) => rawPrint(printable(line, { layout: true }));
  const progress = (line: string) => rawProgress(printable(line, { layout: true }));
  const program = new Command('smo');
  program
    .description('Talk to a running SMO: deploy and follow HDAG graphs, audit their decisions, watch events, operate SMO.')
    .addOption(new Option('--server <url>', `SMO's URL (env SMO_URL, default ${DEFAULT_SERVER})`))
    .addOption(new Option('--token <token>', 'API token, sent as a bearer token (env SMO_TOKEN)'))
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table'))
    .option('--json', 'the same as -o json')
    .option('--no-headers', 'tables without their header line')
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (text) => print(text.replace(/\n$/, '')), writeErr: (text) => progress(text.replace(/\n$/, '')) });

  /** The context of a command's action, from the global options (given before or after the command). */
  const context = (command: Command): CommandContext => {
    const global = command.optsWithGlobals<GlobalOptions>();
    const server = global.server ?? env.SMO_URL ?? DEFAULT_SERVER;
    const token = global.token ?? env.SMO_TOKEN;
    return {
      client: new SmoClient(server, token || undefined, global.server !== undefined ? 'option' : env.SMO_URL !== undefined ? 'env' : 'default'),
      output: { format: global.json ? 'json' : global.output, headers: global.headers },
      print,
      progress,
      ...(options.signal ? { signal: options.signal } : {}),
    };
  };
  const projectOption = () => new Option('-p, --project <project>', 'the project (a Kubernetes namespace)').default('default');
  /** On a command about one graph: the graph's project, checked (graph names are unique across projects). */
  const graphProjectOption = () => new Option('-p, --project <project>', 'fail, changing nothing, unless the graph is in this project');
  /** A command about one graph, whose graph is first checked to be in the project `-p` names (get checks its own answer). */
  const aboutGraph =
    <O extends { project?: string }>(act: (ctx: CommandContext, graph: string, opts: O) => Promise<void>) =>
    async (graph: string, opts: O, command: Command): Promise<void> => {
      const ctx = context(command);
      await ensureGraphInProject(ctx, graph, opts.project);
      return act(ctx, graph, opts);
    };
  const decisionLimitOption = () => new Option('--limit <n>', 'at most this many decisions, the latest (1–1000, default 100)').argParser(integerIn(1, 1000));
  const decisionsBeforeOption = () => new Option('--before <revision>', "only decisions recorded below this revision of the graph's stream").argParser(revision);

  program
    .command('deploy')
    .description('deploy a descriptor (YAML/JSON file) or an HDAR artifact (http://, https://, oci://) and follow it until it settles')
    .argument('<source>', 'descriptor file or artifact reference')
    .addOption(projectOption())
    .option('--dry-run', 'ask SMO what would happen (validation, placement on the current inventory, Helm values); nothing is recorded')
    .option('--no-wait', 'answer once SMO has recorded the graph')
    .action((source: string, opts: { project: string; dryRun?: boolean; wait: boolean }, command: Command) => deployCommand(context(command), source, opts));

  program
    .command('list')
    .alias('ls')
    .description('graphs of a project, or of all projects with -A')
    .addOption(projectOption())
    .option('-A, --all-projects', 'graphs of every project')
    .action((opts: { project: string; allProjects?: boolean }, command: Command) => listCommand(context(command), opts));

  program
    .command('get')
    .description('one graph: status, services, clusters, failures (its warnings on stderr)')
    .argument('<graph>')
    .option('--at <time|position>', 'the graph as it was at an ISO time or event position')
    .addOption(graphProjectOption())
    .action((graph: string, opts: { at?: string; project?: string }, command: Command) => getCommand(context(command), graph, opts));

  for (const [action, description] of [
    ['stop', 'stop a graph: uninstall its services'],
    ['start', 'start a stopped graph: reinstall what stop removed'],
    ['remove', 'remove a graph: uninstall everything, delete its dashboards'],
    ['retry', 'retry the failed installs, upgrades and dashboards of a graph'],
  ] as const) {
    program
      .command(action)
      .description(description)
      .argument('<graph>')
      .addOption(graphProjectOption())
      .action(aboutGraph((ctx, graph) => actionCommand(ctx, action, graph)));
  }

  program
    .command('placement')
    .description('re-place a graph with the MILP (or propose the moves for approval)')
    .argument('<graph>')
    .option('--propose', 'record a proposal to approve instead of moving')
    .addOption(new Option('--max-moves <n>', 'at most this many services may move').argParser(wholeNumber))
    .addOption(graphProjectOption())
    .action(
      aboutGraph((ctx, graph, opts: { propose?: boolean; maxMoves?: number; project?: string }) => {
        const query = new URLSearchParams({ ...(opts.propose ? { mode: 'propose' } : {}), ...(opts.maxMoves !== undefined ? { maxMoves: String(opts.maxMoves) } : {}) }).toString();
        return actionCommand(ctx, 'placement', graph, query ? `?${query}` : '');
      }),
    );

  program
    .command('proposals')
    .description("a graph's placement proposals: who would move where, and why")
    .argument('<graph>')
    .addOption(graphProjectOption())
    .action(aboutGraph((ctx, graph) => proposalsCommand(ctx, graph)));
  for (const decision of ['approve', 'reject'] as const) {
    program
      .command(decision)
      .description(`${decision} a placement proposal`)
      .argument('<graph>')
      .argument('<proposal>', 'the proposal id (smo proposals <graph>)')
      .addOption(graphProjectOption())
      .action(async (graph: string, proposal: string, opts: { project?: string }, command: Command) => {
        const ctx = context(command);
        await ensureGraphInProject(ctx, graph, opts.project);
        return proposalDecisionCommand(ctx, decision, graph, proposal);
      });
  }

  program
    .command('history')
    .description("a graph's events, with the service each one is about")
    .argument('<graph>')
    .option('--type <types>', 'only these event types, comma-separated')
    .addOption(graphProjectOption())
    .action(aboutGraph((ctx, graph, opts: { type?: string; project?: string }) => historyCommand(ctx, graph, opts)));

  program
    .command('events')
    .description('the whole story of one request: every event with its correlation id')
    .requiredOption('--correlation-id <id>', 'the X-Correlation-Id (or traceparent trace id) of the request')
    .action((opts: { correlationId: string }, command: Command) => eventsCommand(context(command), opts.correlationId));

  program
    .command('placements')
    .description('placement decisions of a graph: when, why, algorithm, moves, result (the latest; older ones with --before)')
    .argument('<graph>')
    .addOption(decisionLimitOption())
    .addOption(decisionsBeforeOption())
    .addOption(graphProjectOption())
    .action(aboutGraph((ctx, graph, { limit, before }: DecisionPage & { project?: string }) => placementsCommand(ctx, graph, { limit, before })));

  program
    .command('replay')
    .description('re-solve the recorded placement decisions under other choices; nothing is recorded')
    .argument('<graph>')
    .addOption(new Option('--solver <solver>').choices(['highs', 'glpk']))
    .addOption(new Option('--algorithm <algorithm>').choices(['milp', 'naive']))
    .addOption(new Option('--objective <objective>').choices(['min-moves', 'fresh']))
    .addOption(new Option('--intent <name=on|off>', `switch an intent against the recorded ones (repeatable): ${INTENT_NAMES.join(', ')}`).argParser(intentSwitch))
    .addOption(decisionLimitOption())
    .addOption(decisionsBeforeOption())
    .addOption(graphProjectOption())
    .action(
      aboutGraph((ctx, graph, opts: DecisionPage & { solver?: string; algorithm?: string; objective?: string; intent?: Partial<Record<IntentName, boolean>>; project?: string }) => {
        const { intent, limit, before, project: _project, ...rest } = opts;
        return replayCommand(ctx, graph, { ...rest, ...(intent ? { intents: intent } : {}) }, { limit, before });
      }),
    );

  program
    .command('plan')
    .description('what-if placement: a plan request ({clusters, services}, e.g. a decision\'s inputs) or an HDAG descriptor against the current inventory')
    .argument('<file>', 'JSON or YAML file')
    .addOption(projectOption())
    .action((file: string, opts: { project: string }, command: Command) => planCommand(context(command), file, opts));

  program
    .command('watch')
    .description('events as they happen; fails when the server goes away unless --reconnect')
    .option('--graph <graph>', 'only this graph')
    .option('--reconnect', 'when the server goes away, reconnect and resume after the last event seen (Last-Event-ID)')
    .action((opts: { graph?: string; reconnect?: boolean }, command: Command) => watchCommand(context(command), opts));

  const clusters = program.command('clusters').description('the cluster inventory');
  clusters
    .command('list', { isDefault: true })
    .description('the clusters SMO places on (the default)')
    .action((_opts: unknown, command: Command) => clustersCommand(context(command), 'list'));
  clusters
    .command('sync')
    .description('read the inventory now, then list it')
    .action((_opts: unknown, command: Command) => clustersCommand(context(command), 'sync'));

  program
    .command('health')
    .description("SMO's health: stores, processors (lag, parked events), cluster sync, scaling, integrations")
    .action((_opts: unknown, command: Command) => healthCommand(context(command)));

  program
    .command('analytics')
    .description('analytics read models')
    .addArgument(new Argument('<report>').choices(ANALYTICS_REPORTS))
    .addArgument(new Argument('[graph]', `the graph, for ${PER_GRAPH_REPORTS.join(', ')} (and only there)`))
    .action((report: (typeof ANALYTICS_REPORTS)[number], graph: string | undefined, _opts: unknown, command: Command) => {
      if (PER_GRAPH_REPORTS.includes(report) !== (graph !== undefined)) {
        command.error(graph === undefined ? `smo analytics ${report} needs a graph: smo analytics ${report} <graph>` : `smo analytics ${report} takes no graph`, { exitCode: 2 });
      }
      return analyticsCommand(context(command), report, graph);
    });

  for (const resource of ['vims', 'os-k8s'] as const) {
    const what = resource === 'vims' ? 'VIM' : 'OpenStack Kubernetes cluster';
    const group = program.command(resource).description(`NFVCL: ${what}s`);
    group
      .command('list', { isDefault: true })
      .description(`the ${what}s (the default)`)
      .option('--pop-area <n>', 'only this area')
      .action((opts: { popArea?: string }, command: Command) => nfvclCommand(context(command), resource, 'list', opts));
    group
      .command('get')
      .argument('<id>')
      .description(`one ${what}`)
      .action((id: string, _opts: unknown, command: Command) => nfvclCommand(context(command), resource, 'get', { id }));
    group
      .command('create')
      .description(resource === 'vims' ? 'register a VIM (JSON/YAML file, see the API docs)' : 'ask NFVCL for a cluster (JSON/YAML file: {pop_area, vim_name})')
      .requiredOption('-f, --file <file>', 'the request body')
      .action((opts: { file: string }, command: Command) => nfvclCommand(context(command), resource, 'create', opts));
    group
      .command('delete')
      .argument('<id>')
      .description(`remove a ${what}`)
      .action((id: string, _opts: unknown, command: Command) => nfvclCommand(context(command), resource, 'delete', { id }));
    group
      .command('sync')
      .description(`bring SMO's ${what}s in line with NFVCL`)
      .option('--pop-area <n>', 'only this area')
      .action((opts: { popArea?: string }, command: Command) => nfvclCommand(context(command), resource, 'sync', opts));
    if (resource === 'os-k8s') {
      group
        .command('scale-out')
        .argument('<id>')
        .description('add workers to a provisioned cluster')
        .addOption(new Option('--workers <n>', 'how many (1–1000, default 1)').argParser(integerIn(1, 1000)))
        .action((id: string, opts: { workers?: number }, command: Command) => nfvclCommand(context(command), resource, 'scale-out', { id, ...opts }));
    }
  }

  const projections = program.command('projections').description('read models: position, lag, blue/green rebuilds');
  projections
    .command('list', { isDefault: true })
    .description('projections with position and lag (the default)')
    .action((_opts: unknown, command: Command) => listProjections(context(command)));
  projections
    .command('rebuild')
    .argument('<name>')
    .description('blue/green rebuild, with progress and events/s')
    .action((name: string, _opts: unknown, command: Command) => rebuildProjection(context(command), name));

  const processors = program.command('processors').description('durable processors: position, lag, parked events, retry and discard');
  processors
    .command('list', { isDefault: true })
    .description('processors with position, lag, state and unresolved parked events (the default)')
    .action((_opts: unknown, command: Command) => listProcessors(context(command)));
  processors
    .command('parked')
    .argument('<name>')
    .description("a processor's unresolved parked events, oldest first")
    .addOption(new Option('--limit <n>', 'at most this many (1–1000, default 100)').argParser(integerIn(1, 1000)))
    .addOption(new Option('--after <position>', 'only those after this position of $all').argParser(position))
    .action((name: string, opts: { limit?: number; after?: number }, command: Command) => listParked(context(command), name, opts));
  processors
    .command('retry')
    .argument('<name>')
    .description('handle its parked events again (exit 1 when one fails again; it stays parked)')
    .option('--event <id>', 'only this parked event')
    .action((name: string, opts: { event?: string }, command: Command) => retryParked(context(command), name, opts));
  processors
    .command('discard')
    .argument('<name>')
    .argument('<event-id>')
    .description('resolve a parked event without handling it (one that can never succeed)')
    .option('--reason <text>', 'why, recorded with the resolution')
    .action((name: string, eventId: string, opts: { reason?: string }, command: Command) => discardParked(context(command), name, eventId, opts));

  program
    .command('completion')
    .description('print a shell completion script: source <(smo completion bash)')
    .addArgument(new Argument('<shell>').choices(['bash', 'zsh']))
    .action((shell: 'bash' | 'zsh') => print(completionScript(program, shell)));

  return program;
}

/** Runs one command line; answers the exit code. `print` is stdout (results), `progress` stderr (progress, warnings, errors). */
export async function run(argv: string[], env: Record<string, string | undefined>, print: (line: string) => void, progress: (line: string) => void, options: RunOptions = {}): Promise<number> {
  const program = buildProgram(env, print, progress, options);
  if (argv.length === 0) {
    print(program.helpInformation().replace(/\n$/, ''));
    return 0;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : USAGE_ERROR;
    if (error instanceof CliError) {
      progress(printable(`smo: ${error.message}`, { layout: true }));
      return 1;
    }
    throw error;
  }
}

/** `--intent energyEfficiency=off`, repeatable: the switches so far, plus this one. */
function intentSwitch(value: string, previous: Partial<Record<IntentName, boolean>> | undefined): Partial<Record<IntentName, boolean>> {
  const match = /^([A-Za-z]+)=(on|off)$/.exec(value.trim());
  const name = INTENT_NAMES.find((intent) => intent === match?.[1]);
  if (!match || name === undefined) throw new InvalidArgumentError(`expected <name>=on|off with name one of ${INTENT_NAMES.join(', ')}`);
  return { ...previous, [name]: match[2] === 'on' };
}

/** A stream revision: a whole number, however long the history. */
function revision(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new InvalidArgumentError('must be a revision (a whole number)');
  return Number(value);
}

/** A position in $all: a whole number. */
function position(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new InvalidArgumentError('must be a position (a whole number)');
  return Number(value);
}

function wholeNumber(value: string): number {
  if (!/^\d{1,4}$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
}

/** A whole number from `min` to `max` (a usage error otherwise, before anything is sent). */
function integerIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = /^\d{1,7}$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
    if (!(n >= min && n <= max)) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    return n;
  };
}

/**
 * Ends the process with `code` once stdout and stderr have written everything queued: on a pipe their writes are
 * asynchronous, and process.exit right away dropped what the reader had not taken yet (`smo list -o json | jq` cut
 * short, exit 0). An empty write's callback runs once the writes before it are done (or failed: a closed pipe).
 */
function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const flushed = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', flushed);
  process.stderr.write('', flushed);
}

if (require.main === module) {
  // A reader that stops early (`smo watch | head -1`) closes the pipe: smo ends there (with the exit code set so far,
  // else 0), rather than crashing on EPIPE. A closed stderr only loses the messages.
  process.stdout.on('error', () => process.exit());
  process.stderr.on('error', () => undefined);
  run(process.argv.slice(2), process.env, (line) => process.stdout.write(`${line}\n`), (line) => process.stderr.write(`${line}\n`)).then(exitWhenFlushed, (error: unknown) => {
    process.stderr.write(`${printable(`smo: ${error instanceof Error ? error.message : String(error)}`, { layout: true })}\n`);
    exitWhenFlushed(1);
  });
}
