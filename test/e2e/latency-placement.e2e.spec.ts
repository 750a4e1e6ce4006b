import { submarinerGateway } from '../fakes/kubernetes/fake-kube-api';
import { descriptorText } from '../support/graph-fixtures';
import { startRig, type OrchestratorRig } from '../support/orchestrator-rig';

const GRAPH = 'image-detection-graph';

/** The Brussels graph, with noise-reduction needing an ultralow (< 10 ms) path to image-detection. */
function withUltralowLink(): string {
  const text = descriptorText();
  const at = text.indexOf('id: noise-reduction');
  const latencies = text.indexOf('latencies: []', at);
  return `${text.slice(0, latencies)}latencies:\n              - connectionPoint: image-detection\n                qos: ultralow${text.slice(latencies + 'latencies: []'.length)}`;
}

describe('latency requirements in the lifecycle (Submariner gateway round trips)', () => {
  let rig: OrchestratorRig;
  // c1 holds the VO and noise-reduction only: image-detection must go to c2, across clusters.
  const clusters = [
    { name: 'c1', cpu: '1500m', allocatedCpu: '0', allocatedMemory: '0' },
    { name: 'c2', cpu: '6', allocatedCpu: '0', allocatedMemory: '0' },
  ];
  afterEach(async () => rig.stop());

  it('an unknown round trip allows no ultralow link across clusters: the requirement is named', async () => {
    rig = await startRig({ clusters });
    const response = await rig.request('POST', '/project/demo/graphs', { body: withUltralowLink(), contentType: 'application/yaml' });
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ detail: expect.stringContaining('ultralow') });
    expect(rig.helmCalls('install')).toEqual([]);
  });

  it('a 5 ms round trip measured by Submariner allows it; the decision records the latencies it used', async () => {
    // The fake Kubernetes API also serves Submariner's Gateway objects.
    rig = await startRig({ clusters, gateways: [submarinerGateway({ clusterId: 'c1', connections: [{ clusterId: 'c2', averageRtt: '5ms' }] })] });
    const response = await rig.request('POST', '/project/demo/graphs', { body: withUltralowLink(), contentType: 'application/yaml' });
    expect(response.status).toBe(200);
    const graph = (await (await rig.request('GET', `/graphs/${GRAPH}`)).json()) as { placement: Record<string, string> };
    expect(graph.placement).toMatchObject({ 'noise-reduction': 'c1', 'image-detection': 'c2' });
    const [decision] = (await (await rig.request('GET', `/graphs/${GRAPH}/placements`)).json()) as Array<{ inputs: { clusterLatencyMs: Record<string, Record<string, number>> } }>;
    expect(decision!.inputs.clusterLatencyMs.c1?.c2).toBeCloseTo(5);
  });
});
