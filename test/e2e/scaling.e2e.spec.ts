import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobLease } from '../../src/processing/job-lease';
import type { ScalingStatus } from '../../src/processors/scaling.scheduler';
import { FakePrometheus, vectorReply } from '../fakes/prometheus/fake-prometheus';
import { descriptorText } from '../support/graph-fixtures';
import { startRig, type OrchestratorRig } from '../support/orchestrator-rig';
import { eventually, settlesWithin } from '../support/smo-process';
import { silentLogger } from '../support/stores';

const GRAPH = 'image-detection-graph';

describe('autoscaling from Prometheus request rates', () => {
  let prometheus: FakePrometheus;
  let prometheusUrl: string;
  let rig: OrchestratorRig;
  let dataDir: string;
  const rates: Record<string, number> = {};

  /** The test stopped SMO itself. */
  let rigStopped: boolean;

  const start = (env: Record<string, string> = {}) =>
    startRig({ dataDir, env: { SCALING_ENABLED: 'true', SCALING_INTERVAL: '1', PROMETHEUS_HOST: prometheusUrl, ...env } });

  beforeEach(async () => {
    prometheus = new FakePrometheus();
    prometheusUrl = await prometheus.start();
    // Answers the request-rate PromQL, sum(rate(flask_http_request_total{service="<svc>",namespace="<project>"}[1s]))by(service).
    prometheus.answer((query) => {
      const service = /service="([^"]+)"/.exec(query)?.[1] ?? '';
      return vectorReply(rates[service] === undefined ? [] : [{ labels: { service }, value: String(rates[service]) }]);
    });
    dataDir = mkdtempSync(join(tmpdir(), 'smo-scaling-'));
    rig = await start();
    rigStopped = false;
    expect((await rig.request('POST', '/project/demo/graphs', { body: descriptorText(), contentType: 'application/yaml' })).status).toBe(200);
    // What helm would have created on Karmada: the Deployments the autoscaler scales.
    for (const name of ['noise-reduction', 'image-detection']) rig.kube.setDeployment({ name, namespace: 'demo', replicas: 1, cpuLimit: '1' });
  });
  afterEach(async () => {
    if (!rigStopped) await rig.stop();
    await prometheus.stop();
    rmSync(dataDir, { recursive: true, force: true });
    for (const key of Object.keys(rates)) delete rates[key];
  });

  const scaled = () => rig.smo.runtime.eventStore.readAll({ filter: { eventTypes: ['ServiceScaled'] } });

  /** SMO started again with `env`, running the Brussels graph in each of `projects`, their Deployments at 1 replica. */
  async function restartWith(env: Record<string, string>, projects: string[]): Promise<void> {
    await rig.stop();
    dataDir = mkdtempSync(join(tmpdir(), 'smo-scaling-'));
    rig = await start(env);
    for (const project of projects) {
      const body = descriptorText().replace(/image-detection-graph/g, `${project}-graph`);
      expect((await rig.request('POST', `/project/${project}/graphs`, { body, contentType: 'application/yaml' })).status).toBe(200);
      for (const name of ['noise-reduction', 'image-detection']) rig.kube.setDeployment({ name, namespace: project, replicas: 1, cpuLimit: '1' });
    }
    await rig.idle();
  }

  const health = async () => (await (await rig.request('GET', '/health')).json()) as { scaling: { lastError: string | null } };
  /**
   * The error of the first round that met Karmada not answering with clusters left to give up. A round that began before
   * the test set the rates read p1's and p2's while they had no series (nothing to read or scale then) and met the hang only
   * at p3, the last cluster: its error names no cluster given up, and says nothing of waiting once per round.
   */
  const roundGivingUp = () =>
    eventually(async () => {
      const lastError = (await health()).scaling.lastError;
      return lastError?.includes('more clusters given up') ? lastError : null;
    }, 20_000, 'a failed round that gave clusters up');

  it('a rising request rate raises replicas through the scale subresource in the project namespace (B17)', async () => {
    // noise-reduction serves 0.533·r − 0.416 req/s: 1 req/s needs 3 replicas.
    rates['noise-reduction'] = 1;
    const patch = await eventually(async () => rig.kube.scalePatches.find((p) => p.name === 'noise-reduction'), 20_000, 'a scale patch');
    expect(patch).toMatchObject({ namespace: 'demo', replicas: 3 });
    expect(prometheus.queries).toContain('sum(rate(flask_http_request_total{service="noise-reduction",namespace="demo"}[1s]))by(service)');
    // The patch goes out first, then the decision is recorded.
    const event = await eventually(async () => (await scaled())[0], 10_000, 'ServiceScaled');
    expect(event.data).toMatchObject({ graphId: GRAPH, serviceId: 'noise-reduction', cluster: 'c1', from: 1, to: 3, requestRate: 1 });
  });

  it("scales from the replicas the Deployment runs (the chart's count after an install), not from 1", async () => {
    rig.kube.setDeployment({ name: 'noise-reduction', namespace: 'demo', replicas: 2, cpuLimit: '1' });
    // 0.533·r − 0.416 ≥ 0.1: 1 replica serves it.
    rates['noise-reduction'] = 0.1;
    const patch = await eventually(async () => rig.kube.scalePatches.find((p) => p.name === 'noise-reduction'), 10_000, 'a scale patch');
    expect(patch).toMatchObject({ namespace: 'demo', replicas: 1 });
    const event = await eventually(async () => (await scaled())[0], 10_000, 'ServiceScaled');
    expect(event.data).toMatchObject({ graphId: GRAPH, serviceId: 'noise-reduction', cluster: 'c1', from: 2, to: 1, requestRate: 0.1 });
  });

  it('a Karmada that does not answer a scale call in time is waited for once per round, not once per graph', async () => {
    await restartWith({ SMO_KUBE_TIMEOUT: '1' }, ['p1', 'p2', 'p3']);
    rig.kube.hang('PATCH'); // reads answered, scale calls never
    rates['noise-reduction'] = 1; // 3 replicas, in each graph
    const lastError = await roundGivingUp();
    expect(lastError).toMatch(/^scaling noise-reduction to 3 failed: .*no answer within 1000 ms; \d+ more clusters given up: Karmada did not answer/);
  });

  it("a Karmada that does not answer a read of the live replicas in time is waited for once per round: the round's other clusters are given up", async () => {
    await restartWith({ SMO_KUBE_TIMEOUT: '1' }, ['p1', 'p2', 'p3']);
    rig.kube.hang('GET');
    rates['noise-reduction'] = 1;
    const lastError = await roundGivingUp();
    expect(lastError).toMatch(/^replicas of p1-graph on c\d not read: .*no answer within 1000 ms; \d+ more clusters given up: Karmada did not answer/);
    expect(rig.kube.scalePatches).toEqual([]);
  });

  it('stopping SMO does not wait for a scale call Karmada does not answer', async () => {
    await restartWith({ SMO_KUBE_TIMEOUT: '60' }, ['p1']);
    rig.kube.hang('PATCH');
    rates['noise-reduction'] = 1;
    await eventually(async () => rig.kube.hungRequests > 0, 20_000, 'a scale call');
    rigStopped = true;
    const stopped = rig.stop();
    expect(await settlesWithin(stopped, 5_000)).toBe(true);
    await stopped;
  });

  it("a holder that loses the scaling lease mid-round shows the new holder's rounds in /health, as a standby does, not a failed round", async () => {
    await restartWith({ SMO_LEASE_TTL: '1' }, ['p1', 'p2']);
    const { readStore } = rig.smo.runtime;
    const holderRounds: ScalingStatus = { lastRoundAt: '2026-01-01T00:00:00.000Z', lastError: null, consecutiveFailures: 0, servicesWithoutData: 0 };
    const other = new JobLease<ScalingStatus>({ readStore, logger: silentLogger, owner: 'another-instance', ttlMs: 60_000 }, 'job:scaling');
    let takenOver = false;
    // While SMO reads p1's first rate, another instance takes the lease (as after a pause of this one past the TTL) and
    // records its rounds; the answer comes once this one's renewals (every third of the TTL) have seen that.
    prometheus.answer(async () => {
      if (!takenOver) {
        takenOver = true;
        // Again if this one's renewal came in between.
        while (!(await other.hold())) await readStore.releaseLease('job:scaling', rig.smo.runtime.processing.owner);
        await other.record(holderRounds);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
      return vectorReply([]);
    });
    try {
      await eventually(async () => takenOver, 20_000, 'the round to read a rate');
      const seen: Array<{ status: string; scaling: ScalingStatus }> = [];
      // Every answer from the takeover on, until well past what the next interval (1 s) would have changed.
      const started = Date.now();
      let queriesAfterOneSecond: number | null = null;
      while (Date.now() < started + 3_000) {
        const { status, scaling } = (await (await rig.request('GET', '/health')).json()) as { status: string; scaling: ScalingStatus };
        seen.push({ status, scaling });
        if (queriesAfterOneSecond === null && Date.now() > started + 1_000) queriesAfterOneSecond = prometheus.queries.length;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(seen.filter(({ status, scaling }) => status !== 'ok' || scaling.consecutiveFailures > 0)).toEqual([]);
      expect(seen.at(-1)!.scaling).toEqual(holderRounds);
      // This instance stopped: no round of its own after the loss (p2's rates may have been read ahead, before it), nothing scaled.
      expect(prometheus.queries.length).toBe(queriesAfterOneSecond);
      expect(rig.kube.scalePatches).toEqual([]);
    } finally {
      await other.release();
    }
  });

  it('demand beyond the cluster records ScalingInfeasible and re-places the graph', async () => {
    // Both at their maximum (3 replicas of 1 core each) need more than c1's 4 cores.
    rates['noise-reduction'] = 1000;
    rates['image-detection'] = 1000;
    const infeasible = await eventually(async () => (await rig.smo.runtime.eventStore.readAll({ filter: { eventTypes: ['ScalingInfeasible'] } }))[0], 20_000, 'ScalingInfeasible');
    expect(infeasible.data).toMatchObject({ graphId: GRAPH, cluster: 'c1' });
    const request = await eventually(async () => (await rig.smo.runtime.eventStore.readAll({ filter: { eventTypes: ['ReplacementRequested'] } }))[0], 20_000, 're-placement');
    expect(request.data).toMatchObject({ reason: 'scaling-infeasible' });
    await eventually(async () => (await rig.smo.runtime.eventStore.readAll({ filter: { eventTypes: ['PlacementDecided', 'PlacementFailed'] } })).length >= 2, 20_000, 'the re-placement decision');
  });

  it('resumes after a restart, from the stored state alone (B3, B12)', async () => {
    rates['noise-reduction'] = 0.5;
    await eventually(async () => (await scaled()).length >= 1, 20_000, 'the first scaling');
    await rig.smo.close({ keepData: true });
    const patches = rig.kube.scalePatches.length;
    rates['noise-reduction'] = 1;
    const restarted = await startRig({ dataDir, env: { SCALING_ENABLED: 'true', SCALING_INTERVAL: '1', PROMETHEUS_HOST: prometheusUrl } });
    // What the first run left on Karmada: noise-reduction scaled to 2, image-detection (no series) at 1.
    for (const [name, replicas] of [['noise-reduction', 2], ['image-detection', 1]] as const) restarted.kube.setDeployment({ name, namespace: 'demo', replicas, cpuLimit: '1' });
    try {
      const patch = await eventually(async () => restarted.kube.scalePatches.find((p) => p.name === 'noise-reduction' && p.replicas === 3), 20_000, 'scaling after the restart');
      expect(patch.namespace).toBe('demo');
      const last = await eventually(
        async () => (await restarted.smo.runtime.eventStore.readAll({ filter: { eventTypes: ['ServiceScaled'] } })).find((e) => (e.data as { to: number }).to === 3),
        10_000,
        'ServiceScaled to 3',
      );
      expect(last.data).toMatchObject({ serviceId: 'noise-reduction', from: 2, to: 3 });
    } finally {
      await restarted.stop();
    }
    expect(patches).toBeGreaterThan(0);
  });
});
