import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import { startApp, type RunningApp } from '../support/app';
import { descriptorText } from '../support/graph-fixtures';
import { eventually } from '../support/smo-process';
import type { GraphView } from '../../src/api/graphs/graph-view';

/**
 * The real Karmada lab (scripts/karmada-lab.sh) as the e2e suite sees it: kubeconfigs of
 * karmada-apiserver and both members, and the OCI registry holding the test charts. Found through
 * `SMO_LAB_DIR` (the lab's directory: its `env` file is read) or the variables that file exports.
 */
export interface Lab {
  dir: string;
  karmadaKubeconfig: string;
  submarinerKubeconfig: string;
  members: Record<MemberName, string>;
  /** oci://127.0.0.1:PORT/charts */
  registry: string;
  helmBinary: string;
}

export type MemberName = 'member1' | 'member2';
export const MEMBERS: MemberName[] = ['member1', 'member2'];

const ROOT = join(__dirname, '..', '..');
const LAB_SCRIPT = join(ROOT, 'scripts', 'karmada-lab.sh');
const run = promisify(execFile);

/** The lab from the environment, or why there is none. */
export function findLab(env: NodeJS.ProcessEnv = process.env): Lab | { skipped: string } {
  const fromFile = env.SMO_LAB_DIR && existsSync(join(env.SMO_LAB_DIR, 'env')) ? parseEnvFile(readFileSync(join(env.SMO_LAB_DIR, 'env'), 'utf8')) : {};
  const value = (name: string) => env[name] || fromFile[name];
  const names = ['SMO_LAB_DIR', 'KARMADA_KUBECONFIG', 'MEMBER1_KUBECONFIG', 'MEMBER2_KUBECONFIG', 'SMO_TEST_REGISTRY'];
  const missing = names.filter((name) => !value(name));
  if (missing.length > 0) {
    return { skipped: `no Karmada lab: ${missing.join(', ')} not set (start one with scripts/karmada-lab.sh up DIR, then . DIR/env)` };
  }
  return {
    dir: value('SMO_LAB_DIR')!,
    karmadaKubeconfig: value('KARMADA_KUBECONFIG')!,
    submarinerKubeconfig: value('SUBMARINER_KUBECONFIG') ?? value('KARMADA_KUBECONFIG')!,
    members: { member1: value('MEMBER1_KUBECONFIG')!, member2: value('MEMBER2_KUBECONFIG')! },
    registry: value('SMO_TEST_REGISTRY')!,
    helmBinary: value('SMO_HELM_BINARY') ?? join(ROOT, 'tools', 'bin', 'helm'),
  };
}

function parseEnvFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^export ([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match) vars[match[1]!] = match[2]!;
  }
  return vars;
}

export function kubeConfig(path: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromFile(path);
  return config;
}

/** SMO in-process in real mode against the lab: Karmada inventory, Submariner, the real helm. */
export function startLabSmo(lab: Lab, env: Record<string, string> = {}): Promise<RunningApp> {
  return startApp({
    KARMADA_KUBECONFIG: lab.karmadaKubeconfig,
    SUBMARINER_KUBECONFIG: lab.submarinerKubeconfig,
    SMO_HELM_BINARY: lab.helmBinary,
    INSECURE_REGISTRY: 'true',
    SMO_HELM_TIMEOUT: '120',
    SMO_CLUSTER_SYNC_INTERVAL: '2',
    SMO_DEPLOY_WAIT: '120',
    ...env,
  });
}

/** The Brussels demo under another graph id, its charts taken from the lab's registry. */
export function brusselsDescriptor(lab: Lab, graphId: string): string {
  return descriptorText()
    .replace('id: image-detection-graph', `id: ${graphId}`)
    .replaceAll('oci://10.0.3.53:5000/test', lab.registry);
}

export async function getGraph(smo: RunningApp, graphId: string): Promise<GraphView> {
  const response = await fetch(`${smo.url}/graphs/${graphId}`);
  if (!response.ok) throw new Error(`GET /graphs/${graphId}: ${response.status} ${await response.text()}`);
  return (await response.json()) as GraphView;
}

