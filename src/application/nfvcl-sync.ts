/**
 * The two NFVCL syncs of upstream (`POST /os_k8s/sync/nfvcl_k8s` and `GET
 * /vims/sync/nfvcl_vims`): what NFVCL has, recorded as events. Each item gets its own command id
 * derived from the request's, so a retried request records nothing twice.
 */
import { osK8sClusterId } from '../domain/os-k8s-cluster/ids';
import type { BlueprintFacts } from '../domain/os-k8s-cluster/events';
import type { OsK8sClusterCommand } from '../domain/os-k8s-cluster/commands';
import type { OsK8sClusterCommands } from './os-k8s-cluster-commands';
import { mayBeBuiltFor, type NfvclCalls } from './nfvcl-calls';
import type { VimRegistered } from '../domain/vim/events';
import type { NfvclPort } from '../integrations/nfvcl/nfvcl.port';
import type { ReadStore } from '../readstore/read-store';
import type { OsK8sClusterDocument } from '../../projections/os-k8s-clusters.projection';
import type { VimDocument } from '../../projections/vims.projection';
import type { CommandContext } from './command-handler';

/**
 * Registers the VIMs of NFVCL's topology that SMO does not know by name; their passwords are not read.
 * `registerVim` answers null when it did not register (the name is being registered by a request, or was meanwhile).
 */
export async function syncVimsFromNfvcl(
  deps: {
    nfvcl: NfvclPort;
    registerVim: (data: Omit<VimRegistered['data'], 'vimId'>, context: CommandContext) => Promise<{ vimId: number; repeated: boolean } | null>;
    readStore: ReadStore;
  },
  context: CommandContext,
): Promise<{ added: number[] }> {
  const found = await deps.nfvcl.topologyVims();
  const known = new Set((await deps.readStore.find<VimDocument>('vims', { where: { removed: false } })).map(({ doc }) => doc.name));
  const added: number[] = [];
  for (const vim of found) {
    if (known.has(vim.name)) continue;
    const [mgmt, service] = vim.networks.length >= 2 ? vim.networks : [null, null];
    const result = await deps.registerVim(
      {
        name: vim.name,
        popArea: vim.areas[0] ?? null,
        url: vim.vimUrl,
        vimType: vim.vimType ?? 'openstack',
        networks: vim.networks,
        mgmtNetwork: mgmt ?? null,
        serviceNetwork: service ?? null,
        useFloatingIp: vim.useFloatingIp,
        topology: null,
        tenantName: null,
        user: null,
        source: 'nfvcl-sync',
        nfvclResponse: null,
      },
      { ...context, commandId: `${context.commandId}:vim:${vim.name}` },
    );
    known.add(vim.name);
    if (result && !result.repeated) added.push(result.vimId);
  }
  return { added };
}

export interface ClusterSyncOutcome {
  added: string[];
  updated: string[];
  deleted: string[];
}

/**
 * Upserts every Kubernetes blueprint of NFVCL (those with a master area), optionally of one area,
 * and decommissions the clusters whose blueprint NFVCL no longer has. B15: the area is an integer
 * (upstream compared a string with an int, so its filter matched nothing), and only clusters of
 * that area can be removed (upstream then removed every other area's clusters).
 */
export async function syncOsK8sClustersFromNfvcl(
  deps: {
    nfvcl: NfvclPort;
    dispatch: (command: OsK8sClusterCommand, context: CommandContext) => Promise<{ events: readonly unknown[] }>;
    readStore: ReadStore;
    /** A Karmada kubeconfig is configured: a cluster found ready is expected to join (as the provisioning processor records it). */
    karmadaConfigured: boolean;
    clusters: Pick<OsK8sClusterCommands, 'blueprintsOfDeleted'>;
    calls: Pick<NfvclCalls, 'createsInDoubt'>;
  },
  popArea: number | null,
  context: CommandContext,
): Promise<ClusterSyncOutcome> {
  const blueprints = (await deps.nfvcl.listBlueprints()).filter((blue) => blue.popArea !== null);
  const known = (await deps.readStore.find<OsK8sClusterDocument>('os-k8s-clusters')).map(({ doc }) => doc);
  const byBlueprint = new Map(known.filter((doc) => doc.blueprintId !== null).map((doc) => [doc.blueprintId!, doc]));
  // Areas where a cluster SMO asked for does not know its blueprint yet (NFVCL names it when its task ends).
  const awaitingBlueprint = new Set(known.filter((doc) => doc.status === 'Provisioning' && doc.blueprintId === null).map((doc) => doc.popArea));
  // A deleted cluster's blueprint NFVCL still lists is its own (a delete NFVCL failed comes back on it), not a new cluster.
  const ofDeleted = await deps.clusters.blueprintsOfDeleted();
  // A blueprint NFVCL may have built for a create of SMO's whose answer was lost is that request's: a retry adopts it.
  const inDoubt = await deps.calls.createsInDoubt();
  const outcome: ClusterSyncOutcome = { added: [], updated: [], deleted: [] };
  const step = (name: string): CommandContext => ({ ...context, commandId: `${context.commandId}:${name}` });

  for (const blue of blueprints.filter((b) => popArea === null || b.popArea === popArea)) {
    const facts: BlueprintFacts = {
      blueprintId: blue.id,
      popArea: blue.popArea,
      masterFlavor: blue.masterFlavor,
      mgmtNetwork: blue.mgmtNetwork,
      serviceNetwork: blue.serviceNetwork,
      workers: blue.workers,
    };
    const doc = byBlueprint.get(blue.id);
    if (!doc) {
      // Not imported while it is being deployed, nor while one of SMO's own clusters of its area waits for its
      // blueprint: it may be that one (the provisioning processor records it there). Imported, it had become a
      // second SMO cluster on the same blueprint, deleting which deleted the other's. The next sync imports it.
      // Nor while it may be a lost create's (built after SMO looked for it): imported, a retry had built a second cluster.
      if (blue.phase === 'busy' || awaitingBlueprint.has(blue.popArea) || ofDeleted.has(blue.id) || mayBeBuiltFor(blue, inDoubt)) continue;
      // The id follows from the blueprint, so two syncs racing import it once.
      const smoId = osK8sClusterId(blue.popArea!, `nfvcl-blueprint:${blue.id}`);
      const result = await deps.dispatch({ type: 'ImportCluster', data: { smoId, ...facts } }, step(`import:${blue.id}`));
      if (result.events.length > 0) outcome.added.push(smoId);
    } else {
      const ready = blue.phase === 'ready';
      const karmada = deps.karmadaConfigured ? 'awaiting-join' : 'not-configured';
      const result = await deps.dispatch({ type: 'SyncClusterState', data: { smoId: doc.smoId, ...facts, ready, karmada } }, step(`sync:${doc.smoId}`));
      if (result.events.length > 0) outcome.updated.push(doc.smoId);
    }
  }

  const listed = new Set(blueprints.map((blue) => blue.id));
  for (const doc of known) {
    if (doc.blueprintId === null || listed.has(doc.blueprintId)) continue;
    if (popArea !== null && doc.popArea !== popArea) continue;
    await deps.dispatch({ type: 'DecommissionCluster', data: { smoId: doc.smoId, taskId: null, reason: 'absent-from-nfvcl' } }, step(`gone:${doc.smoId}`));
    outcome.deleted.push(doc.smoId);
  }
  return outcome;
}
