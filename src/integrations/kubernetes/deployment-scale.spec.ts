import { FakeKubeApi, type RunningFakeKubeApi } from '../../../test/fakes/kubernetes/fake-kube-api';
import { KarmadaDeployments } from './deployment-scale';
import { KubeApiInvalidResponseError, KubeApiStatusError, KubeApiTimeoutError } from './kube-errors';
import { loadKubeconfigFile } from './kubeconfig';

// A scale through the deployments/scale subresource in the project namespace (B17), read back, is
// tested against a real karmada-apiserver in test/karmada/operations.lab.spec.ts. The fake stays for
// what the lab cannot show on demand: odd payloads, a 404 at a chosen path, a server that never answers.
describe('KarmadaDeployments against the fake Karmada API', () => {
  const api = new FakeKubeApi();
  let running: RunningFakeKubeApi;
  let deployments: KarmadaDeployments;

  beforeAll(async () => {
    running = await api.start();
    deployments = new KarmadaDeployments(loadKubeconfigFile(running.kubeconfigPath, { trusted: false }), { timeoutMs: 2000 });
  });
  afterAll(() => running.stop());
  beforeEach(() => {
    api.up();
    api.setDeployment({ name: 'image-detection', namespace: 'brussels', replicas: 2, availableReplicas: 1, cpuLimit: '500m' });
    api.setDeployment({ name: 'noise-reduction', namespace: 'brussels', replicas: 1 });
  });

  it('reads available replicas (aggregated member status)', async () => {
    expect(await deployments.getAvailableReplicas('image-detection', 'brussels')).toBe(1);
    api.setDeployment({ ...api.getDeployment('brussels', 'image-detection')!, status: {} });
    expect(await deployments.getAvailableReplicas('image-detection', 'brussels')).toBe(0);
  });

  it('reads the first container’s CPU limit in cores, null without one', async () => {
    expect(await deployments.getCpuLimit('image-detection', 'brussels')).toBe(0.5);
    expect(await deployments.getCpuLimit('noise-reduction', 'brussels')).toBeNull();
  });

  it('refuses a garbage CPU limit with a typed error', async () => {
    api.setDeployment({ name: 'odd', namespace: 'brussels', cpuLimit: 'half' });
    await expect(deployments.getCpuLimit('odd', 'brussels')).rejects.toBeInstanceOf(KubeApiInvalidResponseError);
  });

  it('reports a deployment missing from that namespace as a 404 status error', async () => {
    await expect(deployments.scale('image-detection', 'default', 2)).rejects.toMatchObject({ status: 404, reason: 'NotFound' });
    await expect(deployments.getAvailableReplicas('nope', 'brussels')).rejects.toBeInstanceOf(KubeApiStatusError);
  });

  it('refuses negative or fractional replica counts before calling the API', async () => {
    const before = api.requests.length;
    await expect(deployments.scale('image-detection', 'brussels', -1)).rejects.toBeInstanceOf(RangeError);
    await expect(deployments.scale('image-detection', 'brussels', 1.5)).rejects.toBeInstanceOf(RangeError);
    expect(api.requests.length).toBe(before);
  });

  it('times out a scale the server never answers', async () => {
    api.hang();
    const quick = new KarmadaDeployments(loadKubeconfigFile(running.kubeconfigPath, { trusted: false }), { timeoutMs: 200 });
    await expect(quick.scale('image-detection', 'brussels', 2)).rejects.toBeInstanceOf(KubeApiTimeoutError);
  });
});
