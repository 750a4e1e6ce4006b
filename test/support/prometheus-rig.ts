/**
 * A real Prometheus 2.42 + Alertmanager 0.25 (Debian packages) on loopback, for tests.
 * Prometheus evaluates a rules file every second and sends to the
 * Alertmanager, which posts every alert on its own to the test's webhook.
 *
 *   const rig = await startPrometheusRig({ webhookUrl: 'http://127.0.0.1:1234/alerts' });
 *   if ('skipped' in rig) return console.warn(rig.skipped);
 *   new FileRulesAdapter({ path: rig.rulesFile, prometheusUrl: rig.prometheusUrl });
 *
 * Binaries: `apt-get install -y --no-install-recommends prometheus prometheus-alertmanager`, or
 * PROMETHEUS_BIN / ALERTMANAGER_BIN. When absent the caller gets `{ skipped }`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './free-port';

export interface PrometheusRigOptions {
  /** Where Alertmanager posts (webhook protocol v4), e.g. a test's loopback server. */
  webhookUrl: string;
  /** `host:port` scraped every second under job `targets` (path /metrics). */
  scrapeTargets?: string[];
  /** Alertmanager `repeat_interval`; it refuses 0. Notifications of a still-firing alert repeat about this often (+1 s). */
  repeatInterval?: string;
}

export interface PrometheusRig {
  prometheusUrl: string;
  alertmanagerUrl: string;
  /** Named in `rule_files`; starts as `groups: []`. Write it, then POST /-/reload. */
  rulesFile: string;
  /** Tails of both daemons' logs, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

export interface PrometheusRigSkipped {
  skipped: string;
}

const START_TIMEOUT_MS = 30_000;
const KILL_GRACE_MS = 5_000;

const binaries = () => ({
  prometheusBin: process.env.PROMETHEUS_BIN || '/usr/bin/prometheus',
  alertmanagerBin: process.env.ALERTMANAGER_BIN || '/usr/bin/prometheus-alertmanager',
});

/** Why the rig cannot run here, or null; synchronous, for choosing `describe` or `describe.skip`. */
export function prometheusRigSkipReason(): string | null {
  const missing = Object.values(binaries()).find((bin) => !isExecutable(bin));
  if (missing === undefined) return null;
  return `${missing} not found or not executable; install with "apt-get install -y --no-install-recommends prometheus prometheus-alertmanager" or set PROMETHEUS_BIN / ALERTMANAGER_BIN`;
}

export async function startPrometheusRig(options: PrometheusRigOptions): Promise<PrometheusRig | PrometheusRigSkipped> {
  const skipped = prometheusRigSkipReason();
  if (skipped !== null) return { skipped };
  const { prometheusBin, alertmanagerBin } = binaries();

  const dir = mkdtempSync(path.join(os.tmpdir(), 'smo-prometheus-rig-'));
  const [prometheusPort, alertmanagerPort] = [await freePort(), await freePort()];
  const prometheusUrl = `http://127.0.0.1:${prometheusPort}`;
  const alertmanagerUrl = `http://127.0.0.1:${alertmanagerPort}`;
  const rulesFile = path.join(dir, 'rules.yml');
  writeConfigs(dir, { ...options, rulesFile, alertmanagerPort });

  const daemons: Daemon[] = [];
  const stop = once(async () => {
    await Promise.all(daemons.map((daemon) => daemon.stop()));
    rmSync(dir, { recursive: true, force: true });
  });
  const logs = () => daemons.map((daemon) => `--- ${daemon.name} ---\n${daemon.log()}`).join('\n');

  try {
    // Explicit paths everywhere: Debian's defaults point into /etc/prometheus and /var/lib/prometheus.
    daemons.push(
      startDaemon('alertmanager', alertmanagerBin, [
        `--config.file=${path.join(dir, 'alertmanager.yml')}`,
        `--storage.path=${mkdir(dir, 'alertmanager-data')}`,
        `--web.listen-address=127.0.0.1:${alertmanagerPort}`,
        `--web.external-url=${alertmanagerUrl}`,
        '--cluster.listen-address=', // no HA gossip (it would bind 0.0.0.0:9094)
      ]),
    );
    await waitUntilOk(`${alertmanagerUrl}/-/ready`, daemons[0] as Daemon);
    daemons.push(
      startDaemon('prometheus', prometheusBin, [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${mkdir(dir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${prometheusPort}`,
        `--web.external-url=${prometheusUrl}`,
        '--web.enable-lifecycle', // POST /-/reload
        // The default 1m would delay the first alert by a minute: it is dropped while the
        // Alertmanager is not yet discovered, then only resent after the delay.
        '--rules.alert.resend-delay=1s',
      ]),
    );
    await waitUntilOk(`${prometheusUrl}/-/ready`, daemons[1] as Daemon);
    await waitUntilOk(`${prometheusUrl}/api/v1/alertmanagers`, daemons[1] as Daemon, (body) => body.includes(`:${alertmanagerPort}/`));
  } catch (error) {
    const detail = logs();
    await stop();
    throw new Error(`Prometheus rig did not start: ${(error as Error).message}\n${detail}`, { cause: error });
  }
  return { prometheusUrl, alertmanagerUrl, rulesFile, logs, stop };
}

function writeConfigs(
  dir: string,
  config: PrometheusRigOptions & { rulesFile: string; alertmanagerPort: number },
): void {
  writeFileSync(config.rulesFile, 'groups: []\n');
  const prometheus = {
    // scrape_timeout must not exceed scrape_interval
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: [config.rulesFile],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${config.alertmanagerPort}`] }] }] },
    scrape_configs: config.scrapeTargets?.length ? [{ job_name: 'targets', static_configs: [{ targets: config.scrapeTargets }] }] : [],
  };
  const alertmanager = {
    route: {
      receiver: 'test',
      group_by: ['...'], // every alert in its own notification
      group_wait: '1s',
      group_interval: '1s',
      repeat_interval: config.repeatInterval ?? '2s',
    },
    receivers: [{ name: 'test', webhook_configs: [{ url: config.webhookUrl, send_resolved: true }] }],
  };
  writeFileSync(path.join(dir, 'prometheus.yml'), stringify(prometheus));
  writeFileSync(path.join(dir, 'alertmanager.yml'), stringify(alertmanager));
}

