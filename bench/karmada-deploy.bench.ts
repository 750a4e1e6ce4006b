/**
 * Deploy time with the real helm against the real Karmada lab: one graph of N independent services
 * (default 20), each chart pulled from the lab's OCI registry and installed into karmada-apiserver,
 * deployed once with SMO_HELM_CONCURRENCY=1 (one release after another, as upstream) and once with
 * the parallel setting (default 4). Prints JSON: settle time of each run (POST until SMO answers that
 * the graph settled, every service Deployed), the speed-up, and the checks that both runs reached the
 * same final state with no duplicate install (every release at helm revision 1, one ServiceDeployed
 * per service, every Deployment in Karmada). Exits 1 when a check fails.
 *
 *   scripts/karmada-lab.sh up ./lab && . ./lab/env
 *   npm run bench:karmada                      # ~2 minutes
 *   npm run bench:karmada -- --services 10 --parallel 8
 */
import { execFile } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
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

async function deployOnce(lab: Lab, concurrency: number) {
  const graphId = `bench-helm-c${concurrency}`;
  const smo = await startLabSmo(lab, { SMO_HELM_CONCURRENCY: String(concurrency), SMO_DEPLOY_WAIT: '900', SMO_HELM_TIMEOUT: '300' });
  const { karmada } = labClusters(lab);
  try {
    await fetch(`${smo.url}/clusters/sync`, { method: 'POST' });
    const started = performance.now();
    const response = await fetch(`${smo.url}/project/${graphId}/graphs`, { method: 'POST', headers: { 'content-type': 'application/x-yaml' }, body: independentServicesDescriptor(graphId, SERVICES, [`${lab.registry}/noise-reduction`, `${lab.registry}/image-detection`]) });
    const settledMs = performance.now() - started;
    const answer = `${response.status} ${(await response.text()).trim()}`;
    const view = (await (await fetch(`${smo.url}/graphs/${graphId}`)).json()) as { services: Array<{ name: string; status: string }> };
    const events = await smo.runtime.eventStore.readStream(`graph-${graphId}`);
    const deployedEvents = events.filter((e) => e.type === 'ServiceDeployed').length;
    const { stdout } = await run(lab.helmBinary, ['list', '--namespace', graphId, '--kubeconfig', lab.karmadaKubeconfig, '--output', 'json', '--max', '1000']);
    const releases = JSON.parse(stdout) as Array<{ name: string; revision: string; status: string }>;
    const deployments = (await karmada.deploymentNames(graphId)).length;
    const result = {
      concurrency,
      settledMs: Math.round(settledMs),
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
  const sequential = await deployOnce(lab, 1);
  const parallel = await deployOnce(lab, PARALLEL);
  const sameState = (r: typeof sequential) =>
    r.servicesDeployed === SERVICES && r.serviceDeployedEvents === SERVICES && r.releasesAtRevision1 === SERVICES && r.deploymentsInKarmada === SERVICES;
  const report = {
    benchmark: 'karmada-deploy',
    services: SERVICES,
    machine: { cpus: cpus().length, loadavg: loadavg().map((l) => Math.round(l * 100) / 100) },
    sequential,
    parallel,
    speedup: Math.round((sequential.settledMs / parallel.settledMs) * 100) / 100,
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
