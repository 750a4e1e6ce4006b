import { silentServer, tokenKubeconfig, type SilentServer } from '../../../test/fakes/silent-server';
import { KarmadaDeployments } from './deployment-scale';
import { KubeApiTimeoutError } from './kube-errors';
import { loadKubeconfigText } from './kubeconfig';
import { KarmadaInventoryAdapter } from '../karmada/karmada-inventory.adapter';
import { SubmarinerBrokerAdapter } from '../karmada/submariner-broker.adapter';
import { PrometheusRuleAdapter } from '../prometheus/prometheus-rule.adapter';

const TOKEN = 'silent-server-secret-token';

describe.each(['http', 'https'])('Kubernetes API calls to a %s server that accepts and never answers', (scheme) => {
  let silent: SilentServer;
  beforeAll(async () => {
    silent = await silentServer();
    // Loads client-node's request modules: under Jest the first call spends seconds requiring them, with the event loop blocked.
    await new KarmadaDeployments(kc(), { timeoutMs: 100 }).getDesiredReplicas('warm-up', 'ns').catch(() => undefined);
  });
  afterAll(() => silent.close());

  const kc = () => loadKubeconfigText(tokenKubeconfig(`${scheme}://127.0.0.1:${silent.port}`, TOKEN), { trusted: false });
  const timeoutMs = 500;
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['list karmada clusters', () => new KarmadaInventoryAdapter(kc(), { timeoutMs }).listClusters()],
    // Best effort: the failure comes back as a value.
    ['list submariner clusters', async () => { throw (await new SubmarinerBrokerAdapter(kc(), { timeoutMs }).readClusterNetworks()).error; }],
    ['list submariner gateways', async () => { throw (await new SubmarinerBrokerAdapter(kc(), { timeoutMs }).readGatewayLatencies()).error; }],
    ['read deployment', () => new KarmadaDeployments(kc(), { timeoutMs }).getAvailableReplicas('svc', 'ns')],
    ['read deployment scale', () => new KarmadaDeployments(kc(), { timeoutMs }).getDesiredReplicas('svc', 'ns')],
    ['scale deployment', () => new KarmadaDeployments(kc(), { timeoutMs }).scale('svc', 'ns', 2)],
    ['list PrometheusRules', () => new PrometheusRuleAdapter(kc(), { timeoutMs }).listRules()],
  ];

  it.each(calls)('%s ends in KubeApiTimeoutError within its deadline, naming no secret', async (_name, call) => {
    const before = silent.accepted();
    const started = performance.now();
    const error: unknown = await call().then(
      () => null,
      (reason: unknown) => reason,
    );
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(KubeApiTimeoutError);
    expect((error as Error).message).toMatch(/no answer within 500 ms/);
    expect((error as Error).message).not.toContain(TOKEN);
    expect(elapsed).toBeLessThan(timeoutMs + 1_500);
    expect(silent.accepted()).toBeGreaterThan(before); // the connection was made: it is the answer that never came
  });
});
