/**
 * Child process for the disk-fault tests (run under strace, which delays the flushes of the WAL file):
 * starts SMO in embedded mode at synchronous=full over the data directory given, waits until its
 * processors are idle, deploys the Brussels demo with `Prefer: respond-async`, and prints the answer's
 * status and how long it took as one JSON line.
 */
import { startApp } from '../support/app';
import { descriptorText } from '../support/graph-fixtures';

const dataDir = process.argv[2]!;

async function main(): Promise<void> {
  const smo = await startApp({ SMO_SQLITE_SYNCHRONOUS: 'full', SMO_CLUSTER_SYNC_INTERVAL: '3600' }, { dataDir });
  try {
    // Start-up's own appends (cluster sync, snapshots) flushed first: the deploy's flush must not queue behind one of theirs.
    await smo.runtime.processing.whenIdle(60_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await smo.runtime.processing.whenIdle(60_000);
    const started = performance.now();
    const response = await fetch(`${smo.url}/project/demo/graphs`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml', prefer: 'respond-async' },
      body: descriptorText('brussels-demo.upstream.hdag.yaml'),
    });
    const answeredAtMs = performance.now() - started;
    process.stdout.write(`${JSON.stringify({ status: response.status, answeredAtMs })}\n`);
  } finally {
    await smo.close({ keepData: true });
  }
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
