import type { AddressInfo } from 'node:net';
import { constants } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, type SmoConfig } from './config/config';
import { createApp } from './app/create-app';
import { createRuntime } from './app/runtime';
import { KubeconfigInvalidError } from './integrations/kubernetes/kubeconfig';
import { createLogger, type Logger } from './observability/logger';
import { getIsolatedSolver, warmUpOptimizer } from './optimizer';
import { redactUserinfo } from './shared/redact-userinfo';

/** A start-up failure whose cause an operator can fix: told in one line, without a stack. */
class StartupError extends Error {
  override readonly name = 'StartupError';
}

/** SIGTERM and SIGINT, from start-up on (see stopOnSignals). */
const stopping = stopOnSignals();

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
  const logger = createLogger({ level: config.logLevel });
  exitOnUncaughtErrors(logger);
  const runtime = await createRuntime(config, { logger }).catch((error: unknown) => {
    throw storeFailure(error, config) ?? error;
  });
  const app = await createApp(runtime);
  stopping.stopWith(() => app.close(), runtime.logger);
  // Start the solver's worker and compile its WebAssembly before the first request, so the first placement costs what later ones do.
  runtime.logger.info({ solver: config.solver, ms: Math.round(await warmUpOptimizer(getIsolatedSolver(config.solver))) }, 'optimizer warmed up');
  // A signal during the warm-up: the app is closing, and main.ts exits once it has.
  if (stopping.requested()) return;
  await app.listen(config.port, config.bind).catch((error: unknown) => {
    throw listenFailure(error, config) ?? error;
  });
  // The port bound, not the one asked for: with PORT=0 the system chose it.
  const { port } = app.getHttpServer().address() as AddressInfo;
  runtime.logger.info({ url: `http://${config.bind}:${port}`, docs: '/docs' }, 'SMO listening');
  // A parent that started SMO with an IPC channel (a supervisor, the tests) learns that it listens and where, at any log level.
  process.send?.({ smo: 'listening', port });
}

/**
 * The first SIGTERM or SIGINT stops SMO gracefully: the HTTP server finishes the requests in flight, the
 * processors the event each is handling (a helm call may take SMO_HELM_TIMEOUT and the grace after it),
 * then the stores close. A second signal exits at once (as SIGKILL would: the next start recovers a
 * release a helm call cut short left pending); so does one during start-up, before there is anything to
 * stop gracefully. The handlers are installed first thing: as a container's PID 1, Node without a handler
 * ignores SIGTERM, and `docker stop` during a long start-up waited out the whole stop_grace_period.
 * A graceful stop exits 0; an immediate exit with the shell's 128 + the signal's number (143, 130).
 */
function stopOnSignals(): { stopWith(stop: () => Promise<void>, logger: Logger): void; requested(): boolean } {
  let stop: { run: () => Promise<void>; logger: Logger } | null = null;
  let stoppingSince: number | null = null;
  const exitCode = (signal: NodeJS.Signals) => 128 + constants.signals[signal];
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop === null) {
      process.stderr.write(`SMO stopped by ${signal} during start-up\n`);
      process.exit(exitCode(signal));
    }
    const { run, logger } = stop;
    if (stoppingSince !== null) {
      logger.warn({ signal, stoppingForMs: Date.now() - stoppingSince }, 'second signal: exiting now, without waiting for the work in flight (as after a kill, the next start asks helm for each release\'s state and recovers one left pending)');
      process.exit(exitCode(signal));
    }
    stoppingSince = Date.now();
    logger.info({ signal }, 'stopping: the requests and processor steps in flight finish first (a helm call up to SMO_HELM_TIMEOUT and the grace after it); send the signal again to exit at once');
    run().then(
      () => {
        logger.info({ signal, ms: Date.now() - stoppingSince! }, 'stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ signal, err: error instanceof Error ? error.message : String(error) }, 'stopping failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal).on('SIGINT', onSignal);
  return { stopWith: (run, logger) => (stop = { run, logger }), requested: () => stoppingSince !== null };
}

/**
 * A bug no handler caught (an exception, or a rejection: Node raises an unhandled one as an uncaught exception,
 * `origin` tells which) is logged as one JSON line like every other, with its stack, then SMO exits 1 as Node would.
 */
function exitOnUncaughtErrors(logger: Logger): void {
  process.on('uncaughtException', (error, origin) => {
    logger.fatal({ err: error }, origin === 'unhandledRejection' ? 'unhandled rejection' : 'uncaught exception');
    process.exit(1);
  });
}

type SystemError = Error & { code?: string; path?: string; errcode?: number; errstr?: string };

/** The data directory or SQLite file is unusable, or MongoDB cannot be reached: what, and which variable to check. */
function storeFailure(error: unknown, config: SmoConfig): StartupError | null {
  if (!(error instanceof Error)) return null;
  const { code, path, errcode, errstr } = error as SystemError;
  const file = join(config.dataDir, 'smo.db');
  const aboutDataDir = path !== undefined && (path.startsWith(config.dataDir) || config.dataDir.startsWith(path));
  // ENOENT: Node's recursive mkdir on a read-only file system reports the directory it could not create, not EROFS.
  if (aboutDataDir && ['ENOTDIR', 'EEXIST', 'EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'ENOENT'].includes(code ?? '')) {
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
    process.stderr.write(`SMO cannot start: ${error.message} (check KARMADA_KUBECONFIG, SUBMARINER_KUBECONFIG, PROMETHEUS_RULE_KUBECONFIG or KUBECONFIG, and the mounted ~/.kube)\n`);
    process.exit(2);
  }
  // A setting found wrong once the integrations are built is said as loadConfig's refusals are.
  if (error instanceof StartupError || error instanceof ConfigError) {
    process.stderr.write(`SMO cannot start: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`SMO failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
