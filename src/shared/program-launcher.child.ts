import type { FromLauncher, ToLauncher } from './program-launcher';
import { runProgramHere } from './run-program';

/** The program launcher (program-launcher.ts): runs each program it is sent, reports its result, kills it on abort. */
if (!process.send) throw new Error('program-launcher.child runs as a child process with an IPC channel');
const running = new Map<number, AbortController>();

process.on('message', (message: ToLauncher) => {
  if ('abort' in message) {
    running.get(message.abort)?.abort();
    return;
  }
  const { id, binary, args, options } = message.run;
  const controller = new AbortController();
  running.set(id, controller);
  void runProgramHere(binary, args, { ...options, signal: controller.signal }).then((result) => {
    running.delete(id);
    if (process.connected) process.send?.({ id, result } satisfies FromLauncher);
  });
});
// SMO ends the launcher by exiting: a terminal's Ctrl-C or a SIGTERM to the process group is SMO's to handle.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
process.on('disconnect', () => process.exit(0));
