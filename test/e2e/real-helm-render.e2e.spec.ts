import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { descriptorText, independentServicesDescriptor } from '../support/graph-fixtures';
import { startRig, type OrchestratorRig } from '../support/orchestrator-rig';

const HELM = process.env.SMO_TEST_HELM ?? join(__dirname, '..', '..', 'tools', 'bin', 'helm');
const CHART = join(__dirname, '..', 'fixtures', 'charts', 'karmada-app');
/** The lab's chart reads the placement keys at the top level (HELM) or under voChartOverwrite (WOT), whichever is set. */
const LAB_CHART = join(__dirname, '..', 'fixtures', 'lab-charts', 'service');

interface Doc {
  kind: string;
  metadata: { name: string };
  spec?: { placement?: { clusterAffinity?: { clusterNames?: string[] } } };
}

if (!existsSync(HELM)) {
  describe('real helm renders the values SMO produced', () => {
    it('is skipped: no helm binary (run scripts/build-tools.sh, as .ci/run does)', () => {
      console.log(`Real-helm render test skipped: ${HELM} does not exist.`);
      expect(existsSync(HELM)).toBe(false);
    });
  });
} else {
  describe('real helm renders the values SMO produced', () => {
    let rig: OrchestratorRig;
    beforeAll(async () => {
      // c1 fits only noise-reduction and the VO; image-detection goes to c2, so imports cross clusters.
      rig = await startRig({
        clusters: [
          { name: 'c1', cpu: '1500m', allocatedCpu: '0', allocatedMemory: '0' },
          { name: 'c2', cpu: '6', allocatedCpu: '0', allocatedMemory: '0' },
        ],
      });
    });
    afterAll(async () => rig.stop());

    it('a Karmada-style chart propagates each service to its cluster and its ServiceImport to its consumers’ clusters', async () => {
      expect((await rig.request('POST', '/project/demo/graphs', { body: descriptorText(), contentType: 'application/yaml' })).status).toBe(200);
      const rendered = (release: string) => {
        const install = rig.helmCalls('install').find((call) => call.release === release)!;
        const valuesFile = join(rig.dir, `${release}-values.yaml`);
        writeFileSync(valuesFile, install.values!);
        const output = execFileSync(HELM, ['template', release, CHART, '--values', valuesFile, '--namespace', 'demo'], { encoding: 'utf8' });
        return parseAllDocuments(output).map((d) => d.toJS() as Doc);
      };
      const clusterNames = (docs: Doc[], name: string) => docs.find((d) => d.kind === 'PropagationPolicy' && d.metadata.name === name)?.spec?.placement?.clusterAffinity?.clusterNames;

      const noise = rendered('noise-reduction');
      expect(clusterNames(noise, 'noise-reduction')).toEqual(['c1']);
      // Its consumer, the VO, runs on c1.
      expect(clusterNames(noise, 'noise-reduction-import')).toEqual(['c1']);

      const detection = rendered('image-detection');
      expect(clusterNames(detection, 'image-detection')).toEqual(['c2']);
      // Its consumer, noise-reduction, runs on c1: the import must reach c1.
      expect(clusterNames(detection, 'image-detection-import')).toEqual(['c1']);
      expect(detection.some((d) => d.kind === 'ServiceImport')).toBe(true);
    });

    it('a service no one consumes gets no ServiceImport: Karmada reads an empty clusterNames as every cluster', async () => {
      expect((await rig.request('POST', '/project/demo/graphs', { body: independentServicesDescriptor('leaf', 1, ['oci://registry.example/charts/app']), contentType: 'application/yaml' })).status).toBe(200);
      const install = rig.helmCalls('install').find((call) => call.release === 'svc-01')!;
      const valuesFile = join(rig.dir, 'svc-01-values.yaml');
      writeFileSync(valuesFile, install.values!);
      const docs = parseAllDocuments(execFileSync(HELM, ['template', 'svc-01', CHART, '--values', valuesFile, '--namespace', 'demo'], { encoding: 'utf8' })).map((d) => d.toJS() as Doc);
      expect(docs.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual(['PropagationPolicy/svc-01', 'ServiceExport/svc-01']);
    });

    it('placement keys a descriptor writes where SMO does not (voChartOverwrite of a HELM chart, the top level of a WOT one) are SMO’s placement too', async () => {
      const document = parse(independentServicesDescriptor('escape', 2, ['oci://registry.example/charts/app'])) as {
        hdaGraph: { services: Array<{ artifact: { ociConfig: { implementer: string }; valuesOverwrite: Record<string, unknown> } }> };
      };
      const [helmChart, virtualObject] = document.hdaGraph.services;
      helmChart!.artifact.valuesOverwrite = { voChartOverwrite: { clustersAffinity: ['c9'], serviceImportClusters: ['c9'] } };
      virtualObject!.artifact.ociConfig.implementer = 'WOT';
      virtualObject!.artifact.valuesOverwrite = { clustersAffinity: ['c9'], voChartOverwrite: {} };
      expect((await rig.request('POST', '/project/escape/graphs', { body: stringify(document), contentType: 'application/yaml' })).status).toBe(200);
      const placement = ((await (await rig.request('GET', '/graphs/escape')).json()) as { placement: Record<string, string> }).placement;
      for (const release of ['svc-01', 'svc-02']) {
        const install = rig.helmCalls('install').find((call) => call.release === release && call.argv.includes('escape'))!;
        const valuesFile = join(rig.dir, `${release}-escape-values.yaml`);
        writeFileSync(valuesFile, install.values!);
        const docs = parseAllDocuments(execFileSync(HELM, ['template', release, LAB_CHART, '--values', valuesFile, '--namespace', 'demo'], { encoding: 'utf8' })).map((d) => d.toJS() as Doc);
        const policy = docs.find((d) => d.kind === 'PropagationPolicy' && d.metadata.name === release);
        expect({ release, clusters: policy?.spec?.placement?.clusterAffinity?.clusterNames }).toEqual({ release, clusters: [placement[release]] });
        expect(docs.some((d) => d.kind === 'ServiceImport')).toBe(false);
      }
    });

    it('the chart refuses an empty clustersAffinity (static placement without one) rather than propagating to every cluster', () => {
      const valuesFile = join(rig.dir, 'static-values.yaml');
      writeFileSync(valuesFile, 'serviceImportClusters: []\n');
      expect(() => execFileSync(HELM, ['template', 'static', CHART, '--values', valuesFile, '--namespace', 'demo'], { encoding: 'utf8', stdio: 'pipe' })).toThrow(/clustersAffinity is empty/);
    });
  });
}
