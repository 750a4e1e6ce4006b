import { startApp, type RunningApp } from '../support/app';

describe('POST /placement/plan', () => {
  let smo: RunningApp;
  beforeAll(async () => (smo = await startApp()));
  afterAll(async () => smo.close());

  const plan = (body: unknown, query = '') =>
    fetch(`${smo.url}/placement/plan${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

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

  describe('intents', () => {
    const clusters = [
      { name: 'c1', cpu: 8, labels: { 'smo.nephele.eu/carbon-intensity': '600' } },
      { name: 'c2', cpu: 4, labels: { 'smo.nephele.eu/trusted': 'true', 'smo.nephele.eu/carbon-intensity': '40' } },
      { name: 'c3', cpu: 4 },
    ];

    it('takes the same intents as a descriptor; each switched on or off changes the plan as documented', async () => {
      const services = [{ id: 'a', cpu: 1 }, { id: 'b', cpu: 1, coLocation: ['a'] }];
      const off = (await (await plan({ clusters, services: [{ id: 'a', cpu: 1 }, { id: 'b', cpu: 1 }] })).json()) as { placement: Record<string, string> };
      expect(off.placement).toEqual({ a: 'c1', b: 'c1' }); // naive first fit
      const energy = await plan({ clusters, services, intents: { energyEfficiency: true } });
      expect(energy.status).toBe(200);
      expect(await energy.json()).toMatchObject({ algorithm: 'milp', placement: { a: 'c2', b: 'c2' }, intents: { active: ['coLocation', 'energyEfficiency'], energy: { withIntent: 40 } } });
      const ha = (await (await plan({ clusters, services, intents: { highAvailability: true } })).json()) as { clusterSets: Record<string, string[]> };
      expect(new Set(ha.clusterSets.a).size).toBe(2);
      expect([...(ha.clusterSets.a ?? [])].sort()).toEqual([...(ha.clusterSets.b ?? [])].sort());
      expect(await (await plan({ clusters, services, intents: { security: true } })).json()).toMatchObject({ placement: { a: 'c2', b: 'c2' } });
    });

    it('an intent that cannot be met is a 422 naming it as the requirement', async () => {
      const contradiction = await plan({ clusters: [{ name: 'c1', cpu: 2 }, { name: 'c2', cpu: 2 }], services: [{ id: 'a', cpu: 2 }, { id: 'b', cpu: 2, coLocation: ['a'] }] });
      expect(contradiction.status).toBe(422);
      expect(await contradiction.json()).toMatchObject({ bindingResource: 'coLocation', requirement: 'coLocation' });
      const untrusted = await plan({ clusters: [{ name: 'c1', cpu: 2 }], services: [{ id: 'a', cpu: 1 }], intents: { security: true } });
      expect(await untrusted.json()).toMatchObject({ status: 422, requirement: 'security' });
    });

    it('refuses malformed intents and labels, naming the field', async () => {
      const response = await plan({ clusters: [{ name: 'c1', cpu: 2, labels: { trusted: true } }], services: [{ id: 'a', cpu: 1, coLocation: ['ghost'] }], intents: { security: 'yes', green: true } });
      expect(response.status).toBe(400);
      const pointers = ((await response.json()) as { errors: Array<{ pointer: string }> }).errors.map((e) => e.pointer).sort();
      expect(pointers).toEqual(['/clusters/0/labels/trusted', '/intents/green', '/intents/security']);
      // Each field well formed, but naming a service the request lacks: 422, as for latencies.
      const ghost = await plan({ clusters: [{ name: 'c1', cpu: 2 }], services: [{ id: 'a', cpu: 1, coLocation: ['ghost'] }] });
      expect(ghost.status).toBe(422);
      expect(((await ghost.json()) as { errors: Array<{ pointer: string }> }).errors.map((e) => e.pointer)).toEqual(['/services/0/coLocation/0']);
    });
  });

  describe('latency', () => {
    // cam is on edge, proc on far (30 ms apart); proc asks for latency to cam.
    const latencyBody = (latencies: unknown[], extra: Record<string, unknown> = {}) => ({
      clusters: [{ name: 'edge', cpu: 4 }, { name: 'core', cpu: 8 }, { name: 'far', cpu: 10 }],
      services: [{ id: 'cam', cpu: 1 }, { id: 'proc', cpu: 4, latencies }],
      currentPlacement: { cam: 'edge', proc: 'far' },
      clusterLatencyMs: { edge: { core: 12, far: 30 }, core: { far: 15 } },
      ...extra,
    });

    it('moves a service closer to its connection point when the requirement asks for it', async () => {
      const free = await plan(latencyBody([{ connectionPoint: 'cam', qos: 'best-effort' }]));
      expect(await free.json()).toMatchObject({ feasible: true, moves: 0, placement: { cam: 'edge', proc: 'far' } });
      const low = await plan(latencyBody([{ connectionPoint: 'cam', qos: 'low' }]));
      expect(low.status).toBe(200);
      const body = (await low.json()) as { placement: unknown; moves: number; explanation: string[] };
      // far–edge is 30 ms. One move either way: cam to core (15 ms from far; peak CPU 40 %) beats proc to core
      // (12 ms from edge; peak 50 %).
      expect(body).toMatchObject({ moves: 1, placement: { cam: 'core', proc: 'far' } });
      expect(body.explanation.join('\n')).toContain('Latency requirements met: proc → cam (low, ≤ 20 ms): far–core 15 ms.');
    });

    it('answers 422 naming the latency requirement that cannot be met, with the capacity gap', async () => {
      const response = await plan({
        clusters: [{ name: 'c1', cpu: 2 }, { name: 'c2', cpu: 2 }],
        services: [{ id: 'a', cpu: 2, latencies: [{ connectionPoint: 'b', qos: 'ultralow' }] }, { id: 'b', cpu: 2 }],
        clusterLatencyMs: { c1: { c2: 12 } },
        algorithm: 'milp',
      }, '?capacityGap=true');
      expect(response.status).toBe(422);
      const problem = (await response.json()) as { detail: string; explanation: string[] };
      expect(problem).toMatchObject({
        status: 422,
        bindingResource: 'latency',
        serviceId: 'a',
        requirement: { serviceId: 'a', connectionPoint: 'b', qos: 'ultralow' },
        capacityGap: { addToCluster: [{ cluster: expect.stringMatching(/^c[12]$/), cpu: 2 }], newCluster: { cpu: 4 } },
      });
      expect(problem.detail).toMatch(/^Latency requirement a → b \(ultralow, < 10 ms\) cannot be met/);
      expect(problem.explanation.join('\n')).toContain('Or a new cluster with at least 4 CPU cores would make a placement fit');
    });
  });

  describe('capacity short', () => {
    const short = {
      clusters: [{ name: 'a', cpu: 3, memory: '4Gi' }, { name: 'b', cpu: 2.5, memory: '4Gi' }],
      services: [{ id: 'x', cpu: 2, memory: '1Gi' }, { id: 'y', cpu: 2, memory: '1Gi' }, { id: 'z', cpu: 2, memory: '1Gi' }],
      algorithm: 'milp',
    };

    it('answers 422 with the smallest capacity gap when it is requested', async () => {
      const response = await plan(short, '?capacityGap=true');
      expect(response.status).toBe(422);
      expect(await response.json()).toMatchObject({
        bindingResource: 'cpu',
        requirement: null,
        capacityGap: { addToCluster: [{ cluster: 'a', cpu: 1 }], newCluster: { cpu: 2, memoryBytes: 2 ** 30 } },
      });
    });

    it('answers 422 without the gap by default when the verdict needed no solver (demand above supply), and with false', async () => {
      for (const query of ['', '?capacityGap=false']) {
        const response = await plan(short, query);
        expect(response.status).toBe(422);
        const problem = (await response.json()) as Record<string, unknown>;
        expect(problem).toMatchObject({ bindingResource: 'cpu', detail: expect.stringContaining('cpu') });
        expect(problem).not.toHaveProperty('capacityGap');
      }
    });

    it('refuses a capacityGap parameter other than true or false (400 naming it)', async () => {
      const response = await plan(short, '?capacityGap=yes');
      expect(response.status).toBe(400);
      expect(((await response.json()) as { detail: string }).detail).toContain('capacityGap');
    });
  });

  // 400: a field is malformed; 422: every field is well-formed but they do not fit together (what a JSON Schema cannot say).
  it.each([
    [{ clusters: [{ name: 'c1', cpu: 1 }], services: [{ id: 'a', cpu: 1, latencies: [{ connectionPoint: 'a', qos: 'fast' }] }] }, 400, '/services/0/latencies/0/qos'],
    [{ clusters: [{ name: 'c1', cpu: 1 }], services: [{ id: 'a', cpu: 1, latencies: [{ connectionPoint: 'b', qos: 'low' }] }] }, 422, '/services/0/latencies/0/connectionPoint'],
    [{ clusters: [{ name: 'c1', cpu: 1 }], services: [{ id: 'a', cpu: 1, latencies: [{ connectionPoint: 'a', qos: 'low', ms: 3 }] }] }, 400, '/services/0/latencies/0/ms'],
    [{ clusters: [{ name: 'c1', cpu: 1 }], services: [{ id: 'a', cpu: 1, latencies: 'low' }] }, 400, '/services/0/latencies'],
    [{ clusters: [{ name: 'c1', cpu: 1 }, { name: 'c2', cpu: 1 }], services: [], clusterLatencyMs: { c1: { c2: -3 } } }, 400, '/clusterLatencyMs/c1/c2'],
    [{ clusters: [{ name: 'c1', cpu: 1 }, { name: 'c2', cpu: 1 }], services: [], clusterLatencyMs: { c1: { c2: '3ms' } } }, 400, '/clusterLatencyMs/c1/c2'],
    [{ clusters: [{ name: 'c1', cpu: 1 }], services: [], clusterLatencyMs: { c1: { c9: 3 } } }, 422, '/clusterLatencyMs/c1/c9'],
    [{ clusters: [{ name: 'c1', cpu: 1 }], services: [], clusterLatencyMs: { c9: { c1: 3 } } }, 422, '/clusterLatencyMs/c9'],
    [{ clusters: [{ name: 'c1', cpu: 1 }], services: [], clusterLatencyMs: [] }, 400, '/clusterLatencyMs'],
  ])('refuses bad latency input %j with %d naming %s', async (body, status, pointer) => {
    const response = await plan(body);
    expect(response.status).toBe(status);
    const problem = (await response.json()) as { errors: Array<{ pointer: string }> };
    expect(problem.errors.map((e) => e.pointer)).toContain(pointer);
  });

  it.each([
    [{}, 400, '/clusters'],
    [{ clusters: [], services: 'x' }, 400, '/services'],
    [{ clusters: [{ name: 'C 1', cpu: 1 }], services: [] }, 400, '/clusters/0/name'],
    [{ clusters: [{ name: 'c1', cpu: -1 }], services: [] }, 400, '/clusters/0/cpu'],
    [{ clusters: [{ name: 'c1', cpu: 1, memory: 'lots' }], services: [] }, 400, '/clusters/0/memory'],
    [{ clusters: [{ name: 'c1', cpu: 1 }], services: [{ id: 'a', cpu: 1, replicas: 0 }] }, 400, '/services/0/replicas'],
    [{ clusters: [{ name: 'c1', cpu: 1 }], services: [{ id: 'a', cpu: 1, gpu: 'yes' }] }, 400, '/services/0/gpu'],
    [{ clusters: [{ name: 'c1', cpu: 1 }], services: [{ id: 'a', cpu: 1 }, { id: 'a', cpu: 1 }] }, 422, '/services/1/id'],
    [{ clusters: [{ name: 'c1', cpu: 1 }], services: [], algorithm: 'magic' }, 400, '/algorithm'],
    [{ clusters: [{ name: 'c1', cpu: 1 }], services: [], colour: 'blue' }, 400, '/colour'],
    [{ clusters: [{ name: 'c1', cpu: 1, cores: 2 }], services: [] }, 400, '/clusters/0/cores'],
    [{ clusters: [{ name: 'c1', cpu: 1, memory: 1, memoryBytes: 1 }], services: [] }, 422, '/clusters/0/memoryBytes'],
    [{ clusters: [{ name: 'c1', cpu: 1, memory: null }], services: [] }, 400, '/clusters/0/memory'],
    [{ clusters: [{ name: 'c1', cpu: 1 }], services: [], currentPlacement: { a: 3 } }, 400, '/currentPlacement/a'],
    [[], 400, ''],
  ])('refuses %j with %d naming %s', async (body, status, pointer) => {
    const response = await plan(body);
    expect(response.status).toBe(status);
    const problem = (await response.json()) as { errors: Array<{ pointer: string }> };
    expect(problem.errors.map((e) => e.pointer)).toContain(pointer);
  });

  it('refuses a body that is not JSON with a 400 problem', async () => {
    const response = await fetch(`${smo.url}/placement/plan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });
});
