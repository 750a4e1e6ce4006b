import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig } from './config/config';
import { createApp } from './app/create-app';
import { createRuntime } from './app/runtime';
import { KubeconfigInvalidError } from './integrations/kubernetes/kubeconfig';
import { getIsolatedSolver, warmUpOptimizer } from './optimizer';

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
  const runtime = await createRuntime(config);
  const app = await createApp(runtime);
  // Start the solver's worker and compile its WebAssembly before the first request, so the first placement costs what later ones do.
  runtime.logger.info({ solver: config.solver, ms: Math.round(await warmUpOptimizer(getIsolatedSolver(config.solver))) }, 'optimizer warmed up');
  await app.listen(config.port, config.bind);
  // The port bound, not the one asked for: with PORT=0 the system chose it.
  const { port } = app.getHttpServer().address() as AddressInfo;
  runtime.logger.info({ url: `http://${config.bind}:${port}`, docs: '/docs' }, 'SMO listening');
  // A parent that started SMO with an IPC channel (a supervisor, the tests) learns that it listens and where, at any log level.
  process.send?.({ smo: 'listening', port });
}

main().catch((error: unknown) => {
  // A kubeconfig that is missing or unusable is an operator's setting, not a bug: say which, without a stack.
  if (error instanceof KubeconfigInvalidError) {
    process.stderr.write(`SMO cannot start: ${error.message} (check KARMADA_KUBECONFIG, SUBMARINER_KUBECONFIG and the mounted ~/.kube)\n`);
    process.exit(2);
  }
  process.stderr.write(`SMO failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