export async function smoRequest(smo: RunningApp, method: string, path: string, body?: string): Promise<Response> {
  return fetch(`${smo.url}${path}`, { method, ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/x-yaml' } }) });
}

/** Reads one API server of the lab (karmada-apiserver or a member) as an administrator. */
export class LabCluster {
  readonly apps: AppsV1Api;
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;

  constructor(readonly kubeconfigPath: string) {
    const config = kubeConfig(kubeconfigPath);
    this.apps = config.makeApiClient(AppsV1Api);
    this.core = config.makeApiClient(CoreV1Api);
    this.custom = config.makeApiClient(CustomObjectsApi);
  }

  async deployment(namespace: string, name: string): Promise<V1Deployment | null> {
    try {
      return await this.apps.readNamespacedDeployment({ name, namespace });
    } catch (error) {
      if ((error as { code?: number }).code === 404) return null;
      throw error;
    }
  }

  async deploymentNames(namespace: string): Promise<string[]> {
    const list = await this.apps.listNamespacedDeployment({ namespace }).catch((error: { code?: number }) => {
      if (error.code === 404) return { items: [] };
      throw error;
    });
    return list.items.map((d) => d.metadata?.name ?? '').sort();
  }

  async runningPods(namespace: string, app: string): Promise<number> {
    const pods = await this.core.listNamespacedPod({ namespace, labelSelector: `app=${app}` });
    return pods.items.filter((pod) => pod.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp).length;
  }

  /** A namespace an earlier run deleted may still be terminating: helm cannot install into it. */
  async waitNamespaceGone(namespace: string, timeoutMs = 120_000): Promise<void> {
    await eventually(async () => {
      try {
        await this.core.readNamespace({ name: namespace });
        return false;
      } catch (error) {
        return (error as { code?: number }).code === 404;
      }
    }, timeoutMs, `namespace ${namespace} gone`);
  }

  async deleteNamespace(namespace: string): Promise<void> {
    await this.core.deleteNamespace({ name: namespace }).catch((error: { code?: number }) => {
      if (error.code !== 404) throw error;
    });
  }
}

export function labClusters(lab: Lab): { karmada: LabCluster; member1: LabCluster; member2: LabCluster } {
  return { karmada: new LabCluster(lab.karmadaKubeconfig), member1: new LabCluster(lab.members.member1), member2: new LabCluster(lab.members.member2) };
}

/** Waits until the service's Deployment runs in `member` with `replicas` Running pods. */
export async function waitRunningIn(member: LabCluster, namespace: string, service: string, replicas = 1, timeoutMs = 90_000): Promise<void> {
  await eventually(async () => (await member.runningPods(namespace, service)) === replicas && (await member.deployment(namespace, service)) !== null, timeoutMs, `${service} Running in ${member.kubeconfigPath}`);
}

export async function waitGoneFrom(member: LabCluster, namespace: string, service: string, timeoutMs = 90_000): Promise<void> {
  await eventually(async () => (await member.deployment(namespace, service)) === null, timeoutMs, `${service} gone from ${member.kubeconfigPath}`);
}

/** `scripts/karmada-lab.sh stop|start DIR COMPONENT`, e.g. member1-apiserver. */
export async function labComponent(lab: Lab, action: 'stop' | 'start', component: string): Promise<void> {
  await run(LAB_SCRIPT, [action, lab.dir, component]);
}

/** Cluster Ready condition as Karmada reports it. */
export async function clusterReady(lab: Lab, cluster: MemberName): Promise<boolean> {
  const object = (await new LabCluster(lab.karmadaKubeconfig).custom.getClusterCustomObject({ group: 'cluster.karmada.io', version: 'v1alpha1', plural: 'clusters', name: cluster })) as {
    status?: { conditions?: Array<{ type: string; status: string }> };
  };
  return object.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}
