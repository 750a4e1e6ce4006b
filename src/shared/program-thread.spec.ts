import { Worker } from 'node:worker_threads';
import { ProgramThread } from './program-thread';

describe('ProgramThread', () => {
  const options = { cwd: '/', env: {}, timeoutMs: 5_000 };

  it('reports the programs it waited for as not started when its thread dies, and starts a new thread for the next', async () => {
    const started: Worker[] = [];
    // A real worker that exits on its first task, as a crashed program thread would.
    const thread = new ProgramThread(() => {
      const worker = new Worker("require('node:worker_threads').parentPort.once('message', () => process.exit(3));", { eval: true });
      started.push(worker);
      return worker;
    });
    const lost = { exitCode: null, signal: null, stdout: '', stderr: '', timedOut: false, aborted: false, spawnError: 'ERR_PROGRAM_THREAD_EXITED' };
    expect(await Promise.all([thread.run('/bin/true', [], options), thread.run('/bin/true', [], options)])).toEqual([lost, lost]);
    expect(await thread.run('/bin/true', [], options)).toEqual(lost);
    expect(started).toHaveLength(2);
  });

  it('runs programs through its thread, one after another and at once, with their exit codes and output', async () => {
    const thread = new ProgramThread();
    expect(await thread.run('/bin/sh', ['-c', 'echo one'], options)).toMatchObject({ exitCode: 0, stdout: 'one\n' });
    const both = await Promise.all([thread.run('/bin/sh', ['-c', 'echo two'], options), thread.run('/bin/sh', ['-c', 'exit 4'], options)]);
    expect(both.map((result) => [result.exitCode, result.stdout])).toEqual([
      [0, 'two\n'],
      [4, ''],
    ]);
  });
});
