import { startApp, type RunningApp } from '../support/app';

describe('POST /placement/plan', () => {
  let smo: RunningApp;
  beforeAll(async () => (smo = await startApp()));
  afterAll(async () => smo.close());

  const plan = (body: unknown) =>
    fetch(`${smo.url}/placement/plan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('answers the documented contract for a feasible plan', async () => {
    const response = await plan({
      clusters: [{ name: 'c1', cpu: 4, memory: '8Gi', gpu: 0, available: true }],
      services: [{ id: 'a', cpu: 0.5, memory: '512Mi', gpu: false, replicas: 1 }],
      currentPlacement: { a: 'c1' },
      algorithm: 'milp',
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ feasible: true, placement: { a: 'c1' }, moves: 0, solver: 'highs', utilisation: { c1: { cpu: 0.125 } } });
    expect(typeof body.objective).toBe('number');
    expect(typeof body.solveMs).toBe('number');
    expect(Array.isArray(body.explanation)).toBe(true);
  });

  it('uses naive first fit without a current placement, and the optional fields default', async () => {
    const response = await plan({ clusters: [{ name: 'c2', cpu: 2 }, { name: 'c1', cpu: 2 }], services: [{ id: 'a', cpu: 1 }, { id: 'b', cpu: 2 }] });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ placement: { a: 'c1', b: 'c2' }, algorithm: 'naive', solver: 'none' });
  });

  it('moves as little as possible from the current placement', async () => {
    const response = await plan({
      clusters: [{ name: 'c1', cpu: 2 }, { name: 'c2', cpu: 4 }],
      services: [{ id: 'a', cpu: 1 }, { id: 'b', cpu: 2 }],
      currentPlacement: { a: 'c1', b: 'c1' },
    });
    expect(await response.json()).toMatchObject({ feasible: true, moves: 1 });
  });

  it('answers 422 problem+json naming the binding resource when nothing fits', async () => {
    const response = await plan({ clusters: [{ name: 'c1', cpu: 1 }], services: [{ id: 'big', cpu: 2 }], algorithm: 'milp' });
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 422, bindingResource: 'cpu', detail: expect.any(String) });
    const gpu = await plan({ clusters: [{ name: 'c1', cpu: 8 }], services: [{ id: 'ml', cpu: 1, gpu: true }], algorithm: 'milp' });
    expect(await gpu.json()).toMatchObject({ status: 422, bindingResource: 'gpu' });
  });

  it.each([
    [{}, '/clusters'],
    [{ clusters: [], services: 'x' }, '/services'],
    [{ clusters: [{ name: 'C 1', cpu: 1 }], services: [] }, '/clusters/0/name'],
    [{ clusters: [{ name: 'c1', cpu: -1 }], services: [] }, '/clusters/0/cpu'],
    [{ clusters: [{ name: 'c1', cpu: 1, memory: 'lots' }], services: [] }, '/clusters/0/memory'],
    [{ clusters: [{ name: 'c1', cpu: 1 }], services: [{ id: 'a', cpu: 1, replicas: 0 }] }, '/services/0/replicas'],
    [{ clusters: [{ name: 'c1', cpu: 1 }], services: [{ id: 'a', cpu: 1, gpu: 'yes' }] }, '/services/0/gpu'],
    [{ clusters: [{ name: 'c1', cpu: 1 }], services: [{ id: 'a', cpu: 1 }, { id: 'a', cpu: 1 }] }, '/services/1/id'],
    [{ clusters: [{ name: 'c1', cpu: 1 }], services: [], algorithm: 'magic' }, '/algorithm'],
    [{ clusters: [{ name: 'c1', cpu: 1 }], services: [], colour: 'blue' }, '/colour'],
    [{ clusters: [{ name: 'c1', cpu: 1, cores: 2 }], services: [] }, '/clusters/0/cores'],
  ])('refuses %j with 400 naming %s', async (body, pointer) => {
    const response = await plan(body);
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: Array<{ pointer: string }> };
    expect(problem.errors.map((e) => e.pointer)).toContain(pointer);
  });

  it('refuses a body that is not JSON with a 400 problem', async () => {
    const response = await fetch(`${smo.url}/placement/plan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });
});
