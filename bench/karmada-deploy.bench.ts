/**
 * Deploy time with the real helm against the real Karmada lab: one graph of N independent services
 * (default 20), each chart pulled from the lab's OCI registry and installed into karmada-apiserver,
 * deployed once with SMO_HELM_CONCURRENCY=1 (one release after another, as upstream) and once with
 * the parallel setting (default 4). Prints JSON: settle time of each run (POST until SMO answers that
 * the graph settled, every service Deployed), the speed-up, and the checks that both runs reached the
 * same final state with no duplicate install (every release at helm revision 1, one ServiceDeployed
 * per service, every Deployment in Karmada). Exits 1 when a check fails.
 * Each run also says where its time went: `phasesMs` (until the placement was recorded, the installs,
 * from the last install to the answer) and `cpu` (SMO itself, the helm processes it ran, each lab
 * component), plus the lab's idle CPU and the load average: the lab shares the machine's cores with
 * SMO and helm, so on a busy machine compare `cpuRatio` as well as `speedup`.
 *
 *   scripts/karmada-lab.sh up ./lab && . ./lab/env
 *   npm run bench:karmada                      # ~2 minutes
 *   npm run bench:karmada -- --services 10 --parallel 8
 */
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findLab, labClusters, startLabSmo, type Lab } from '../test/karmada/lab';
import { independentServicesDescriptor } from '../test/support/graph-fixtures';

const run = promisify(execFile);
const argument = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
};
const SERVICES = argument('services', 20);
const PARALLEL = argument('parallel', 4);

/** Clock ticks per second of /proc/PID/stat (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) of a process, and of its children it has waited for (helm). */
function cpuSeconds(pid: number | 'self'): { own: number; children: number } {
  try {
    // Fields after the command name (which may contain spaces): utime is the 12th, then stime, cutime, cstime.
    const ticks = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ').slice(11, 15).map(Number);
    return { own: (ticks[0]! + ticks[1]!) / TICKS_PER_SECOND, children: (ticks[2]! + ticks[3]!) / TICKS_PER_SECOND };
  } catch {
    return { own: 0, children: 0 }; // the process is gone
  }
}

/** CPU seconds per lab component (karmada-apiserver, etcd, the members…), read from DIR/run/*.pid. */
function labCpu(lab: Lab): Record<string, number> {
  const run = join(lab.dir, 'run');
  return Object.fromEntries(
    readdirSync(run)
      .filter((f) => f.endsWith('.pid'))
      .map((f) => [f.slice(0, -4), cpuSeconds(Number(readFileSync(join(run, f), 'utf8'))).own]),
  );
}

/**
 * Where the CPU went during one deploy: SMO (in this process), the helm processes it ran, and each
 * lab component. On a shared machine wall time is noisy; CPU time much less so.
 */
function cpuSince(before: { self: { own: number; children: number }; lab: Record<string, number> }, lab: Lab) {
  const now = labCpu(lab);
  const labSeconds = Object.fromEntries(Object.entries(now).map(([name, seconds]) => [name, round(seconds - (before.lab[name] ?? 0))]));
  const top = Object.entries(labSeconds).sort((a, b) => b[1] - a[1]).slice(0, 4);
  const labTotal = round(Object.values(labSeconds).reduce((a, b) => a + b, 0));
  const self = cpuSeconds('self');
  const smo = round(self.own - before.self.own);
  const helm = round(self.children - before.self.children);
  return { smoSeconds: smo, helmSeconds: helm, labSeconds: labTotal, totalSeconds: round(smo + helm + labTotal), busiestLabComponents: Object.fromEntries(top) };
}
const round = (n: number) => Math.round(n * 100) / 100;

