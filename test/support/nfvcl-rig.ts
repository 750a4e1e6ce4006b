import { topologyBody } from '../../src/integrations/nfvcl/nfvcl-bodies';
import { NfvclHttpClient } from '../../src/integrations/nfvcl/nfvcl-http.client';
import type { Logger } from '../../src/observability/logger';
import { FakeNfvcl, type FakeNfvclOptions, type RunningFakeNfvcl } from '../fakes/nfvcl/fake-nfvcl';
import { startApp, type RunningApp } from './app';

/** SMO in-process against a fake NFVCL, polling every 20 ms. */
export interface NfvclRig {
  smo: RunningApp;
  nfvcl: RunningFakeNfvcl;
  /** JSON in, response out. */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  /** GET that parses JSON. */
  json<T = unknown>(path: string): Promise<T>;
  /** Polls `GET /os_k8s/cluster/<id>` until its status is `status`. */
  clusterWhen(smoId: string, status: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startNfvclRig(options: { fake?: FakeNfvclOptions; env?: Record<string, string>; logger?: Logger } = {}): Promise<NfvclRig> {
  const nfvcl = await FakeNfvcl.start(options.fake);
  const smo = await startApp(
    { NFVCL_BASE_URL: nfvcl.url, NFVCL_POLL_INTERVAL_MS: '20', NFVCL_PROVISION_TIMEOUT: '20', NFVCL_TIMEOUT: '5', SMO_CLUSTER_SYNC_INTERVAL: '3600', ...options.env },
    options.logger ? { logger: options.logger } : {},
  );
  const request = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${smo.url}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
  const json = async <T>(path: string) => (await (await request('GET', path)).json()) as T;
  return {
    smo,
    nfvcl,
    request,
    json,
    async clusterWhen(smoId, status, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const view = await json<Record<string, unknown>>(`/os_k8s/cluster/${smoId}`);
        if (view.status === status) return view;
        if (Date.now() > deadline) throw new Error(`cluster ${smoId} is ${String(view.status)}, not ${status}: ${JSON.stringify(view)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      await smo.close();
      await nfvcl.stop();
    },
  };
}

/** A complete `POST /vims/smo_vims` body. */
export function vimBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    topology: 'nephele-topology',
    pop_area: 0,
    vim_name: 'os-brussels',
    vim_tenant_name: 'nephele',
    vim_user: 'admin',
    vim_password: 'not-a-secret-in-this-test',
    vim_url: 'http://10.0.0.10:5000/v3',
    mgmt_network: { name: 'mgmt-net', cidr: '192.168.10.0/24', gateway: '192.168.10.1' },
    service_network: { name: 'service-net', cidr: '192.168.20.0/24', gateway: '192.168.20.1' },
    use_floating_ip: true,
    ...overrides,
  };
}

/**
 * A fake NFVCL with one VIM (topology `t`, area 0, networks `m` and `s`) registered, and SMO's NFVCL client to it (1 s
 * timeout, no retries): what the NFVCL processor and sync specs start from.
 */
export async function fakeNfvclWithVim(options: FakeNfvclOptions = { pollsUntilReady: 1 }): Promise<{ nfvcl: RunningFakeNfvcl; client: NfvclHttpClient }> {
  const nfvcl = await FakeNfvcl.start(options);
  const client = new NfvclHttpClient({ baseUrl: nfvcl.url, timeoutMs: 1000, retry: { attempts: 1, initialDelayMs: 5, maxDelayMs: 5 } });
  await client.registerVim(
    topologyBody({
      topology: 't', popArea: 0, vimName: 'v', tenantName: 'n', user: 'u', password: 'p', vimUrl: 'http://k:5000/v3',
      mgmtNetwork: { name: 'm', cidr: '10.0.0.0/24', gateway: '10.0.0.1' }, serviceNetwork: { name: 's', cidr: '10.1.0.0/24', gateway: '10.1.0.1' }, useFloatingIp: false,
    }),
    ['p'],
  );
  return { nfvcl, client };
}