interface Daemon {
  name: string;
  /** Set once the process is gone. */
  exitReason(): string | null;
  log(): string;
  stop(): Promise<void>;
}

function startDaemon(name: string, bin: string, args: string[]): Daemon {
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  let exitReason: string | null = null;
  // Reading the pipes keeps a chatty daemon from blocking on a full pipe.
  const keep = (chunk: string) => void (log = (log + chunk).slice(-6000));
  child.stdout?.setEncoding('utf8').on('data', keep);
  child.stderr?.setEncoding('utf8').on('data', keep);
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      exitReason = `failed to spawn ${bin}: ${error.message}`;
      resolve();
    });
    child.once('exit', (code, signal) => {
      exitReason = `${name} exited with ${signal ?? `code ${code}`}`;
      resolve();
    });
  });
  // No orphaned daemon if the test process ends without stop().
  const killOnExit = () => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  return {
    name,
    exitReason: () => exitReason,
    log: () => log,
    stop: once(async () => {
      process.removeListener('exit', killOnExit);
      if (exitReason !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }),
  };
}

/** Polls until `url` answers 2xx (and `accept` likes the body); fails early if the daemon dies. */
async function waitUntilOk(url: string, daemon: Daemon, accept: (body: string) => boolean = () => true): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const exit = daemon.exitReason();
    if (exit !== null) throw new Error(exit);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok && accept(await response.text())) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${START_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function mkdir(dir: string, name: string): string {
  const full = path.join(dir, name);
  mkdirSync(full);
  return full;
}

function once(work: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= work());
}