async function deployOnce(lab: Lab, concurrency: number) {
  const graphId = `bench-helm-c${concurrency}`;
  const smo = await startLabSmo(lab, { SMO_HELM_CONCURRENCY: String(concurrency), SMO_DEPLOY_WAIT: '900', SMO_HELM_TIMEOUT: '300' });
  const { karmada } = labClusters(lab);
  try {
    await fetch(`${smo.url}/clusters/sync`, { method: 'POST' });
    const cpuBefore = { self: cpuSeconds('self'), lab: labCpu(lab) };
    const started = performance.now();
    const response = await fetch(`${smo.url}/project/${graphId}/graphs`, { method: 'POST', headers: { 'content-type': 'application/x-yaml' }, body: independentServicesDescriptor(graphId, SERVICES, [`${lab.registry}/noise-reduction`, `${lab.registry}/image-detection`]) });
    const settledMs = performance.now() - started;
    const cpu = cpuSince(cpuBefore, lab);
    const answer = `${response.status} ${(await response.text()).trim()}`;
    const view = (await (await fetch(`${smo.url}/graphs/${graphId}`)).json()) as { services: Array<{ name: string; status: string }> };
    const events = await smo.runtime.eventStore.readStream(`graph-${graphId}`);
    const deployedEvents = events.filter((e) => e.type === 'ServiceDeployed').length;
    // Where the wall time went: until the placement was recorded (MILP and commands), the installs, the answer.
    const startedAt = performance.timeOrigin + started;
    const at = (type: string, last = false) => {
      const matching = events.filter((e) => e.type === type);
      const event = last ? matching.at(-1) : matching[0];
      return event ? Date.parse(event.created) : Number.NaN;
    };
    const phasesMs = {
      untilPlacementDecided: Math.round(at('PlacementDecided') - startedAt),
      installs: Math.round(at('ServiceDeployed', true) - at('PlacementDecided')),
      lastInstallToAnswer: Math.round(startedAt + settledMs - at('ServiceDeployed', true)),
    };
    const { stdout } = await run(lab.helmBinary, ['list', '--namespace', graphId, '--kubeconfig', lab.karmadaKubeconfig, '--output', 'json', '--max', '1000']);
    const releases = JSON.parse(stdout) as Array<{ name: string; revision: string; status: string }>;
    const deployments = (await karmada.deploymentNames(graphId)).length;
    const result = {
      concurrency,
      settledMs: Math.round(settledMs),
      phasesMs,
      cpu,
      answer,
      servicesDeployed: view.services.filter((s) => s.status === 'Deployed').length,
      serviceDeployedEvents: deployedEvents,
      releasesAtRevision1: releases.filter((r) => String(r.revision) === '1' && r.status === 'deployed').length,
      deploymentsInKarmada: deployments,
    };
    await fetch(`${smo.url}/graphs/${graphId}`, { method: 'DELETE' });
    return result;
  } finally {
    await smo.close();
    await karmada.deleteNamespace(graphId);
  }
}

async function main(): Promise<void> {
  const lab = findLab();
  if ('skipped' in lab) {
    console.error(`bench:karmada needs the lab: ${lab.skipped}`);
    process.exit(2);
  }
  // What the lab burns doing nothing (leases, Karmada's cluster status every 5 s): part of every run's lab CPU.
  const idleBefore = labCpu(lab);
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  const idleLab = Object.entries(labCpu(lab)).reduce((sum, [name, seconds]) => sum + seconds - (idleBefore[name] ?? 0), 0);
  const sequential = await deployOnce(lab, 1);
  const parallel = await deployOnce(lab, PARALLEL);
  const sameState = (r: typeof sequential) =>
    r.servicesDeployed === SERVICES && r.serviceDeployedEvents === SERVICES && r.releasesAtRevision1 === SERVICES && r.deploymentsInKarmada === SERVICES;
  const report = {
    benchmark: 'karmada-deploy',
    services: SERVICES,
    machine: { cpus: cpus().length, loadavg: loadavg().map((l) => Math.round(l * 100) / 100), labIdleCpuPerSecond: round(idleLab / 5) },
    sequential,
    parallel,
    speedup: Math.round((sequential.settledMs / parallel.settledMs) * 100) / 100,
    /** Below 1 when parallel installs cost more CPU in all than one at a time. */
    cpuRatio: round(sequential.cpu.totalSeconds / parallel.cpu.totalSeconds),
    goal: '≥ 3× faster than one at a time, no duplicate install, same final state',
    checks: { sequentialComplete: sameState(sequential), parallelComplete: sameState(parallel) },
  };
  console.log(JSON.stringify(report, null, 2));
  if (!report.checks.sequentialComplete || !report.checks.parallelComplete) process.exit(1);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
