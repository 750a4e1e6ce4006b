import { execFile, execFileSync } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { run } from '../../src/cli/main';
import { startApp, type RunningApp } from '../support/app';
import { descriptorText } from '../support/graph-fixtures';
import { karmadaCluster } from '../fakes/kubernetes/fake-kube-api';
import { startRig, TWO_CLUSTERS, type OrchestratorRig } from '../support/orchestrator-rig';
import { eventually } from '../support/smo-process';

const OPERATE = 'cli-operate-token-0123456789';
const DESCRIPTOR = join(__dirname, '../fixtures/descriptors/brussels-demo.upstream.hdag.yaml');
const GRAPH = 'image-detection-graph';

/** Runs `smo` in-process as a user would from a shell: stdout and stderr lines, and the exit code. */
async function smo(env: Record<string, string>, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, env, (line) => out.push(line), (line) => err.push(line));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('smo: usage errors and help send nothing', () => {
  let server: Server;
  let url: string;
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      requests.push(`${request.method} ${request.url}`);
      response.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('every command answers -h/--help with its usage and exit 0', async () => {
    for (const argv of [['-h'], ['--help'], ['deploy', '--help'], ['get', '--help'], ['watch', '--help'], ['list', '-h'], ['projections', 'rebuild', '-h'], ['vims', 'create', '--help']]) {
      const result = await smo({ SMO_URL: url }, ...argv);
      expect(result.code).toBe(0);
      expect(result.out).toMatch(/^Usage: smo/);
    }
    expect((await smo({ SMO_URL: url }, 'deploy', '--help')).out).toMatch(/--dry-run[\s\S]*Global Options:[\s\S]*--token/);
    expect(requests).toEqual([]);
  });

  it('unknown options, commands, formats and missing arguments exit 2 with the usage', async () => {
    const unknownFlag = await smo({ SMO_URL: url }, 'list', '--projct', 'x');
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.err).toMatch(/unknown option '--projct'[\s\S]*Did you mean --project\?[\s\S]*Usage: smo list/);
    expect(unknownFlag.out).toBe('');
    const unknownCommand = await smo({ SMO_URL: url }, 'lisst');
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.err).toMatch(/unknown command 'lisst'/);
    const badFormat = await smo({ SMO_URL: url }, 'list', '-o', 'xml');
    expect(badFormat.code).toBe(2);
    expect(badFormat.err).toMatch(/Allowed choices are table, wide, json, yaml/);
    expect((await smo({ SMO_URL: url }, 'get')).code).toBe(2);
    expect((await smo({ SMO_URL: url }, 'events')).err).toMatch(/required option '--correlation-id <id>' not specified/);
    expect((await smo({ SMO_URL: url }, 'placement', 'g', '--max-moves', 'many')).code).toBe(2);
    expect(requests).toEqual([]);
  });

  it('numbers out of range are usage errors, not requests for the server default', async () => {
    // `--workers 0` sent {} (NFVCL's default: one more worker) and exited 0.
    for (const argv of [
      ['os-k8s', 'scale-out', 'c1', '--workers', '0'],
      ['os-k8s', 'scale-out', 'c1', '--workers', '-1'],
      ['os-k8s', 'scale-out', 'c1', '--workers', '1.5'],
      ['placements', 'g1', '--limit', '0'],
      ['placements', 'g1', '--limit', '1001'],
      ['replay', 'g1', '--limit', '0'],
    ]) {
      const result = await smo({ SMO_URL: url }, ...argv);
      expect({ argv, code: result.code }).toEqual({ argv, code: 2 });
      expect(result.err).toMatch(/must be a whole number from 1 to 1000/);
    }
    expect(requests).toEqual([]);
  });

  it('a missing descriptor file is named as missing, without asking the server', async () => {
    const result = await smo({ SMO_URL: url }, 'deploy', 'no-such-file.yaml');
    expect(result.code).toBe(1);
    expect(result.err).toBe('smo: file no-such-file.yaml does not exist (an HDAR artifact reference starts with http://, https:// or oci://)');
    expect((await smo({ SMO_URL: url }, 'plan', 'no-such-plan.yaml')).err).toBe('smo: file no-such-plan.yaml does not exist');
    expect(requests).toEqual([]);
  });

  it('a directory given as a file is named as a directory, without asking the server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smo-dir-'));
    // It printed the raw `smo: EISDIR: illegal operation on a directory, read`.
    expect(await smo({ SMO_URL: url }, 'deploy', dir)).toEqual({ code: 1, out: '', err: `smo: ${dir} is a directory, not a descriptor file` });
    expect((await smo({ SMO_URL: url }, 'plan', dir)).err).toBe(`smo: ${dir} is a directory, not a plan request or descriptor file`);
    expect((await smo({ SMO_URL: url }, 'vims', 'create', '-f', dir)).err).toBe(`smo: ${dir} is a directory, not a JSON or YAML file`);
    expect(requests).toEqual([]);
  });

  it('`smo completion bash` generates a script bash accepts and that completes commands, subcommands and -o values', async () => {
    const result = await smo({}, 'completion', 'bash');
    expect(result.code).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'smo-completion-'));
    writeFileSync(join(dir, 'smo.bash'), result.out);
    const complete = (line: string) =>
      execFileSync('bash', ['-c', `source ${dir}/smo.bash; COMP_WORDS=(${line}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _smo_complete; echo "\${COMPREPLY[*]}"`], { encoding: 'utf8' }).trim().split(' ');
    expect(complete('smo de')).toEqual(['deploy']);
    expect(complete("smo projections ''")).toEqual(expect.arrayContaining(['list', 'rebuild']));
    expect(complete("smo list -o ''")).toEqual(['table', 'wide', 'json', 'yaml']);
    expect(complete("smo deploy --dr")).toEqual(['--dry-run']);
    // A descriptor whose name has a space is one word (the unquoted $(compgen -f) split it into 'my' and 'graph.yaml').
    const work = join(dir, 'work');
    mkdirSync(work);
    writeFileSync(join(work, 'my graph.yaml'), 'hdaGraph: {}\n');
    const files = execFileSync('bash', ['-c', `cd '${work}'; source ../smo.bash; COMP_WORDS=(smo deploy my); COMP_CWORD=2; _smo_complete; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
    expect(files.split('\n').filter(Boolean)).toEqual(['my graph.yaml']);
    expect(result.out).toMatch(/^complete -o filenames -F _smo_complete smo$/m);
    const zsh = await smo({}, 'completion', 'zsh');
    expect(zsh.out).toMatch(/^#compdef smo\nautoload -U \+X bashcompinit && bashcompinit\n/);
    expect((await smo({}, 'completion', 'fish')).code).toBe(2);
  });
});

describe('smo against a running SMO with API tokens', () => {
  let app: RunningApp;
  let env: Record<string, string>;
  /** The simulated inventory, a copy a test may edit (SMO reads it again at every listing). */
  const clustersFile = join(mkdtempSync(join(tmpdir(), 'smo-cli-clusters-')), 'clusters.yaml');

  beforeAll(async () => {
    copyFileSync(join(__dirname, '../../config/simulated-clusters.yaml'), clustersFile);
    app = await startApp({ SMO_API_TOKENS: `${OPERATE}:operate`, SMO_DEPLOY_WAIT: '10', SMO_SIMULATED_CLUSTERS: clustersFile });
    env = { SMO_URL: app.url, SMO_TOKEN: OPERATE };
  });
  afterAll(async () => app.close());
  /** The demo graph: deployed by the deploy test on a full run, else here (a test run alone with -t). */
  async function demoGraphDeployed(): Promise<void> {
    if ((await fetch(`${app.url}/graphs/${GRAPH}`, { headers: { authorization: `Bearer ${OPERATE}` } })).status === 200) return;
    expect((await smo(env, 'deploy', DESCRIPTOR, '--project', 'demo')).code).toBe(0);
  }

  it('sends the token from SMO_TOKEN or --token, and says what to do without one', async () => {
    const without = await smo({ SMO_URL: app.url }, 'list');
    expect(without.code).toBe(1);
    expect(without.err).toMatch(/failed with 401[\s\S]*--token or SMO_TOKEN/);
    expect((await smo({}, '--server', app.url, '--token', OPERATE, 'list')).code).toBe(0);
    expect((await smo(env, 'list', '-p', 'nowhere')).out).toBe('No graphs found in project nowhere.');
  });

  it('deploys into two projects; list, list -A, -o json|yaml|wide and --no-headers', async () => {
    expect((await smo(env, 'deploy', DESCRIPTOR, '--project', 'demo')).code).toBe(0);
    const other = join(mkdtempSync(join(tmpdir(), 'smo-cli-')), 'other.yaml');
    writeFileSync(other, readFileSync(DESCRIPTOR, 'utf8').replaceAll(`id: ${GRAPH}`, 'id: other-graph').replaceAll('noise-reduction', 'nr2').replaceAll('image-detection', 'id2').replaceAll('image-compression-vo', 'vo2'));
    const second = await smo(env, 'deploy', other, '-p', 'team-b', '-o', 'json');
    expect(second.code).toBe(0);
    expect(JSON.parse(second.out)).toMatchObject({ name: 'other-graph', project: 'team-b' });

    const list = await smo(env, 'list', '-p', 'demo');
    expect(list.out.split('\n')).toEqual([expect.stringMatching(/^NAME\s+STATUS\s+SERVICES\s+REVISION$/), expect.stringMatching(new RegExp(`^${GRAPH}\\s+Running\\s+3\\s+\\d+$`))]);
    const all = await smo(env, 'list', '-A', '-o', 'yaml');
    expect((parse(all.out) as Array<{ name: string; project: string }>).map((g) => [g.project, g.name])).toEqual([
      ['demo', GRAPH],
      ['team-b', 'other-graph'],
    ]);
    const noHeaders = await smo(env, 'ls', '-A', '--no-headers');
    expect(noHeaders.out.split('\n')).toEqual([expect.stringMatching(new RegExp(`^demo\\s+${GRAPH}\\s+Running`)), expect.stringMatching(/^team-b\s+other-graph\s+Running/)]);
    const wide = await smo(env, 'list', '-p', 'demo', '-o', 'wide');
    expect(wide.out).toMatch(/PLACEMENT\n.*noise-reduction→cluster-a/);
    expect(JSON.parse((await smo(env, '--json', 'get', GRAPH)).out)).toMatchObject({ name: GRAPH, status: 'Running' });
    expect(parse((await smo(env, 'get', GRAPH, '-o', 'yaml')).out)).toMatchObject({ name: GRAPH, project: 'demo' });
  });

  it('-p on a command about one graph checks its project: another project fails with exit 1 and changes nothing', async () => {
    await demoGraphDeployed();
    const before = JSON.parse((await smo(env, 'get', GRAPH, '-o', 'json')).out) as { revision: number; status: string };
    for (const argv of [
      ['get', GRAPH],
      ['stop', GRAPH],
      ['remove', GRAPH],
      ['placement', GRAPH, '--max-moves', '1'],
      ['history', GRAPH],
      ['placements', GRAPH],
      ['replay', GRAPH],
      ['proposals', GRAPH],
      ['approve', GRAPH, 'p-1'],
    ]) {
      const other = await smo(env, ...argv, '-p', 'team-b');
      expect({ argv, code: other.code, out: other.out, err: other.err }).toEqual({ argv, code: 1, out: '', err: `smo: graph ${GRAPH} is in project demo, not team-b` });
    }
    const after = JSON.parse((await smo(env, 'get', GRAPH, '-o', 'json', '--project', 'demo')).out) as { revision: number; status: string };
    expect(after).toMatchObject({ revision: before.revision, status: 'Running' });
    expect((await smo(env, 'history', GRAPH, '-p', 'demo')).out).toMatch(/^REVISION\s+AT\s+TYPE/);
    expect((await smo(env, 'get', 'no-such-graph', '-p', 'demo')).code).toBe(1);
  });

  it("a recorded decision's inputs, pasted into `smo plan`, plan the same placement", async () => {
    await demoGraphDeployed();
    const placements = JSON.parse((await smo(env, 'placements', GRAPH, '-o', 'json')).out) as Array<{ reason: string; inputs: unknown; placement: Record<string, string> }>;
    const first = placements.find((p) => p.reason === 'first-deploy')!;
    const file = join(mkdtempSync(join(tmpdir(), 'smo-plan-')), 'inputs.json');
    writeFileSync(file, JSON.stringify(first.inputs));
    const plan = await smo(env, 'plan', file, '-o', 'json');
    expect(plan.code).toBe(0);
    expect((JSON.parse(plan.out) as { placement: unknown }).placement).toEqual(first.placement);
  });

  it('history shows the service of each service event in aligned columns', async () => {
    await demoGraphDeployed();
    const { out } = await smo(env, 'history', GRAPH);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^REVISION\s+AT\s+TYPE\s+SERVICE\s+ACTOR$/);
    const serviceColumn = lines[0]!.indexOf('SERVICE');
    const installed = lines.filter((line) => /HelmReleaseInstalled|ServiceDeployed/.test(line));
    expect(installed.length).toBeGreaterThan(0);
    for (const line of installed) expect(line.slice(serviceColumn)).toMatch(/^(noise-reduction|image-detection|image-compression-vo)\s/);
  });

  it('reaches an SMO served under a path prefix (behind a proxy at /smo/): list, get, history and health', async () => {
    await demoGraphDeployed();
    const seen: string[] = [];
    // A reverse proxy on loopback serving SMO under /smo/, as an ingress would; anything else is a 404.
    const proxy = createServer((request, response) => {
      seen.push(request.url ?? '');
      if (!request.url?.startsWith('/smo/')) return void response.writeHead(404).end();
      const upstream = new URL(request.url.slice('/smo'.length), app.url);
      const forwarded = httpRequest(upstream, { method: request.method, headers: request.headers }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      });
      request.pipe(forwarded);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const prefixed = { ...env, SMO_URL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/smo/` };
      const results = await Promise.all([
        smo(prefixed, 'list', '-p', 'demo'),
        smo(prefixed, 'get', GRAPH),
        smo(prefixed, 'history', GRAPH),
        smo(prefixed, 'health'),
      ]);
      expect(results.map((r) => [r.code, r.err])).toEqual(results.map(() => [0, '']));
      expect(results[0]!.out).toContain(GRAPH);
      expect(seen.filter((path) => !path.startsWith('/smo/'))).toEqual([]);
    } finally {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  it('health shows stores, processors and integrations', async () => {
    const { code, out } = await smo(env, 'health');
    expect(code).toBe(0);
    expect(out).toMatch(/^status: (ok|degraded) \(up \d+s\)/);
    expect(out).toMatch(/stores\nSTORE\s+ADAPTER\s+STATUS[\s\S]*eventStore\s+sqlite\s+up/);
    expect(out).toMatch(/integrations\nNAME\s+MODE[\s\S]*helm\s+simulated/);
    expect((await smo(env, 'health', '-o', 'wide')).out).toMatch(/processors\nNAME\s+KIND\s+STATE\s+PROCESSEDPOSITION\s+LAG\s+PARKEDEVENTS\n[\s\S]*placement\s+processor/);
  });

  it('events --correlation-id, placements, replay with MOVES agreeing with DIFFERENCES, analytics', async () => {
    await demoGraphDeployed();
    const response = await fetch(`${app.url}/graphs/${GRAPH}/stop`, { method: 'POST', headers: { authorization: `Bearer ${OPERATE}`, 'x-correlation-id': 'cli-story-1' } });
    expect(response.status).toBe(200);
    const story = await smo(env, 'events', '--correlation-id', 'cli-story-1');
    expect(story.out).toMatch(/GraphStopped/);
    expect((await smo(env, 'events', '--correlation-id', 'nothing-here')).out).toBe('No events with correlation id nothing-here.');
    expect((await smo(env, 'start', GRAPH)).code).toBe(0);
    const replay = await smo(env, 'replay', GRAPH, '--objective', 'fresh', '-o', 'json');
    const decisions = (JSON.parse(replay.out) as { decisions: Array<{ differences: unknown[]; recorded: { moves: number }; replayed: { moves: number } }> }).decisions;
    const table = (await smo(env, 'replay', GRAPH, '--objective', 'fresh')).out.split('\n');
    expect(table[0]).toMatch(/^AT\s+REASON\s+MOVES\s+DIFFER\s+DIFFERENCES$/);
    decisions.forEach((decision, i) => {
      const row = table[i + 1]!;
      expect(row).toContain(`${decision.recorded.moves}→${decision.replayed.moves}`);
      expect(row).toMatch(new RegExp(`\\s${decision.differences.length}\\s+${decision.differences.length === 0 ? 'none' : '\\S+: '}`));
    });
    // --intent switches intents against the recorded ones: with highAvailability on, every service runs on two clusters.
    const withHa = await smo(env, 'replay', GRAPH, '--intent', 'highAvailability=on', '--intent', 'energyEfficiency=off', '-o', 'json');
    expect(withHa.code).toBe(0);
    const switched = JSON.parse(withHa.out) as {
      options: { intents?: Record<string, boolean> };
      decisions: Array<{ skipped?: string; replayed?: { intents?: { active: string[] }; clusterSets?: Record<string, string[]> } }>;
    };
    expect(switched.options.intents).toEqual({ highAvailability: true, energyEfficiency: false });
    const computed = switched.decisions.filter((decision) => decision.skipped === undefined);
    expect(computed.length).toBeGreaterThan(0);
    for (const decision of computed) {
      expect(decision.replayed?.intents?.active).toContain('highAvailability');
      const sets = Object.values(decision.replayed?.clusterSets ?? {});
      expect(sets.length).toBeGreaterThan(0);
      for (const set of sets) expect(new Set(set).size).toBe(2);
    }
    const badSwitch = await smo(env, 'replay', GRAPH, '--intent', 'speed=on');
    expect(badSwitch.code).toBe(2);
    expect(badSwitch.err).toMatch(/expected <name>=on\|off with name one of coLocation/);
    // placements pages: the latest, and the command that shows the older ones.
    expect((await smo(env, 'placement', GRAPH)).code).toBe(0);
    type Decision = { decisionId: string; revision: number };
    const decisionIds = (out: string) => (JSON.parse(out) as Decision[]).map((d) => d.decisionId);
    const all = JSON.parse((await smo(env, 'placements', GRAPH, '-o', 'json')).out) as Decision[];
    expect(all.length).toBeGreaterThanOrEqual(2);
    const latest = await smo(env, 'placements', GRAPH, '--limit', '1', '-o', 'json');
    expect(decisionIds(latest.out)).toEqual([all.at(-1)!.decisionId]);
    expect(latest.err).toBe(`Older decisions: smo placements ${GRAPH} --before ${all.at(-1)!.revision} --limit 1`);
    const older = await smo(env, 'placements', GRAPH, '--before', String(all.at(-1)!.revision));
    expect(older.out.split('\n')).toHaveLength(all.length); // the header line and every decision but the latest
    expect(older.err).toBe('');
    expect(decisionIds((await smo(env, 'placements', GRAPH, '--before', String(all.at(-1)!.revision), '-o', 'json')).out)).toEqual(all.slice(0, -1).map((d) => d.decisionId));
    const replayedLatest = await smo(env, 'replay', GRAPH, '--limit', '1', '-o', 'json');
    expect((JSON.parse(replayedLatest.out) as { decisions: unknown[] }).decisions).toHaveLength(1);
    expect(replayedLatest.err).toBe(`Older decisions: smo replay ${GRAPH} --before ${all.at(-1)!.revision} --limit 1`);
    const badBefore = await smo(env, 'placements', GRAPH, '--before', 'latest');
    expect([badBefore.code, badBefore.err]).toEqual([2, expect.stringMatching(/option '--before <revision>' argument 'latest' is invalid\. must be a revision/)]);
    expect((await smo(env, 'analytics', 'cluster-load')).out).toMatch(/^CLUSTER\s+CPU\s+MEMORYBYTES\s+AT\n\S*cluster-a/);
    expect((await smo(env, 'analytics', 'nonsense')).code).toBe(2);
    // One graph's placed load: a row per point and cluster; the report needs its graph, and the others take none.
    expect((await smo(env, 'analytics', 'placed-resources', GRAPH)).out).toMatch(/^AT\s+CLUSTER\s+CPU\s+MEMORYBYTES\n\S+\s+cluster-a\s/);
    const placed = JSON.parse((await smo(env, 'analytics', 'placed-resources', GRAPH, '-o', 'json')).out) as { graphId: string; timeline: Array<{ at: string; byCluster: Record<string, unknown> }> };
    expect(placed.graphId).toBe(GRAPH);
    // The stop above placed nothing for a while: that point is a row too (it was left out, the stop vanished).
    const stopped = placed.timeline.filter((point) => Object.keys(point.byCluster).length === 0);
    expect(stopped.length).toBeGreaterThan(0);
    const placedRows = (await smo(env, 'analytics', 'placed-resources', GRAPH, '--no-headers')).out.split('\n');
    expect(placedRows).toHaveLength(placed.timeline.reduce((n, point) => n + Math.max(1, Object.keys(point.byCluster).length), 0));
    for (const point of stopped) expect(placedRows.filter((row) => row.startsWith(`${point.at} `))).toContainEqual(expect.stringMatching(/^\S+\s+-\s+0\s+0$/));
    expect((await smo(env, 'analytics', 'placed-resources', 'no-such-graph')).code).toBe(1);
    const missing = await smo(env, 'analytics', 'placed-resources');
    expect([missing.code, missing.err]).toEqual([2, expect.stringContaining('needs a graph')]);
    expect((await smo(env, 'analytics', 'cluster-load', GRAPH)).code).toBe(2);
  });

  it('a refusal with one error says it once; with several, lists them under the detail', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smo-refused-'));
    const descriptor = readFileSync(DESCRIPTOR, 'utf8');
    writeFileSync(join(dir, 'one.yaml'), descriptor.replace(`id: ${GRAPH}`, 'id: Bad_Graph'));
    writeFileSync(join(dir, 'two.yaml'), descriptor.replace(`id: ${GRAPH}`, 'id: Bad_Graph').replace(/id: noise-reduction\n/, 'id: Noise_Reduction\n'));
    // The one error was printed as the detail, then again indented below it.
    const one = await smo(env, 'deploy', join(dir, 'one.yaml'), '-p', 'demo');
    expect([one.code, one.err.split('\n')]).toEqual([1, [expect.stringMatching(/^smo: POST \/project\/demo\/graphs failed with 400: \/hdaGraph\/id: "id" must be a DNS-1123 label .*\(got "Bad_Graph"\)$/)]]);
    const at = await smo(env, 'get', GRAPH, '--at', 'yesterday');
    expect([at.code, at.err.split('\n')]).toEqual([1, [expect.stringMatching(/^smo: GET \/graphs\/image-detection-graph\?at=yesterday failed with 400: at must be an ISO 8601 date/)]]);
    const two = await smo(env, 'deploy', join(dir, 'two.yaml'), '-p', 'demo');
    expect([two.code, two.err.split('\n')]).toEqual([
      1,
      [
        'smo: POST /project/demo/graphs failed with 400: 2 problems in the HDAG submission; see "errors"',
        expect.stringMatching(/^ {2}\/hdaGraph\/id: "id" must be a DNS-1123 label .*\(got "Bad_Graph"\)$/),
        expect.stringMatching(/^ {2}\/hdaGraph\/services\/1\/id: "id" must be a DNS-1123 label .*\(got "Noise_Reduction"\)$/),
      ],
    ]);
  });

  it('`placement --propose` prints the proposal (its id, moves and why), the object itself with -o json|yaml', async () => {
    await demoGraphDeployed();
    // Nothing would move: the answer says so, and no proposal is recorded.
    const unchanged = await smo(env, 'placement', GRAPH, '--propose');
    expect([unchanged.code, unchanged.err]).toEqual([0, '']);
    expect(unchanged.out.split('\n')).toEqual([expect.stringMatching(/^ID\s+STATUS\s+MOVES\s+WHY$/), expect.stringMatching(/^-\s+unchanged\s+-\s+nothing would move/)]);
    expect(JSON.parse((await smo(env, 'placement', GRAPH, '--propose', '-o', 'json')).out)).toMatchObject({ graph: GRAPH, proposalId: null, status: 'unchanged' });

    // cluster-a now too small for the three services: one of them would move to cluster-b.
    const inventory = readFileSync(clustersFile, 'utf8');
    writeFileSync(clustersFile, inventory.replace(/(name: cluster-a\n\s+cpu:) 4\n/, '$1 2\n'));
    try {
      expect((await smo(env, 'clusters', 'sync')).out).toMatch(/cluster-a\s+true\s+0\s/);
      const proposed = await smo(env, 'placement', GRAPH, '--propose');
      expect(proposed.code).toBe(0);
      // It printed {"graph":…,"proposalId":…} on one line, then the graph's table.
      const lines = proposed.out.split('\n');
      expect(lines).toEqual([expect.stringMatching(/^ID\s+STATUS\s+MOVES\s+WHY$/), expect.stringMatching(/^\S+\s+pending\s+image-detection: cluster-a→cluster-b\s+proposal requested$/)]);
      const id = lines[1]!.split(/\s+/)[0]!;
      expect(proposed.err).toBe(`Approve it with: smo approve ${GRAPH} ${id} (or reject it: smo reject ${GRAPH} ${id})`);
      // With -o json and -o yaml, the proposal: its id is what a script approves. The graph view was printed instead.
      const json = await smo(env, 'placement', GRAPH, '--propose', '-o', 'json');
      const asJson = JSON.parse(json.out) as { proposalId: string };
      expect(asJson).toMatchObject({ graph: GRAPH, status: 'pending', proposalId: expect.any(String), diff: [{ serviceId: 'image-detection', from: 'cluster-a', to: 'cluster-b' }] });
      const yaml = await smo(env, 'placement', GRAPH, '--propose', '-o', 'yaml');
      const asYaml = parse(yaml.out) as { proposalId: string };
      expect(asYaml).toMatchObject({ graph: GRAPH, status: 'pending', why: 'proposal requested' });
      const listed = (JSON.parse((await smo(env, 'proposals', GRAPH, '-o', 'json')).out) as Array<{ proposalId: string; status: string }>).filter((p) => p.status === 'pending');
      expect(listed.map((p) => p.proposalId).sort()).toEqual([id, asJson.proposalId, asYaml.proposalId].sort());
      for (const proposal of listed) expect((await smo(env, 'reject', GRAPH, proposal.proposalId)).code).toBe(0);
    } finally {
      writeFileSync(clustersFile, inventory);
      await smo(env, 'clusters', 'sync');
    }
  });
});

