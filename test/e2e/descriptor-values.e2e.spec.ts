import { startApp, type RunningApp } from '../support/app';

/** A descriptor of one HELM service whose valuesOverwrite is `values`. */
function descriptor(graphId: string, values: Record<string, unknown>): string {
  const service = {
    id: `${graphId}-svc`,
    deployment: { trigger: { auto: { dependencies: [] } }, intent: { compute: { cpu: 'light', ram: 'light', storage: 'small', gpu: { enabled: false } }, connectionPoints: [] } },
    artifact: { ociImage: 'oci://registry.example/x/app', ociConfig: { type: 'App', implementer: 'HELM' }, valuesOverwrite: values },
  };
  return JSON.stringify({ hdaGraph: { imVersion: '0.4.0', id: graphId, version: '1.0.0', services: [service] } });
}

describe('what a descriptor’s valuesOverwrite may hold', () => {
  let smo: RunningApp;
  beforeAll(async () => (smo = await startApp({ SMO_DEPLOY_WAIT: '10' })));
  afterAll(async () => smo.close());
  const deploy = (body: string) => fetch(`${smo.url}/project/demo/graphs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('values within the body limit whose graph is too large to record are refused with 413, nothing recorded', async () => {
    // 420 KB of values: SMO records the descriptor and its normalised copy (values and Helm values), 1.26 MB in all.
    const response = await deploy(descriptor('large-values', { config: 'x'.repeat(420_000) }));
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 413, detail: expect.stringMatching(/Nothing was recorded.*1048576 bytes/) });
    expect((await fetch(`${smo.url}/graphs/large-values`)).status).toBe(404);
    // The same graph with smaller values is taken.
    expect((await deploy(descriptor('large-values', { config: 'x'.repeat(1000) }))).status).toBe(200);
  });

  it('a number JSON cannot carry (YAML .inf, .nan) is refused with 400 naming it: it would reach helm as null, deleting the key', async () => {
    const yaml = descriptor('infinite-values', {}).replace('"valuesOverwrite":{}', '"valuesOverwrite":{"limits":{"ratio":.inf,"spread":.nan},"ok":1.5e3}');
    const response = await fetch(`${smo.url}/project/demo/graphs`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: yaml });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: Array<{ pointer: string; message: string }> };
    const values = '/hdaGraph/services/0/artifact/valuesOverwrite';
    expect(problem.errors).toEqual([
      { pointer: `${values}/limits/ratio`, message: expect.stringMatching(/Infinity.*JSON/) },
      { pointer: `${values}/limits/spread`, message: expect.stringMatching(/NaN.*JSON/) },
    ]);
  });

  it('a string or key that is not valid Unicode (a lone surrogate) is refused with 400 naming it: helm cannot read the values file', async () => {
    const body = descriptor('surrogate-values', {}).replace('"valuesOverwrite":{}', '"valuesOverwrite":{"name":"a\\ud800b","list":["ok","\\udc00"],"k\\ud83d":1,"emoji":"\\ud83d\\ude00"}');
    const response = await deploy(body);
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: Array<{ pointer: string; message: string }> };
    const values = '/hdaGraph/services/0/artifact/valuesOverwrite';
    expect(problem.errors.map((error) => error.pointer)).toEqual([`${values}/name`, `${values}/list/1`, `${values}/k\ud83d`]);
    expect(problem.errors[0]!.message).toMatch(/not valid Unicode/);
  });
});
