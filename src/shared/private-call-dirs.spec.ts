import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrivateCallDirs } from './private-call-dirs';

const HOUR_MS = 60 * 60_000;

describe('PrivateCallDirs', () => {
  let root: string;
  let outside: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'private-call-dirs-spec-'));
    outside = mkdtempSync(join(tmpdir(), 'private-call-dirs-outside-'));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  /** A directory as a call makes it, with a values file, last changed `ageMs` ago. */
  const callDir = (name: string, ageMs: number): string => {
    const path = join(root, name);
    mkdirSync(path, { mode: 0o700 });
    writeFileSync(join(path, 'values.yaml'), 'password: "s3cret"\n', { mode: 0o600 });
    age(path, ageMs);
    return path;
  };
  const age = (path: string, ageMs: number): void => {
    const then = new Date(Date.now() - ageMs);
    utimesSync(path, then, then);
  };

  it('removes only the directories of its prefix that no call can still be using', async () => {
    const removedCounts: number[] = [];
    const dirs = new PrivateCallDirs({ root, prefix: 'smo-helm-', longestCallMs: 5 * 60_000, onLeftoversRemoved: (n) => removedCounts.push(n) });
    const leftover = callDir('smo-helm-Ab12Cd', 2 * HOUR_MS);
    const inUse = callDir('smo-helm-Ef34Gh', 30 * 60_000); // under an hour: possibly another SMO's call
    const otherPrefix = callDir('smo-hdarctl-Ij56Kl', 2 * HOUR_MS);
    const notMkdtemps = callDir('smo-helm-keep-me', 2 * HOUR_MS);
    const file = join(root, 'smo-helm-Mn78Op');
    writeFileSync(file, 'not a directory');
    age(file, 2 * HOUR_MS);
    // A link to a directory elsewhere, named as a leftover: neither it nor what it points at is removed.
    writeFileSync(join(outside, 'precious'), 'kept');
    const link = join(root, 'smo-helm-Qr90St');
    symlinkSync(outside, link);

    expect(await dirs.removeLeftovers()).toBe(1);

    expect(existsSync(leftover)).toBe(false);
    expect([inUse, otherPrefix, notMkdtemps, file, link].filter((path) => !existsSync(path))).toEqual([]);
    expect(existsSync(join(outside, 'precious'))).toBe(true);
    expect(removedCounts).toEqual([1]);
    expect(await dirs.removeLeftovers()).toBe(0);
    expect(removedCounts).toEqual([1]); // told only when it removed some
  });

  it('waits twice the longest call when that is over an hour', async () => {
    const dirs = new PrivateCallDirs({ root, prefix: 'smo-helm-', longestCallMs: 2 * HOUR_MS });
    const recent = callDir('smo-helm-Ab12Cd', 3 * HOUR_MS);
    const old = callDir('smo-helm-Ef34Gh', 5 * HOUR_MS);

    expect(await dirs.removeLeftovers()).toBe(1);
    expect({ recent: existsSync(recent), old: existsSync(old) }).toEqual({ recent: true, old: false });
  });

  it('makes 0700 directories under its root, and looks for leftovers at the first call, then not again within the interval', async () => {
    const removedCounts: number[] = [];
    const dirs = new PrivateCallDirs({ root, prefix: 'smo-helm-', longestCallMs: 60_000, onLeftoversRemoved: (n) => removedCounts.push(n) });
    const first = callDir('smo-helm-Ab12Cd', 2 * HOUR_MS);

    const made = await dirs.create();
    expect(made.startsWith(join(root, 'smo-helm-'))).toBe(true);
    expect(statSync(made).mode & 0o777).toBe(0o700);
    // The sweep runs beside the call: waited for here.
    for (let i = 0; i < 100 && existsSync(first); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(existsSync(first)).toBe(false);
    expect(removedCounts).toEqual([1]);

    const second = callDir('smo-helm-Ef34Gh', 2 * HOUR_MS);
    await dirs.create();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(existsSync(second)).toBe(true); // the next sweep is due an hour after the first
    expect(readdirSync(root).filter((name) => name.startsWith('smo-helm-'))).toHaveLength(3);
  });
});