describe('smo list past one page (the API answers at most 1,000 graphs a page)', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({ SMO_DEPLOY_WAIT: '10' });
    expect((await smo({ SMO_URL: app.url }, 'deploy', DESCRIPTOR, '--project', 'demo')).code).toBe(0);
    await app.runtime.processing.whenIdle(20_000);
    // 1,200 more graphs in project "many": copies of the demo graph's document, written to the read model.
    const demo = (await app.runtime.readStore.get<{ name: string; project: string; state: { graphId: string; project: string } }>('graphs', GRAPH))!;
    const copies = Array.from({ length: 1200 }, (_, i) => {
      const name = `g-${String(i).padStart(4, '0')}`;
      return { name, doc: { ...demo.doc, name, project: 'many', state: { ...demo.doc.state, graphId: name, project: 'many' } } };
    });
    await app.runtime.readStore.commit(copies.map(({ name, doc }, i) => ({ kind: 'upsert' as const, collection: 'graphs', id: name, doc, position: demo.position + 1 + i })));
  });
  afterAll(async () => app.close());

  it('shows every graph of a project, and of every project, following the pages', async () => {
    const project = await smo({ SMO_URL: app.url }, 'list', '-p', 'many', '--no-headers');
    expect([project.code, project.err]).toEqual([0, '']);
    const names = project.out.split('\n').map((line) => line.split(/\s+/)[0]);
    expect(names).toHaveLength(1200);
    expect(new Set(names).size).toBe(1200);
    expect([names[0], names[999], names[1000], names[1199]]).toEqual(['g-0000', 'g-0999', 'g-1000', 'g-1199']);
    const all = await smo({ SMO_URL: app.url }, 'list', '-A', '-o', 'json');
    expect((JSON.parse(all.out) as Array<{ project: string; name: string }>).map((g) => `${g.project}/${g.name}`)).toEqual([`demo/${GRAPH}`, ...names.map((name) => `many/${name}`)]);
  });

  it('prints JSON and YAML lists view by view, exactly as the whole array would print', async () => {
    const pages = async (path: string) => {
      const views: unknown[] = [];
      for (let next: string | null = path; next; ) {
        const answer = await fetch(`${app.url}${next}`);
        views.push(...((await answer.json()) as unknown[]));
        next = /<([^>]+)>;\s*rel="next"/.exec(answer.headers.get('link') ?? '')?.[1] ?? null;
      }
      return views;
    };
    const every = await pages('/graphs');
    expect(every).toHaveLength(1201);
    expect((await smo({ SMO_URL: app.url }, 'list', '-A', '-o', 'json')).out).toBe(JSON.stringify(every, null, 2));
    expect((await smo({ SMO_URL: app.url }, 'list', '-p', 'many', '-o', 'yaml')).out).toBe(stringify(await pages('/project/many/graphs')).trimEnd());
    for (const format of ['json', 'yaml']) expect((await smo({ SMO_URL: app.url }, 'list', '-p', 'nobody', '-o', format)).out).toBe('[]');
  }, 90_000);
});

