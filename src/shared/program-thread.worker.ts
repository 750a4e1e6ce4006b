import { parentPort } from 'node:worker_threads';
import type { FromProgramThread, ToProgramThread } from './program-thread';
import { runProgramOnThisThread } from './run-program';

/** The program thread (program-thread.ts): runs each program it is sent, reports its result, kills it on abort. */
const port = parentPort;
if (!port) throw new Error('program-thread.worker runs as a worker thread');
const running = new Map<number, AbortController>();

port.on('message', (message: ToProgramThread) => {
  if ('abort' in message) {
    running.get(message.abort)?.abort();
    return;
  }
  const { id, binary, args, options } = message.run;
  const controller = new AbortController();
  running.set(id, controller);
  void runProgramOnThisThread(binary, args, { ...options, signal: controller.signal }).then((result) => {
    running.delete(id);
    port.postMessage({ id, result } satisfies FromProgramThread);
  });
});
