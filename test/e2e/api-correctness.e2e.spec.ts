import { parse } from 'yaml';
import type { GraphView } from '../../src/api/graphs/graph-view';
import { descriptorText } from '../support/graph-fixtures';
import { startApp, type RunningApp } from '../support/app';

/** Issue 15, items 3, 6 and 8: what the API answers must say what is true now. */

const GRAPH = 'image-detection-graph';

/** The Brussels demo without its event-triggered virtual object: once settled, nothing more happens to it. */
function autoOnlyDescriptor(): Record<string, unknown> {
  const document = parse(descriptorText()) as { hdaGraph: { services: Array<{ id: string }> } };
  document.hdaGraph.services = document.hdaGraph.services.filter((service) => service.id !== 'image-compression-vo');
  return document;
}

/** The Brussels demo with the typo of the issue: `useStaticPlacment` (missing "e"). */
const misspelt = descriptorText().replace(/hdaGraphIntent:\n/, 'hdaGraphIntent:\n    useStaticPlacment: true\n');

describe('API correctness (issue 15)', () => {
  let smo: RunningApp;
  beforeEach(async () => (smo = await startApp({ SMO_DEPLOY_WAIT: '20' })));
  afterEach(async () => smo.close());

  const call = (method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) =>
    fetch(`${smo.url}${path}`, { method, headers: init.headers ?? {}, ...(init.body !== undefined ? { body: init.body } : {}) });
  const idle = () => smo.runtime.processing.whenIdle(20_000);

  describe('item 3: every 2xx describing a graph carries its current revision', () => {
    it('the ETag of a 200 deploy, stop and start is the settled graph’s: If-Match with it is accepted', async () => {
      const deploy = await call('POST', '/project/demo/graphs', { body: JSON.stringify(autoOnlyDescriptor()), headers: { 'content-type': 'application/json' } });
      expect(deploy.status).toBe(200);
      const deployed = deploy.headers.get('etag');
      await idle();
      const get = await call('GET', `/graphs/${GRAPH}`);
      const view = (await get.json()) as GraphView;
      expect(view.settled).toBe(true);
      // Submitted (0), placed (1), two installs (2, 3): the answer describes the graph at 3, not at 0.
      expect(deployed).toBe(`W/"${view.revision}"`);
      expect(get.headers.get('etag')).toBe(deployed);

      const stop = await call('POST', `/graphs/${GRAPH}/stop`, { headers: { 'if-match': deployed! } });
      expect(stop.status).toBe(200);
      const stopped = stop.headers.get('etag');
      await idle();
      expect((await call('GET', `/graphs/${GRAPH}`)).headers.get('etag')).toBe(stopped);

      const start = await call('POST', `/graphs/${GRAPH}/start`, { headers: { 'if-match': stopped! } });
      expect(start.status).toBe(200);
      await idle();
      expect((await call('GET', `/graphs/${GRAPH}`)).headers.get('etag')).toBe(start.headers.get('etag'));
      // A stale one is still refused.
      expect((await call('POST', `/graphs/${GRAPH}/stop`, { headers: { 'if-match': deployed! } })).status).toBe(412);
    });
  });

  describe('item 6: warnings reach the author', () => {
    it('a misspelt field is reported in the deploy answer (text and JSON) and in GET /graphs/{name}', async () => {
      const text = await call('POST', '/project/demo/graphs', { body: misspelt, headers: { 'content-type': 'application/yaml' } });
      expect(text.status).toBe(200);
      const lines = (await text.text()).split('\n');
      expect(lines[0]).toBe('Graph deployment successful');
      expect(lines.find((line) => line.startsWith('Warning: '))).toContain('useStaticPlacment');

      const view = (await (await call('GET', `/graphs/${GRAPH}`)).json()) as GraphView;
      expect(view.warnings).toEqual([expect.objectContaining({ pointer: '/hdaGraph/hdaGraphIntent/useStaticPlacment' })]);
      expect(view.warnings[0]!.message).not.toBe('');
      expect((await (await call('GET', '/project/demo/graphs')).json() as GraphView[])[0]!.warnings).toEqual(view.warnings);

      expect((await call('DELETE', `/graphs/${GRAPH}`)).status).toBe(200);
      const json = await call('POST', '/project/demo/graphs', { body: misspelt, headers: { 'content-type': 'application/yaml', accept: 'application/json' } });
      expect(json.status).toBe(200);
      const answer = (await json.json()) as { name: string; status: string; revision: number; warnings: Array<{ pointer: string; message: string }> };
      expect(answer).toMatchObject({ name: GRAPH, status: 'Deployed', warnings: view.warnings });
      expect(json.headers.get('etag')).toBe(`W/"${answer.revision}"`);

      const accepted = await call('POST', '/project/other/graphs', {
        body: misspelt.replace(`id: ${GRAPH}`, 'id: second-graph').replace(/- id: ([a-z-]+)/g, '- id: $1-2').replace(/(connectionPoints: \[")([a-z-]+)/g, '$1$2-2'),
        headers: { 'content-type': 'application/yaml', prefer: 'respond-async' },
      });
      expect(accepted.status).toBe(202);
      expect(((await accepted.json()) as { warnings: unknown[] }).warnings).toEqual(view.warnings);
    });

    it('a descriptor without findings has no warnings', async () => {
      expect((await call('POST', '/project/demo/graphs', { body: descriptorText(), headers: { 'content-type': 'application/yaml' } })).status).toBe(200);
      expect(((await (await call('GET', `/graphs/${GRAPH}`)).json()) as GraphView).warnings).toEqual([]);
    });
  });
});
