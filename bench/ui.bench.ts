/**
 * Console benchmark: the first view (/ui, the graph list) with 100 graphs, in a real Chromium
 * (Debian's /usr/bin/chromium, or SMO_CHROMIUM) driven by playwright-core. Prints one JSON document:
 *
 *   transferredBytes   everything the first view fetched (HTML, script, stylesheet, session, graph list;
 *                      headers included), from a cold browser context          goal < 300 KB
 *   interactiveMs      navigation start → the list rendered and its handlers attached (the page's own
 *                      `console-ready` performance mark), per run                 goal < 1000 ms
 *
 * SMO runs in this process in its embedded mode (SQLite, simulated clusters and helm) over a
 * temporary directory, on loopback, seeded with 100 Brussels-demo graphs (one project each, the
 * graph id changed) on two large simulated clusters.
 *
 *   npm run bench:ui
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { createApp } from '../src/app/create-app';
import { createRuntime } from '../src/app/runtime';
import { loadConfig } from '../src/config/config';
import { createLogger } from '../src/observability/logger';
import { descriptorText } from '../test/support/graph-fixtures';

const GRAPHS = 100;
const RUNS = 7;
const CHROMIUM = process.env.SMO_CHROMIUM ?? '/usr/bin/chromium';

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set SMO_CHROMIUM)`);
  const dir = mkdtempSync(join(tmpdir(), 'smo-ui-bench-'));
  const clusters = join(dir, 'clusters.yaml');
  writeFileSync(clusters, ['clusters:', ...['cluster-a', 'cluster-b'].flatMap((name) => [`  - name: ${name}`, '    cpu: 1000', '    memory: 4000Gi', '    gpu: 0'])].join('\n') + '\n');
  const config = loadConfig({ SMO_DATA_DIR: dir, SMO_SIMULATED_CLUSTERS: clusters, PORT: '0', LOG_LEVEL: 'silent', SMO_RATE_LIMIT: '100000', SMO_SQLITE_SYNCHRONOUS: 'normal' });
  const runtime = await createRuntime(config, { logger: createLogger({ level: 'silent' }) });
  const app = await createApp(runtime);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const template = descriptorText();
    for (let i = 0; i < GRAPHS; i++) {
      const id = `graph-${String(i).padStart(3, '0')}`;
      const response = await fetch(`${url}/project/p-${String(i).padStart(3, '0')}/graphs`, {
        method: 'POST',
        headers: { 'content-type': 'application/yaml', prefer: 'respond-async' },
        body: template.replace('id: image-detection-graph', `id: ${id}`),
      });
      if (response.status !== 202) throw new Error(`seeding ${id}: ${response.status} ${await response.text()}`);
    }
    await runtime.processing.whenIdle(120_000);

    const runs: Array<{ transferredBytes: number; interactiveMs: number; requests: number }> = [];
    for (let run = 0; run < RUNS; run++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const sizes: Array<Promise<number>> = [];
      page.on('requestfinished', (request) => sizes.push(request.sizes().then((s) => s.responseBodySize + s.responseHeadersSize)));
      await page.goto(`${url}/ui`);
      await page.waitForSelector('body[data-ready="true"]');
      const rows = await page.locator('#graphs-table tbody tr').count();
      if (rows !== GRAPHS) throw new Error(`the list shows ${rows} graphs, not ${GRAPHS}`);
      const interactiveMs = await page.evaluate(() => performance.getEntriesByName('console-ready')[0]?.startTime ?? NaN);
      const bytes = await Promise.all(sizes);
      runs.push({ transferredBytes: bytes.reduce((a, b) => a + b, 0), interactiveMs: Math.round(interactiveMs * 10) / 10, requests: bytes.length });
      await context.close();
    }
    const interactive = runs.map((r) => r.interactiveMs).sort((a, b) => a - b);
    const transferred = Math.max(...runs.map((r) => r.transferredBytes));
    console.log(
      JSON.stringify(
        {
          benchmark: 'console first view (/ui) with 100 graphs, cold browser context, loopback',
          browser: `${CHROMIUM} ${browser.version()}`,
          graphs: GRAPHS,
          runs: RUNS,
          transferredBytes: transferred,
          transferredKB: Math.round(transferred / 102.4) / 10,
          requests: runs[0]!.requests,
          interactiveMs: { median: interactive[Math.floor(RUNS / 2)], max: interactive.at(-1), all: runs.map((r) => r.interactiveMs) },
          goals: { transferredBytes: '< 300 KB', interactiveMs: '< 1000 ms' },
          met: transferred < 300 * 1024 && interactive.at(-1)! < 1000,
        },
        null,
        2,
      ),
    );
  } finally {
    await browser.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
