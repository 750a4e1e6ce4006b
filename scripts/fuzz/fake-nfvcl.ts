/**
 * The fake NFVCL of the tests (test/fakes/nfvcl) as a process, for `scripts/fuzz.sh`: prints its
 * URL on the first line of stdout and serves until SIGTERM/SIGINT.
 */
import { FakeNfvcl } from '../../test/fakes/nfvcl/fake-nfvcl';

async function main(): Promise<void> {
  const nfvcl = await FakeNfvcl.start({ api: 'current', pollsUntilReady: 1 });
  process.stdout.write(`${nfvcl.url}\n`);
  const stop = () => void nfvcl.stop().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`fake NFVCL failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