describe('smo list -o json|yaml prints what printing the whole array prints, whatever the views hold', () => {
  let server: Server;
  let url: string;
  // Text from the server, as a view may carry it: a line separator (U+2028) in a message, a multi-line one that ends in blank lines.
  const views = [
    { name: 'first', project: 'p', status: 'failed', placementFailure: { detail: 'no capacity\u2028on c1 — retry' }, services: [], why: 'helm said:\nfailed\n\n' },
    { name: 'second', project: 'p', status: 'running', placementFailure: null, services: [], why: 'ok\n' },
  ];
  beforeAll(async () => {
    server = createServer((_request, response) => void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(views)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('JSON: a line separator inside a string stays as it is (not indented as a new line)', async () => {
    const listed = await smo({ SMO_URL: url }, 'list', '-p', 'p', '-o', 'json');
    expect(listed.out).toBe(JSON.stringify(views, null, 2));
    expect(JSON.parse(listed.out)).toEqual(views);
  });

  it('YAML: a view whose last string ends in blank lines keeps them when another view follows', async () => {
    const listed = await smo({ SMO_URL: url }, 'list', '-p', 'p', '-o', 'yaml');
    expect(listed.out).toBe(stringify(views).trimEnd());
    expect(parse(listed.out)[0]).toEqual(views[0]);
  });
});

describe('smo as a process writes all it prints before it exits, however slowly its pipe is read', () => {
  let server: Server;
  let url: string;
  // About 400 KB of JSON, far more than a pipe holds: most of it is still queued when the command is done.
  const views = Array.from({ length: 600 }, (_, i) => ({ name: `g-${String(i).padStart(4, '0')}`, project: 'p', status: 'Running', services: [], note: 'x'.repeat(500) }));
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url !== '/project/p/graphs') return void response.writeHead(404).end();
      // No Link header: this page is the whole list.
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(views));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('`smo list -o json | (sleep 1; cat)`: every byte, and exit 0', async () => {
    const root = join(__dirname, '../..');
    const cli = [process.execPath, '--no-experimental-strip-types', '-r', join(root, 'scripts/register-ts.cjs'), join(root, 'src/cli/main.ts'), '--server', url, 'list', '-p', 'p', '-o', 'json'];
    // A real pipe whose reader starts a second late; the exit code is smo's (bash's PIPESTATUS), not the reader's.
    const piped = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile('bash', ['-c', '"$@" | (sleep 1; cat); exit "${PIPESTATUS[0]}"', 'smo', ...cli], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
      );
    });
    const expected = `${JSON.stringify(views, null, 2)}\n`;
    expect(expected.length).toBeGreaterThan(300_000);
    // It printed only what the pipe had taken when process.exit ran (64 to 130 KB of it), and exited 0.
    expect({ code: piped.code, bytes: piped.stdout.length, stderr: piped.stderr }).toEqual({ code: 0, bytes: expected.length, stderr: '' });
    expect(piped.stdout).toBe(expected);
  });
});

