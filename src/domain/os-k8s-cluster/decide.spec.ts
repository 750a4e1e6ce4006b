import { deciderSpecification } from '../../../test/support/decider-specification';
import { osK8sClusterDecider } from './decide';
import type { BlueprintFacts, ClusterProvisioned, ClusterProvisioningFailed, ClusterProvisioningRequested, OsK8sClusterEvent } from './events';
import { evolveOsK8sCluster } from './evolve';
import { OS_K8S_CLUSTER_ID, osK8sClusterId } from './ids';
import { initialOsK8sClusterState, type ExistingOsK8sCluster } from './state';

const spec = deciderSpecification(osK8sClusterDecider);
const smoId = 'OS_K8S_0_AbCdE';

const requested: ClusterProvisioningRequested = {
  type: 'ClusterProvisioningRequested',
  data: {
    smoId,
    popArea: 0,
    vimId: 1,
    vimName: 'os-brussels',
    mgmtNetwork: 'mgmt',
    serviceNetwork: 'svc',
    workerReplicas: 1,
    blueprintId: 'BLUE01',
    taskId: 't-1',
    nfvclAnswer: 'async',
    nfvclRequest: {},
    nfvclResponse: {},
  },
};
const provisioned: ClusterProvisioned = {
  type: 'ClusterProvisioned',
  data: { smoId, blueprintId: 'BLUE01', popArea: 0, workers: 1, masterFlavor: { vcpu_count: '4' }, karmada: 'not-configured' },
};
const failed: ClusterProvisioningFailed = { type: 'ClusterProvisioningFailed', data: { smoId, blueprintId: 'BLUE01', taskId: 't-1', reason: 'task-failed', detail: 'quota exceeded' } };
const decommissioned: OsK8sClusterEvent = { type: 'ClusterDecommissioned', data: { smoId, blueprintId: 'BLUE01', taskId: null, reason: 'requested' } };
const facts: BlueprintFacts = { blueprintId: 'BLUE01', popArea: 0, masterFlavor: { vcpu_count: '4' }, mgmtNetwork: 'mgmt', serviceNetwork: 'svc', workers: 1 };
const fold = (events: OsK8sClusterEvent[]) => events.reduce(evolveOsK8sCluster, initialOsK8sClusterState) as ExistingOsK8sCluster;

