import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** One call of the fake helm, as it logged it (see the header of ./helm). */
export interface FakeHelmInvocation {
  argv: string[];
  command: string;
  release: string | null;
  /** The --values file as text, null without --values. */
  values: string | null;
  valuesMode: number | null;
  valuesDirMode: number | null;
  envKeys: string[];
  home: string | null;
  cwd: string;
  pid: number;
  grandchildPid?: number;
  time: string;
}

export interface FakeHelmRevision {
  revision: number;
  status: string;
  chart: string;
  values: string | null;
  updated: string;
  description: string;
}

export interface FakeHelmRelease {
  name: string;
  namespace: string;
  revisions: FakeHelmRevision[];
}

interface ControlEntry {
  command: string;
  release?: string;
  times?: number;
}

export interface FakeHelmControl {
  fail?: Array<ControlEntry & { exitCode?: number; stderr?: string; recordFailed?: boolean }>;
  hang?: Array<ControlEntry & { ms?: number }>;
  leavePending?: ControlEntry[];
  /** A wait helm bounds itself with --timeout (a hook's Job, uninstall --wait), lasting `ms`. */
  wait?: Array<ControlEntry & { ms?: number }>;
}

export interface FakeHelm {
  /** Absolute path of the executable fake. */
  readonly binary: string;
  /** Give this to the code under test (e.g. HelmCliAdapter's `env` option). */
  readonly env: Record<string, string>;
  log(): FakeHelmInvocation[];
  control(control: FakeHelmControl): void;
  /** Releases keyed "namespace/name". */
  state(): Record<string, FakeHelmRelease>;
  /** The install calls, optionally for one release only. */
  installs(release?: string): FakeHelmInvocation[];
  reset(): void;
}

/** A fake helm whose log, state and control files live in `dir`. */
export function fakeHelm(dir: string): FakeHelm {
  const files = {
    log: join(dir, 'fake-helm.log.jsonl'),
    state: join(dir, 'fake-helm-state.json'),
    control: join(dir, 'fake-helm-control.json'),
  };
  // Complete lines only: a helm still running may be half-way through appending its line (a bench reads while deploys run).
  const log = (): FakeHelmInvocation[] => {
    const text = existsSync(files.log) ? readFileSync(files.log, 'utf8') : '';
    return text
      .slice(0, text.lastIndexOf('\n') + 1)
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as FakeHelmInvocation);
  };
  return {
    binary: join(__dirname, 'helm'),
    env: { FAKE_HELM_LOG: files.log, FAKE_HELM_STATE: files.state, FAKE_HELM_CONTROL: files.control },
    log,
    control: (control) => writeFileSync(files.control, JSON.stringify(control)),
    state: () =>
      existsSync(files.state) ? (JSON.parse(readFileSync(files.state, 'utf8')) as { releases: Record<string, FakeHelmRelease> }).releases : {},
    installs: (release) => log().filter((call) => call.command === 'install' && (release === undefined || call.release === release)),
    reset: () => Object.values(files).forEach((file) => rmSync(file, { force: true })),
  };
}

/** The values a logged call received, parsed as helm would read its --values file. */
export function valuesOf(invocation: FakeHelmInvocation): unknown {
  return invocation.values === null ? null : parse(invocation.values);
}