describe('smo projections rebuild leaves nothing running once it has printed', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const rebuilt = { projection: 'graphs', collection: 'graphs__v2', previousCollection: 'graphs__v1', events: 3, elapsedMs: 12, eventsPerSecond: 250 };
    server = createServer((_request, response) => void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(rebuilt)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('a rebuild answered at once: no timer of its progress polling holds the process (smo exited up to 500 ms late)', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length;
    const before = timers();
    const result = await smo({ SMO_URL: url }, 'projections', 'rebuild', 'graphs');
    expect([result.code, result.out]).toEqual([0, 'Rebuilt graphs into graphs__v2 (was graphs__v1): 3 events in 12 ms, 250 events/s']);
    expect(timers()).toBeLessThanOrEqual(before);
  });
});

describe('smo health when SMO is unhealthy (503: a store down)', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const health = {
      status: 'down',
      uptimeSeconds: 12,
      stores: { eventStore: { adapter: 'sqlite', status: 'up' }, readStore: { adapter: 'mongodb', status: 'down', error: 'connection refused' } },
      clusterSync: { consecutiveFailures: 0, lastError: null },
      scaling: null,
      processing: [],
      integrations: [],
    };
    server = createServer((_request, response) => void response.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify(health)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('shows the stores and exits 1, in every output format (a script tells it by its code)', async () => {
    const shown = await smo({ SMO_URL: url }, 'health');
    expect([shown.code, shown.out]).toEqual([1, expect.stringMatching(/^status: down[\s\S]*readStore\s+mongodb\s+down\s+connection refused/)]);
    expect(shown.err).toMatch(/SMO is down \(503\)/);
    const json = await smo({ SMO_URL: url }, 'health', '-o', 'json');
    expect([json.code, (JSON.parse(json.out) as { status: string }).status]).toEqual([1, 'down']);
  });
});