describe('OpenStack Kubernetes cluster decider', () => {
  describe('provisioning', () => {
    it('records a request; the cluster is Provisioning', () => {
      spec.given([]).when({ type: 'RequestClusterProvisioning', data: requested.data }).then([requested]);
      expect(fold([requested])).toMatchObject({ status: 'Provisioning', blueprintId: 'BLUE01', origin: 'smo', vimName: 'os-brussels' });
    });
    it('refuses an id in use', () =>
      spec.given([requested]).when({ type: 'RequestClusterProvisioning', data: requested.data }).thenThrows({ kind: 'conflict', message: `OS K8S cluster ${smoId} already exists` }));
    it('records the ready blueprint once: a repeated or late outcome changes nothing', () => {
      spec.given([requested]).when({ type: 'RecordClusterProvisioned', data: provisioned.data }).then([provisioned]);
      spec.given([requested, provisioned]).when({ type: 'RecordClusterProvisioned', data: provisioned.data }).then([]);
      spec.given([requested, provisioned]).when({ type: 'RecordClusterProvisioningFailure', data: failed.data }).then([]);
      expect(fold([requested, provisioned])).toMatchObject({ status: 'Provisioned', workers: 1, masterFlavor: { vcpu_count: '4' }, karmada: 'not-configured' });
    });
    it('records a failure with its reason', () => {
      spec.given([requested]).when({ type: 'RecordClusterProvisioningFailure', data: failed.data }).then([failed]);
      expect(fold([requested, failed])).toMatchObject({ status: 'Failed', failure: { reason: 'task-failed', detail: 'quota exceeded' } });
    });
    it('ignores an outcome for a cluster decommissioned meanwhile', () =>
      spec.given([requested, decommissioned]).when({ type: 'RecordClusterProvisioned', data: provisioned.data }).then([]));
  });

  describe('scale-out', () => {
    it('adds workers to a provisioned cluster', () =>
      spec.given([requested, provisioned]).when({ type: 'ScaleOutCluster', data: { smoId, addedWorkers: 2, taskId: null, nfvclResponse: null } }).then([
        { type: 'ClusterScaledOut', data: { smoId, blueprintId: 'BLUE01', popArea: 0, addedWorkers: 2, workers: 3, taskId: null, nfvclResponse: null } },
      ]));
    it('refuses a cluster still provisioning or failed', () => {
      spec.given([requested]).when({ type: 'ScaleOutCluster', data: { smoId, addedWorkers: 1, taskId: null, nfvclResponse: null } }).thenThrows({ kind: 'conflict' });
      spec.given([requested, failed]).when({ type: 'ScaleOutCluster', data: { smoId, addedWorkers: 1, taskId: null, nfvclResponse: null } }).thenThrows({ kind: 'conflict' });
    });
    it('a failed add_node takes back its workers, unless a sync has since recorded the workers NFVCL has', () => {
      const scaledOut: OsK8sClusterEvent = { type: 'ClusterScaledOut', data: { smoId, blueprintId: 'BLUE01', popArea: 0, addedWorkers: 2, workers: 3, taskId: 't-2', nfvclResponse: null } };
      const failure = { type: 'RecordScaleOutFailure', data: { smoId, taskId: 't-2', addedWorkers: 2, detail: 'no quota' } } as const;
      const failedWith = (workers: number): OsK8sClusterEvent => ({ type: 'ClusterScaleOutFailed', data: { smoId, blueprintId: 'BLUE01', taskId: 't-2', addedWorkers: 2, workers, detail: 'no quota' } });
      spec.given([requested, provisioned, scaledOut]).when(failure).then([failedWith(1)]);
      // The sync read NFVCL's blueprint (in error after the failed add_node) before the failure was recorded: 1 worker, already.
      const synced: OsK8sClusterEvent = { type: 'ClusterStateSynced', data: { ...facts, smoId, workers: 1 } };
      spec.given([requested, provisioned, scaledOut, synced]).when(failure).then([failedWith(1)]);
      expect(fold([requested, provisioned, scaledOut, synced, failedWith(1)])).toMatchObject({ workers: 1 });
    });
    it('answers upstream 404 text for an unknown cluster', () =>
      spec.given([]).when({ type: 'ScaleOutCluster', data: { smoId, addedWorkers: 1, taskId: null, nfvclResponse: null } }).thenThrows({ kind: 'not-found', message: 'OS K8S cluster not found' }));
  });

  describe('decommission', () => {
    it('decommissions a cluster in any state, once', () => {
      spec.given([requested]).when({ type: 'DecommissionCluster', data: { smoId, taskId: null, reason: 'requested' } }).then([decommissioned]);
      spec.given([requested, failed]).when({ type: 'DecommissionCluster', data: { smoId, taskId: null, reason: 'requested' } }).then([decommissioned]);
      spec.given([requested, decommissioned]).when({ type: 'DecommissionCluster', data: { smoId, taskId: null, reason: 'requested' } }).thenThrows({ kind: 'not-found' });
    });
  });

  describe('sync', () => {
    it('imports a blueprint SMO did not know as Provisioned, once', () => {
      const imported: OsK8sClusterEvent = { type: 'ClusterImported', data: { smoId, ...facts } };
      spec.given([]).when({ type: 'ImportCluster', data: { smoId, ...facts } }).then([imported]);
      spec.given([imported]).when({ type: 'ImportCluster', data: { smoId, ...facts } }).then([]);
      expect(fold([imported])).toMatchObject({ status: 'Provisioned', origin: 'nfvcl-sync', workers: 1 });
    });
    it('records what changed in NFVCL, and nothing when nothing did', () => {
      const read = { ready: true, karmada: 'not-configured' } as const;
      spec.given([requested, provisioned]).when({ type: 'SyncClusterState', data: { smoId, ...facts, ...read } }).then([]);
      const more = { smoId, ...facts, workers: 3 };
      spec.given([requested, provisioned]).when({ type: 'SyncClusterState', data: { ...more, ...read } }).then([{ type: 'ClusterStateSynced', data: more }]);
    });
    it('makes a cluster whose provisioning failed Provisioned once NFVCL reports its blueprint ready, but not one whose deletion failed', () => {
      const read = { ready: true, karmada: 'not-configured' } as const;
      const revived = { type: 'ClusterProvisioned', data: { smoId, blueprintId: 'BLUE01', popArea: 0, workers: 1, masterFlavor: { vcpu_count: '4' }, karmada: 'not-configured' } };
      spec.given([requested, failed]).when({ type: 'SyncClusterState', data: { smoId, ...facts, ...read } }).then([{ type: 'ClusterStateSynced', data: { smoId, ...facts } }, revived as OsK8sClusterEvent]);
      // The user asked for it to go: NFVCL's blueprint, ready again, does not make it wanted.
      const deletionFailed: OsK8sClusterEvent = {
        type: 'ClusterDeletionFailed',
        data: { smoId, blueprintId: 'BLUE01', taskId: null, detail: 'NFVCL could not delete the VMs', cluster: { ...fold([requested, provisioned]), status: 'Provisioned' } } as never,
      };
      expect(fold([requested, provisioned, decommissioned, deletionFailed])).toMatchObject({ status: 'Failed', failure: { reason: 'delete-failed' } });
      spec.given([requested, provisioned, decommissioned, deletionFailed]).when({ type: 'SyncClusterState', data: { smoId, ...facts, ...read } }).then([]);
    });
  });

  describe('ids', () => {
    it('are upstream-shaped, stable per seed and different across seeds', () => {
      const id = osK8sClusterId(3, 'seed-1');
      expect(id).toMatch(OS_K8S_CLUSTER_ID);
      expect(id.startsWith('OS_K8S_3_')).toBe(true);
      expect(osK8sClusterId(3, 'seed-1')).toBe(id);
      const many = new Set(Array.from({ length: 200 }, (_, i) => osK8sClusterId(0, `seed-${i}`)));
      expect(many.size).toBe(200);
    });
  });
});
