import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ConfigError, loadConfig, type SmoConfig } from './config/config';
import { createApp } from './app/create-app';
import { createRuntime } from './app/runtime';
import { KubeconfigInvalidError } from './integrations/kubernetes/kubeconfig';
import { getIsolatedSolver, warmUpOptimizer } from './optimizer';
import { redactUserinfo } from './shared/redact-userinfo';

/** A start-up failure whose cause an operator can fix: told in one line, without a stack. */
class StartupError extends Error {
  override readonly name = 'StartupError';
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`SMO cannot start: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const runtime = await createRuntime(config).catch((error: unknown) => {
    throw storeFailure(error, config) ?? error;
  });
  const app = await createApp(runtime);
  // Start the solver's worker and compile its WebAssembly before the first request, so the first placement costs what later ones do.
  runtime.logger.info({ solver: config.solver, ms: Math.round(await warmUpOptimizer(getIsolatedSolver(config.solver))) }, 'optimizer warmed up');
  await app.listen(config.port, config.bind).catch((error: unknown) => {
    throw listenFailure(error, config) ?? error;
  });
  // The port bound, not the one asked for: with PORT=0 the system chose it.
  const { port } = app.getHttpServer().address() as AddressInfo;
  runtime.logger.info({ url: `http://${config.bind}:${port}`, docs: '/docs' }, 'SMO listening');
  // A parent that started SMO with an IPC channel (a supervisor, the tests) learns that it listens and where, at any log level.
  process.send?.({ smo: 'listening', port });
}

type SystemError = Error & { code?: string; path?: string; errcode?: number; errstr?: string };

/** The data directory or SQLite file is unusable, or MongoDB cannot be reached: what, and which variable to check. */
function storeFailure(error: unknown, config: SmoConfig): StartupError | null {
  if (!(error instanceof Error)) return null;
  const { code, path, errcode, errstr } = error as SystemError;
  const file = join(config.dataDir, 'smo.db');
  const aboutDataDir = path !== undefined && (path.startsWith(config.dataDir) || config.dataDir.startsWith(path));
  if (aboutDataDir && ['ENOTDIR', 'EEXIST', 'EACCES', 'EPERM', 'EROFS', 'ENOSPC'].includes(code ?? '')) {
    return new StartupError(`cannot use ${config.dataDir} as the data directory (${error.message}), check SMO_DATA_DIR`);
  }
  if (code === 'ERR_SQLITE_ERROR') {
    // SQLITE_NOTADB (26), SQLITE_CORRUPT (11): the file is there but is no (sound) database.
    if (errcode === 26 || errcode === 11) return new StartupError(`${file} is not a usable SQLite database (${errstr ?? error.message}), check SMO_DATA_DIR (or move the file away to start with empty stores)`);
    return new StartupError(`cannot open ${file} (${errstr ?? error.message}), check SMO_DATA_DIR`);
  }
  if (config.readStore === 'mongodb' && error.name.startsWith('Mongo')) {
    return new StartupError(`cannot reach MongoDB at ${redactUserinfo(config.mongoUrl ?? '')} (${error.message}), check MONGO_URL`);
  }
  return null;
}

/** The HTTP server cannot listen: the port is taken or forbidden, or the address is not this host's. */
function listenFailure(error: unknown, config: SmoConfig): StartupError | null {
  switch ((error as SystemError | null)?.code) {
    case 'EADDRINUSE':
      return new StartupError(`port ${config.port} on ${config.bind} is already in use, check PORT (or SMO_BIND)`);
    case 'EACCES':
      return new StartupError(`no permission to listen on port ${config.port} of ${config.bind} (ports below 1024 need privileges), check PORT`);
    case 'EADDRNOTAVAIL':
      return new StartupError(`${config.bind} is not an address of this host, check SMO_BIND`);
    default:
      return null;
  }
}

main().catch((error: unknown) => {
  // A kubeconfig that is missing or unusable is an operator's setting, not a bug: say which, without a stack.
  if (error instanceof KubeconfigInvalidError) {
    process.stderr.write(`SMO cannot start: ${error.message} (check KARMADA_KUBECONFIG, SUBMARINER_KUBECONFIG and the mounted ~/.kube)\n`);
    process.exit(2);
  }
  if (error instanceof StartupError) {
    process.stderr.write(`SMO cannot start: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`SMO failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