describe('smo watch when the server goes away', () => {
  /** An event stream that sends one event per connection, then drops the connection (as a stopping SMO does). */
  let server: Server;
  let url: string;
  const lastEventIds: Array<string | undefined> = [];
  let graphId = 'g1';
  let eventType = 'HelmReleaseInstalled';
  beforeAll(async () => {
    server = createServer((request, response) => {
      lastEventIds.push(request.headers['last-event-id'] as string | undefined);
      const position = 10 + lastEventIds.length;
      const event = { at: '2026-12-04T20:00:00.000Z', streamId: `graph-${graphId}`, type: eventType, revision: position, position, data: { graphId, serviceId: 'svc-a' } };
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(`: connected\n\nid: ${position}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      setTimeout(() => response.destroy(), 50);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('says so and exits 1', async () => {
    lastEventIds.length = 0;
    const result = await smo({ SMO_URL: url }, 'watch');
    expect(result.code).toBe(1);
    expect(result.out.split('\n')).toEqual([
      expect.stringMatching(/^TIME\s+GRAPH\s+TYPE\s+SERVICE$/),
      expect.stringMatching(/^2026-12-04T20:00:00.000Z\s+g1\s+HelmReleaseInstalled\s+svc-a$/),
    ]);
    const [header, line] = result.out.split('\n');
    expect(line!.indexOf('svc-a')).toBe(header!.indexOf('SERVICE'));
    expect(result.err).toBe('smo: the SMO server closed the event stream; add --reconnect to resume automatically');
  });

  it('pads a graph name of wide characters by the columns it takes on a terminal', async () => {
    graphId = '画像検出-グラフ';
    try {
      const result = await smo({ SMO_URL: url }, 'watch');
      // 2026-12-04T20:00:00.000Z is 24 columns, the graph name 15 of the graph column's 63, the type 20 of 35.
      expect(result.out.split('\n')).toEqual([
        `TIME${' '.repeat(22)}GRAPH${' '.repeat(60)}TYPE${' '.repeat(33)}SERVICE`,
        `2026-12-04T20:00:00.000Z  画像検出-グラフ${' '.repeat(48)}  HelmReleaseInstalled${' '.repeat(15)}  svc-a`,
      ]);
    } finally {
      graphId = 'g1';
    }
  });

  it('keeps its columns in line for a graph id of 63 characters (the longest) and the longest graph event type', async () => {
    graphId = `graph-${'x'.repeat(50)}-63char`;
    eventType = 'ClusterProvisioningApprovalRestored';
    try {
      expect(graphId).toHaveLength(63);
      const [header, line] = (await smo({ SMO_URL: url }, 'watch')).out.split('\n');
      // At 28 columns for each, TYPE and SERVICE came 35 and 42 columns later than their headers.
      expect([line!.indexOf(eventType), line!.indexOf('svc-a')]).toEqual([header!.indexOf('TYPE'), header!.indexOf('SERVICE')]);
    } finally {
      graphId = 'g1';
      eventType = 'HelmReleaseInstalled';
    }
  });

  it('with --reconnect resumes after the last event seen (Last-Event-ID)', async () => {
    lastEventIds.length = 0;
    const out: string[] = [];
    const err: string[] = [];
    const abort = new AbortController();
    const watching = run(['watch', '--reconnect', '-o', 'json'], { SMO_URL: url }, (line) => {
      out.push(line);
      if (out.length === 3) abort.abort();
    }, (line) => err.push(line), { signal: abort.signal });
    expect(await watching).toBe(0);
    expect(out.map((line) => (JSON.parse(line) as { position: number }).position)).toEqual([11, 12, 13]);
    expect(lastEventIds).toEqual([undefined, '11', '12']);
    expect(err[0]).toBe('smo: the SMO server closed the event stream; reconnecting after event 11…');
  });
});

describe('smo watch against a real SMO that shuts down', () => {
  it('prints only events (each with a position and a type), never the shutdown notice, and says why it ends', async () => {
    const app = await startApp({ SMO_DEPLOY_WAIT: '10' });
    const out: string[] = [];
    const err: string[] = [];
    const watching = run(['watch', '-o', 'json'], { SMO_URL: app.url }, (line) => out.push(line), (line) => err.push(line));
    await new Promise((r) => setTimeout(r, 500));
    const response = await fetch(`${app.url}/project/demo/graphs`, { method: 'POST', headers: { 'content-type': 'application/x-yaml' }, body: descriptorText() });
    expect(response.status).toBe(200);
    await eventually(async () => out.length > 0, 10_000, 'events');
    await app.close();
    expect(await watching).toBe(1);
    const lines = out.map((line) => JSON.parse(line) as { position?: number; type?: string });
    // It printed {"reason":"SMO is shutting down"}, the server's `event: shutdown` message (no id), as an event.
    expect(lines.filter((event) => typeof event.position !== 'number' || typeof event.type !== 'string')).toEqual([]);
    expect(err).toEqual(['smo: the SMO server is shutting down (SMO is shutting down); add --reconnect to resume automatically']);
  });
});

describe('smo watch --reconnect against a server that answers 503 while restarting', () => {
  let server: Server;
  let url: string;
  let connections = 0;
  const lastEventIds: Array<string | undefined> = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      connections += 1;
      lastEventIds.push(request.headers['last-event-id'] as string | undefined);
      if (request.url?.startsWith('/events/stream?graph=forbidden')) {
        response.writeHead(403, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ type: 'about:blank', title: 'Forbidden', status: 403, detail: 'this token may not read graph forbidden' }));
        return;
      }
      if (connections === 2) {
        // What Fastify (return503OnClosing) or a proxy answers while SMO is going down or not up yet.
        response.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '1' }).end(JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'SMO is shutting down' }));
        return;
      }
      const position = 10 + connections;
      const event = { at: '2026-12-04T20:00:00.000Z', streamId: 'graph-g1', type: 'HelmReleaseInstalled', revision: position, position, data: { graphId: 'g1', serviceId: 'svc-a' } };
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      // A notice without an id (as the shutdown one) is no event.
      response.write(`: connected\n\nevent: notice\ndata: {"reason":"not an event"}\n\nid: ${position}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      setTimeout(() => response.destroy(), 50);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('keeps reconnecting through a 503 after its Retry-After, and resumes after the last event', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const abort = new AbortController();
    const watching = run(['watch', '--reconnect', '-o', 'json'], { SMO_URL: url }, (line) => {
      out.push(line);
      if (out.length === 2) abort.abort();
    }, (line) => err.push(line), { signal: abort.signal });
    const timeout = setTimeout(() => abort.abort(), 10_000);
    const code = await watching;
    clearTimeout(timeout);
    // It gave up: exit 1 with "smo: GET /events/stream failed with 503: {...}" after the first reconnect.
    expect(code).toBe(0);
    expect(out.map((line) => (JSON.parse(line) as { position: number }).position)).toEqual([11, 13]);
    expect(lastEventIds).toEqual([undefined, '11', '11']);
    expect(err[1]).toBe('smo: SMO is not available (503: SMO is shutting down); reconnecting in 1s (Retry-After) after event 11…');
  });

  it('without --reconnect a 503 ends it, said as every command says it', async () => {
    connections = 1; // the next answer is the 503
    const result = await smo({ SMO_URL: url }, 'watch');
    expect(result.code).toBe(1);
    expect(result.err).toBe('smo: GET /events/stream failed with 503: SMO is shutting down; add --reconnect to keep trying');
  });

  it('any other refusal ends it, said as every command says it', async () => {
    const result = await smo({ SMO_URL: url }, 'watch', '--reconnect', '--graph', 'forbidden');
    expect(result.code).toBe(1);
    expect(result.err).toBe('smo: GET /events/stream?graph=forbidden failed with 403: this token may not read graph forbidden');
  });
});

describe('smo says what went wrong the same way for every command', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      response.writeHead(401, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'a bearer token is required' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('health and watch print the detail and the token hint, as list does, not the raw problem+json', async () => {
    const results = await Promise.all([smo({ SMO_URL: url }, 'list'), smo({ SMO_URL: url }, 'health'), smo({ SMO_URL: url }, 'watch')]);
    expect(results.map((r) => [r.code, r.err])).toEqual([
      [1, 'smo: GET /project/default/graphs failed with 401: a bearer token is required (send a token with --token or SMO_TOKEN)'],
      [1, 'smo: GET /health failed with 401: a bearer token is required (send a token with --token or SMO_TOKEN)'],
      [1, 'smo: GET /events/stream failed with 401: a bearer token is required (send a token with --token or SMO_TOKEN)'],
    ]);
  });

  it('when nothing answers, says where the URL came from and what to check (it said "set --server" to one who had)', async () => {
    // A port nothing listens on: one the system just gave and took back.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const nowhere = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const given = await smo({}, '--server', nowhere, 'list');
    expect([given.code, given.out]).toEqual([1, '']);
    expect(given.err).toMatch(new RegExp(`^smo: Cannot reach SMO at ${nowhere} \\(.+\\), the URL --server gives: is SMO running there, and is the URL right\\?$`));
    expect((await smo({ SMO_URL: nowhere }, 'health')).err).toMatch(/\), the URL SMO_URL gives: is SMO running there, and is the URL right\?$/);
  });

  it('does not echo a password given in --server, and says such a URL is refused and where the token goes', async () => {
    for (const command of ['list', 'health', 'watch']) {
      const result = await smo({}, '--server', 'http://admin:hunter2-secret@127.0.0.1:9/', command);
      expect({ code: result.code, err: result.err }).toEqual({
        code: 1,
        err: 'smo: the URL --server gives (http://***@127.0.0.1:9/) carries a user or password, which SMO does not read: give the API token with --token or SMO_TOKEN',
      });
    }
    expect((await smo({ SMO_URL: 'http://admin:hunter2-secret@127.0.0.1:9/' }, 'list')).err).toMatch(/^smo: the URL SMO_URL gives \(http:\/\/\*\*\*@127\.0\.0\.1:9\/\) carries/);
  });
});

describe('smo prints what the server sends without its control characters', () => {
  const ESC = '\u001b';
  /** Right-to-left override: what follows it is shown reversed ("Trojan Source"). */
  const RLO = '\u202e';
  /**
   * Any C0 control but newline, DEL, or a C1 control: what a terminal may act on (tab is checked in cells below); or a
   * bidirectional formatting character, which reorders what the terminal shows.
   */
  // eslint-disable-next-line no-control-regex
  const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
  const graph = {
    name: 'g1',
    status: 'Failed',
    project: 'demo',
    settled: true,
    revision: 7,
    description: `approved by ops${RLO}6102 ,1 yaM`,
    placement: null,
    placementFailure: { detail: `no cluster fits${ESC}[31m` },
    services: [{ name: 'svc-a', status: 'Failed', cluster_affinity: 'c1', cpu: '1', memory: '1Gi', gpu: '0', artifact_ref: 'oci://r/c', error: { stderr: `Error: ${ESC}]0;owned${ESC}\\${ESC}[2Jrendering\tfailed\u009b1m\u007f \u2067isolated\u2069` } }],
    warnings: [{ pointer: `/hdaGraph/x${ESC}]0;PWNED\u0007`, message: `is not a field of information model\n${ESC}[2J${RLO}` }],
    labels: { [`team${RLO}`]: 'ops\n\u200fmulti-line\n' },
  };
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/graphs/g1') return response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(graph));
      if (request.url === '/events/stream') {
        const event = { at: '2026-12-04T20:00:00.000Z', streamId: `graph-g1${ESC}[2J`, type: `HelmReleaseInstalled${ESC}]0;x\u0007`, revision: 1, position: 1, data: { serviceId: `svc\u009b2J${RLO}` } };
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write(`id: 1\nevent: HelmReleaseInstalled\ndata: ${JSON.stringify(event)}\n\n`);
        return setTimeout(() => response.destroy(), 50);
      }
      response.writeHead(422, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ type: 'about:blank', title: 'Unprocessable Entity', status: 422, detail: `bad${ESC}[2J graph${RLO}`, errors: [{ pointer: `/x${ESC}`, message: `no\u009b` }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('`smo get`: warnings, helm stderr in the ERROR column and the placement failure show their escapes as text', async () => {
    const result = await smo({ SMO_URL: url }, 'get', 'g1');
    expect(result.code).toBe(0);
    expect(result.out).not.toMatch(RAW_CONTROL);
    expect(result.err).not.toMatch(RAW_CONTROL);
    expect(result.out).toContain('Error: \\u001b]0;owned\\u001b\\\\u001b[2Jrendering\\u0009failed\\u009b1m\\u007f \\u2067isolated\\u2069');
    expect(result.out).toContain('placement failed: no cluster fits\\u001b[31m');
    // A warning stays one line.
    expect(result.err).toBe('Warning: /hdaGraph/x\\u001b]0;PWNED\\u0007: is not a field of information model\\u000a\\u001b[2J\\u202e');
  });

  it('-o json and -o yaml escape DEL, C1 and bidi characters too (their encoders leave them raw), and still parse to what the server sent', async () => {
    const json = await smo({ SMO_URL: url }, 'get', 'g1', '-o', 'json');
    const yaml = await smo({ SMO_URL: url }, 'get', 'g1', '-o', 'yaml');
    expect([json.out, yaml.out]).toEqual([expect.not.stringMatching(RAW_CONTROL), expect.not.stringMatching(RAW_CONTROL)]);
    expect([json.out, yaml.out]).toEqual([expect.stringContaining('approved by ops\\u202e6102'), expect.stringContaining('"approved by ops\\u202e6102')]);
    expect(JSON.parse(json.out)).toEqual(graph);
    expect(parse(yaml.out)).toEqual(graph);
  });

  it('problem details and watch rows are printed without their control characters', async () => {
    const refused = await smo({ SMO_URL: url }, 'get', 'bad');
    expect(refused.code).toBe(1);
    expect(refused.err).not.toMatch(RAW_CONTROL);
    expect(refused.err).toMatch(/failed with 422: bad\\u001b\[2J graph\\u202e/);
    const watch = await smo({ SMO_URL: url }, 'watch');
    expect(watch.out).not.toMatch(RAW_CONTROL);
    expect(watch.out).toMatch(/g1\\u001b\[2J\s+HelmReleaseInstalled\\u001b\]0;x\\u0007\s+svc\\u009b2J\\u202e$/);
  });
});

describe('smo lifecycle commands exit 1 when the graph fails (README: 1 = a graph failed)', () => {
  const ESC = '\u001b';
  let rig: OrchestratorRig;
  beforeAll(async () => {
    rig = await startRig();
  });
  afterAll(async () => rig.stop());

  it('`smo retry` exits 1 when the retried install fails again, and helm stderr reaches no terminal raw', async () => {
    // Every install of image-detection fails; the chart's error message carries escape sequences.
    rig.helm.control({ fail: [{ command: 'install', release: 'image-detection', exitCode: 1, stderr: `Error: ${ESC}]0;owned${ESC}\\${ESC}[2Jrendering failed` }] });
    const env = { SMO_URL: rig.smo.url };
    expect((await smo(env, 'deploy', DESCRIPTOR, '-p', 'demo')).code).toBe(1);
    const get = await smo(env, 'get', GRAPH);
    expect(get.out).toMatch(/rendering failed/);
    // The list says so too, not only "Running".
    expect((await smo(env, 'list', '-p', 'demo')).out).toMatch(new RegExp(`^${GRAPH}\\s+Running \\(1 failed\\)\\s+3\\s+\\d+$`, 'm'));
    const retry = await smo(env, 'retry', GRAPH);
    expect(retry.out).toMatch(/image-detection\s+Failed/);
    // It exited 0, and the ERROR column carried ESC ] 0 ; … and ESC [ 2 J.
    expect({ retryExit: retry.code, retryErr: retry.err, getHasEsc: get.out.includes(ESC) }).toEqual({ retryExit: 1, retryErr: expect.stringMatching(/graph image-detection-graph has failures$/), getHasEsc: false });
    rig.helm.control({});
    expect((await smo(env, 'retry', GRAPH)).code).toBe(0);
  }, 90_000);

  it('`smo placement` exits 1 when the re-placement fails (SMO answers 200 "triggered" all the same), 0 once one succeeds', async () => {
    const env = { SMO_URL: rig.smo.url };
    // The clusters shrink under the graph the test before deployed: no re-placement fits.
    rig.kube.setClusters(TWO_CLUSTERS.map((cluster) => karmadaCluster({ ...cluster, cpu: '500m' })));
    expect((await smo(env, 'clusters', 'sync')).code).toBe(0);
    const failed = await smo(env, 'placement', GRAPH);
    // It printed "placement failed: …" and exited 0.
    expect({ code: failed.code, out: failed.out, err: failed.err }).toEqual({ code: 1, out: expect.stringContaining('placement failed: '), err: expect.stringMatching(/graph image-detection-graph has failures$/) });
    expect((await smo(env, 'list', '-p', 'demo')).out).toMatch(new RegExp(`^${GRAPH}\\s+Running \\(placement failed\\)\\s+3\\s+\\d+$`, 'm'));
    rig.kube.setClusters(TWO_CLUSTERS.map((cluster) => karmadaCluster(cluster)));
    expect((await smo(env, 'clusters', 'sync')).code).toBe(0);
    expect((await smo(env, 'placement', GRAPH)).code).toBe(0);
  }, 90_000);

  it('`smo clusters -o wide` shows each cluster’s GPUs, free of allocatable (the column was always empty)', async () => {
    rig.kube.setClusters([karmadaCluster({ name: 'gpus', cpu: '8', memory: '16Gi', gpu: 2, allocatedGpu: 1 })]);
    const listed = await smo({ SMO_URL: rig.smo.url }, 'clusters', 'sync', '-o', 'wide');
    expect(listed.out.split('\n')).toEqual([expect.stringMatching(/^NAME\s.*\sGPU$/), expect.stringMatching(/^gpus\s.*\s1\/2$/)]);
    rig.kube.setClusters(TWO_CLUSTERS.map((cluster) => karmadaCluster(cluster)));
    expect((await smo({ SMO_URL: rig.smo.url }, 'clusters', 'sync')).code).toBe(0);
  }, 30_000);
});
