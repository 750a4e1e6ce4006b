import type { KubeConfig } from '@kubernetes/client-node';
import {
  FakeKubeApi,
  karmadaCluster,
  submarinerCluster,
  submarinerGateway,
  type RunningFakeKubeApi,
} from '../../../test/fakes/kubernetes/fake-kube-api';
import { KubeApiError, KubeApiStatusError, KubeApiTimeoutError, KubeApiUnreachableError } from '../kubernetes/kube-errors';
import { loadKubeconfigFile, loadKubeconfigText } from '../kubernetes/kubeconfig';
import { KarmadaInventoryAdapter, type InventoryIssue } from './karmada-inventory.adapter';
import { SubmarinerBrokerAdapter } from './submariner-broker.adapter';
import { parseGoDurationMs } from './submariner-objects';

const GI = 1024 ** 3;

describe('KarmadaInventoryAdapter against the fake Karmada API', () => {
  const api = new FakeKubeApi();
  let running: RunningFakeKubeApi;
  let kc: KubeConfig;
  let issues: InventoryIssue[];
  let adapter: KarmadaInventoryAdapter;

  beforeAll(async () => {
    running = await api.start();
    kc = loadKubeconfigFile(running.kubeconfigPath, { trusted: false });
  });
  afterAll(() => running.stop());
  beforeEach(() => {
    api.up();
    issues = [];
    adapter = new KarmadaInventoryAdapter(kc, { timeoutMs: 2000, onIssue: (issue) => issues.push(issue) });
    api.setSubmarinerClusters([]);
    api.setGateways([]);
  });

  it('reads capacity as allocatable minus allocated minus allocating', async () => {
    api.setClusters([
      karmadaCluster({ name: 'cluster1-master', cpu: '8', memory: '32617472Ki', allocatedCpu: '1950m', allocatedMemory: '1310Mi' }),
      karmadaCluster({ name: 'cluster2', cpu: '4', memory: '8Gi', allocatedCpu: '500m', allocatedMemory: '1Gi', allocatingCpu: '1', allocatingMemory: '512Mi' }),
    ]);
    const [first, second] = await adapter.listClusters();
    expect(first).toEqual({
      name: 'cluster1-master',
      available: true,
      workloadsRun: true,
      cpuAvailable: 6.05,
      cpuAllocatable: 8,
      memoryAvailableBytes: 32617472 * 1024 - 1310 * 1024 ** 2,
      memoryAllocatableBytes: 32617472 * 1024,
      gpuAvailable: 0,
      gpuAllocatable: 0,
      acceleration: false,
      location: { region: null, zone: null, provider: null },
      podCidr: null,
      serviceCidr: null,
    });
    expect(second).toMatchObject({ cpuAvailable: 2.5, memoryAvailableBytes: 6.5 * GI });
    expect(issues).toEqual([]);
    expect(api.requests.at(-1)).toMatchObject({ method: 'GET', path: '/apis/cluster.karmada.io/v1alpha1/clusters', status: 200 });
  });

  it('clamps at zero when pending pods ask for more than is left', async () => {
    api.setClusters([karmadaCluster({ name: 'busy', cpu: '2', allocatedCpu: '1500m', allocatingCpu: '4' })]);
    const [busy] = await adapter.listClusters();
    expect(busy?.cpuAvailable).toBe(0);
  });

  it('sorts clusters by name (placement columns depend on the order)', async () => {
    api.setClusters(['zeta', 'alpha', 'mid'].map((name) => karmadaCluster({ name })));
    expect((await adapter.listClusters()).map((c) => c.name)).toEqual(['alpha', 'mid', 'zeta']);
  });

  it('marks NotReady and unreachable clusters unavailable and says why', async () => {
    api.setClusters([
      karmadaCluster({ name: 'down', ready: false }),
      karmadaCluster({ name: 'gone', ready: 'unreachable' }),
      karmadaCluster({ name: 'up' }),
    ]);
    const clusters = await adapter.listClusters();
    expect(clusters.map((c) => [c.name, c.available])).toEqual([['down', false], ['gone', false], ['up', true]]);
    expect(issues.map((i) => `${i.cluster}: ${i.message}`)).toEqual([
      'down: not ready: ClusterNotReady: cluster is reachable but health endpoint responded without ok',
      'gone: not ready: ClusterNotReachable: cluster is not reachable',
    ]);
  });

  it('accepts the upstream match on reason ClusterReady when no Ready-typed condition exists', async () => {
    const object = karmadaCluster({ name: 'legacy' });
    const status = object.status as { conditions: Array<Record<string, string>> };
    status.conditions = [{ type: 'Healthy', status: 'True', reason: 'ClusterReady' }];
    api.setClusters([object]);
    expect((await adapter.listClusters())[0]?.available).toBe(true);
  });

  it('gives zeros and available=false for a cluster without resourceSummary instead of failing (B14)', async () => {
    api.setClusters([karmadaCluster({ name: 'joining', resourceSummary: false }), karmadaCluster({ name: 'ok' })]);
    const [joining, ok] = await adapter.listClusters();
    expect(joining).toMatchObject({ name: 'joining', available: false, cpuAvailable: 0, cpuAllocatable: 0, memoryAvailableBytes: 0 });
    expect(ok?.available).toBe(true);
    expect(issues).toEqual([{ cluster: 'joining', message: 'no status.resourceSummary yet' }]);
  });

  it('marks a cluster with a garbage quantity unavailable rather than failing the list', async () => {
    api.setClusters([karmadaCluster({ name: 'weird', cpu: 'lots' })]);
    const [weird] = await adapter.listClusters();
    expect(weird).toMatchObject({ available: false, cpuAllocatable: 0 });
    expect(issues[0]?.message).toBe('unparseable quantity for cpu: "lots"');
  });

  it('marks a cluster with a negative quantity unavailable, and never offers more than allocatable', async () => {
    api.setClusters([
      karmadaCluster({ name: 'c1', cpu: '4', memory: '8Gi', allocatedCpu: '-6', allocatedMemory: '-8Gi' }),
      karmadaCluster({ name: 'c2', cpu: '-4', memory: '8Gi', allocatedCpu: '0', allocatedMemory: '0' }),
    ]);
    const [c1, c2] = await adapter.listClusters();
    expect(c1).toMatchObject({ available: false, cpuAvailable: 4, cpuAllocatable: 4, memoryAvailableBytes: 8 * GI });
    expect(c2).toMatchObject({ available: false, cpuAvailable: 0, cpuAllocatable: 0 });
    expect(issues.map((issue) => `${issue.cluster}: ${issue.message}`)).toEqual([
      'c1: negative quantity for cpu: "-6"',
      'c1: negative quantity for memory: "-8Gi"',
      'c2: negative quantity for cpu: "-4"',
    ]);
  });

  it('marks a cordoned (NoSchedule) or drained (NoExecute) cluster unavailable: SMO’s policies carry no tolerations; only a drained one’s workloads are lost', async () => {
    const tainted = (name: string, taint: Record<string, string>) => {
      const cluster = karmadaCluster({ name, cpu: '8', memory: '16Gi', allocatedCpu: '0', allocatedMemory: '0' });
      (cluster.spec as Record<string, unknown>).taints = [taint];
      return cluster;
    };
    api.setClusters([
      tainted('c1', { key: 'cluster.karmada.io/unschedulable', effect: 'NoSchedule', timeAdded: '2026-05-02T09:12:44Z' }),
      tainted('c2', { key: 'maintenance', value: 'true', effect: 'NoExecute' }),
      tainted('c3', { key: 'spot', effect: 'PreferNoSchedule' }),
    ]);
    const clusters = await adapter.listClusters();
    expect(clusters.map((c) => [c.name, c.available, c.workloadsRun])).toEqual([
      ['c1', false, true],
      ['c2', false, false],
      ['c3', true, true],
    ]);
    expect(issues).toEqual([
      { cluster: 'c1', message: 'tainted cluster.karmada.io/unschedulable:NoSchedule' },
      { cluster: 'c2', message: 'tainted maintenance=true:NoExecute' },
    ]);
  });

  it('counts GPUs from the configured resource names and derives acceleration', async () => {
    api.setClusters([
      karmadaCluster({ name: 'nv', gpu: 2, allocatedGpu: 1 }),
      karmadaCluster({ name: 'amd', gpu: '4', gpuResource: 'amd.com/gpu' }),
      karmadaCluster({ name: 'intel', gpu: 1, gpuResource: 'gpu.intel.com/i915' }),
    ]);
    const byName = Object.fromEntries((await adapter.listClusters()).map((c) => [c.name, c]));
    expect(byName.nv).toMatchObject({ gpuAllocatable: 2, gpuAvailable: 1, acceleration: true });
    expect(byName.amd).toMatchObject({ gpuAllocatable: 4, gpuAvailable: 4, acceleration: true });
    expect(byName.intel).toMatchObject({ gpuAllocatable: 0, acceleration: false });

    const intelAware = new KarmadaInventoryAdapter(kc, { gpuResourceNames: ['gpu.intel.com/i915'] });
    const intel = (await intelAware.listClusters()).find((c) => c.name === 'intel');
    expect(intel).toMatchObject({ gpuAllocatable: 1, acceleration: true });
  });

  it('takes acceleration from a label, default smo.nephele.eu/acceleration=true, configurable', async () => {
    api.setClusters([
      karmadaCluster({ name: 'fpga', labels: { 'smo.nephele.eu/acceleration': 'true' } }),
      karmadaCluster({ name: 'plain', labels: { 'smo.nephele.eu/acceleration': 'false' } }),
      karmadaCluster({ name: 'custom', labels: { 'example.org/accel': 'yes' } }),
    ]);
    const flags = (list: { name: string; acceleration: boolean }[]) => list.map((c) => [c.name, c.acceleration]);
    expect(flags(await adapter.listClusters())).toEqual([['custom', false], ['fpga', true], ['plain', false]]);
    const custom = new KarmadaInventoryAdapter(kc, { accelerationLabel: { key: 'example.org/accel', value: 'yes' } });
    expect(flags(await custom.listClusters())).toEqual([['custom', true], ['fpga', false], ['plain', false]]);
  });

  it('carries the cluster labels the intents read; a cluster without labels has none', async () => {
    api.setClusters([
      karmadaCluster({ name: 'green', labels: { 'smo.nephele.eu/trusted': 'true', 'smo.nephele.eu/carbon-intensity': '35' } }),
      karmadaCluster({ name: 'bare' }),
    ]);
    const [bare, green] = await adapter.listClusters();
    expect(green?.labels).toEqual({ 'smo.nephele.eu/trusted': 'true', 'smo.nephele.eu/carbon-intensity': '35' });
    expect(bare).not.toHaveProperty('labels');
  });

  it('reads region, zone (or zones[0]) and provider from spec', async () => {
    api.setClusters([
      karmadaCluster({ name: 'a', region: 'eu-west', zone: 'bru-1', provider: 'openstack' }),
      karmadaCluster({ name: 'b', region: 'eu-south', zones: ['ath-1', 'ath-2'] }),
    ]);
    const [a, b] = await adapter.listClusters();
    expect(a?.location).toEqual({ region: 'eu-west', zone: 'bru-1', provider: 'openstack' });
    expect(b?.location).toEqual({ region: 'eu-south', zone: 'ath-1', provider: null });
  });

  describe('with Submariner', () => {
    let submariner: SubmarinerBrokerAdapter;
    beforeEach(() => {
      submariner = new SubmarinerBrokerAdapter(kc, { timeoutMs: 2000 });
      adapter = new KarmadaInventoryAdapter(kc, { timeoutMs: 2000, networks: submariner, onIssue: (issue) => issues.push(issue) });
      api.setClusters([karmadaCluster({ name: 'c1' }), karmadaCluster({ name: 'c2' })]);
    });

    it('joins pod and service CIDRs by cluster name and tolerates a missing entry', async () => {
      api.setSubmarinerClusters([submarinerCluster({ clusterId: 'c1', podCidr: '10.10.0.0/16', serviceCidr: '10.110.0.0/16' })]);
      const [c1, c2] = await adapter.listClusters();
      expect(c1).toMatchObject({ podCidr: '10.10.0.0/16', serviceCidr: '10.110.0.0/16' });
      expect(c2).toMatchObject({ podCidr: null, serviceCidr: null, available: true });
      expect(issues).toEqual([{ cluster: 'c2', message: 'no Submariner cluster entry: pod/service CIDR unknown' }]);
      expect(api.requests.some((r) => r.path === '/apis/submariner.io/v1/namespaces/submariner-k8s-broker/clusters')).toBe(true);
    });

    it('lists clusters without CIDRs when the broker fails, and reports the error', async () => {
      api.failNext('/apis/submariner.io/', 403);
      const clusters = await adapter.listClusters();
      expect(clusters.map((c) => [c.name, c.available, c.podCidr])).toEqual([['c1', true, null], ['c2', true, null]]);
      expect(issues).toHaveLength(1);
      expect(issues[0]?.error).toBeInstanceOf(KubeApiStatusError);
      expect(issues[0]?.error).toMatchObject({ status: 403, reason: 'Forbidden' });
    });

    it('returns an empty map plus the error from the broker adapter itself', async () => {
      api.failNext('/apis/submariner.io/', 500);
      const { value, error } = await submariner.readClusterNetworks();
      expect(value.size).toBe(0);
      expect(error).toBeInstanceOf(KubeApiStatusError);
    });

    it('uses a configurable broker namespace', async () => {
      api.setSubmarinerClusters([submarinerCluster({ clusterId: 'c1', podCidr: '10.1.0.0/16', serviceCidr: '10.2.0.0/16' })], 'other-broker');
      const other = new SubmarinerBrokerAdapter(kc, { brokerNamespace: 'other-broker' });
      expect((await other.readClusterNetworks()).value.get('c1')).toEqual({ podCidr: '10.1.0.0/16', serviceCidr: '10.2.0.0/16' });
    });

    it('reads average gateway RTTs in milliseconds, connected links only', async () => {
      api.setGateways([
        submarinerGateway({ clusterId: 'c1', connections: [{ clusterId: 'c2', averageRtt: '1.2ms' }, { clusterId: 'c3', averageRtt: '9ms', status: 'error' }] }),
        submarinerGateway({ clusterId: 'c2', connections: [{ clusterId: 'c1', averageRtt: '850µs' }] }),
      ]);
      const { value, error } = await submariner.readGatewayLatencies();
      expect(error).toBeNull();
      expect(value).toEqual({ c1: { c2: 1.2 }, c2: { c1: 0.85 } });
    });

    it('returns no latencies plus the error when gateways cannot be read', async () => {
      api.failNext('/apis/submariner.io/v1/namespaces/submariner-operator/gateways', 404);
      expect(await submariner.readGatewayLatencies()).toEqual({ value: {}, error: expect.any(KubeApiStatusError) });
    });
  });

  describe('when the API server is not there', () => {
    it('rejects at once with KubeApiUnreachableError when connections are refused', async () => {
      api.down();
      const started = Date.now();
      await expect(adapter.listClusters()).rejects.toBeInstanceOf(KubeApiUnreachableError);
      expect(Date.now() - started).toBeLessThan(1500);
    });

    it('rejects with KubeApiTimeoutError after timeoutMs when the server does not answer', async () => {
      api.hang();
      const quick = new KarmadaInventoryAdapter(kc, { timeoutMs: 300 });
      const started = Date.now();
      await expect(quick.listClusters()).rejects.toEqual(expect.any(KubeApiTimeoutError));
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(250);
      expect(elapsed).toBeLessThan(1500);
    });

    it('passes on the caller’s abort reason unchanged', async () => {
      api.hang();
      const controller = new AbortController();
      const listing = adapter.listClusters(controller.signal);
      controller.abort(new Error('shutting down'));
      await expect(listing).rejects.toThrow('shutting down');
    });

    it('reports HTTP errors with their status and reason', async () => {
      api.failNext('/apis/cluster.karmada.io/', 503);
      await expect(adapter.listClusters()).rejects.toMatchObject({ status: 503, reason: 'ServiceUnavailable' });
    });

    it('recovers once the server is back', async () => {
      api.down();
      await expect(adapter.listClusters()).rejects.toThrow();
      api.up();
      api.setClusters([karmadaCluster({ name: 'back' })]);
      expect((await adapter.listClusters()).map((c) => c.name)).toEqual(['back']);
    });
  });

  it('surfaces client-node’s refusal of http:// without insecure-skip-tls-verify as a local error', async () => {
    const strict = loadKubeconfigText(running.kubeconfigYaml.replace('insecure-skip-tls-verify: true', 'insecure-skip-tls-verify: false'), { trusted: false });
    const listing = new KarmadaInventoryAdapter(strict).listClusters();
    await expect(listing).rejects.toThrow('HTTP protocol is not allowed when skipTLSVerify is not set or false');
    await expect(new KarmadaInventoryAdapter(strict).listClusters()).rejects.not.toBeInstanceOf(KubeApiError);
  });

  it('refuses a wrong token with a 401 status error', async () => {
    const wrong = loadKubeconfigFile(running.kubeconfigPath, { trusted: false });
    wrong.users = [{ name: 'fake-user', token: 'wrong' }];
    await expect(new KarmadaInventoryAdapter(wrong).listClusters()).rejects.toMatchObject({ status: 401 });
  });
});

describe('parseGoDurationMs', () => {
  it.each([
    ['1.2ms', 1.2],
    ['850µs', 0.85],
    ['850μs', 0.85],
    ['850us', 0.85],
    ['1500000ns', 1.5],
    ['2s', 2000],
    ['1m2.5s', 62500],
    ['1h', 3_600_000],
    ['0s', 0],
    ['0', 0],
  ])('%s → %d ms', (text, ms) => {
    expect(parseGoDurationMs(text)).toBeCloseTo(ms, 9);
  });

  it.each(['', 'ms', '1.2', '1.2 ms', '-1ms', '1d', 'fast'])('refuses %p', (text) => {
    expect(parseGoDurationMs(text)).toBeNull();
  });
});
