import { rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import {
  ArtifactDescriptorInvalid,
  ArtifactPullFailed,
  ArtifactPullTimeout,
  ArtifactRefInvalid,
  NoDescriptorInArtifact,
} from './artifact-errors';
import { ARTIFACT_REF_SCHEMES, checkArtifactRef } from './artifact-ref';
import { findDescriptorFile, readDescriptorText } from './artifact-tree';
import { IntakeLimits, withDefaults } from './limits';
import { PrivateCallDirs } from '../shared/private-call-dirs';
import { runProgram } from '../shared/run-program';
import { parseYamlText } from './safe-yaml';

/** Port: fetches the HDAG descriptor an `{"artifact": "<ref>"}` body points to. Errors are `ArtifactError`s. */
export interface ArtifactResolver {
  /** Resolves to the parsed (not yet validated) descriptor document. */
  resolve(ref: string, signal?: AbortSignal): Promise<unknown>;
}

export interface HdarctlResolverOptions {
  /** Path of the hdarctl executable (a bare name is looked up on `env.PATH`). */
  readonly binary: string;
  readonly timeoutMs: number;
  readonly maxDescriptorBytes: number;
  /** hdarctl's whole environment. Default: this process's PATH and HOME only (HOME holds registry logins). */
  readonly env?: Readonly<Record<string, string>>;
  /** Where the private pull directories are created; default the OS temp directory. */
  readonly tempRoot?: string;
  /** Hears how many private pull directories of pulls that never finished (SMO killed during them) were removed. */
  readonly onLeftoversRemoved?: (removed: number) => void;
  /** Registry allowlist (`host` or `host:port`); strongly advised in production (SSRF, see README). */
  readonly allowedHosts?: readonly string[];
  /** Most files and directories an artifact may contain; default 1000. */
  readonly maxEntries?: number;
  /** Parsing limits for the descriptor text; defaults as for request bodies. */
  readonly limits?: Partial<IntakeLimits>;
}

/**
 * Adapter: `hdarctl pull <ref> --untar --destination <dir>` in a fresh private directory (mode 0700 from
 * mkdtemp) that is always removed, then the upstream descriptor lookup and the same safe YAML parsing
 * as request bodies.
 */
export class HdarctlArtifactResolver implements ArtifactResolver {
  private readonly privateDirs: PrivateCallDirs;

  constructor(private readonly options: HdarctlResolverOptions) {
    this.privateDirs = new PrivateCallDirs({
      root: options.tempRoot ?? tmpdir(),
      prefix: 'smo-hdarctl-',
      longestCallMs: options.timeoutMs,
      ...(options.onLeftoversRemoved && { onLeftoversRemoved: options.onLeftoversRemoved }),
    });
  }

  async resolve(ref: string, signal?: AbortSignal): Promise<unknown> {
    const { binary, timeoutMs, maxDescriptorBytes, allowedHosts } = this.options;
    const verdict = checkArtifactRef(ref, { schemes: ARTIFACT_REF_SCHEMES, allowedHosts });
    if (!verdict.ok) throw new ArtifactRefInvalid(verdict.reason);
    signal?.throwIfAborted();

    const workDir = await this.privateDirs.create();
    try {
      const args = ['pull', ref, '--untar', '--destination', workDir];
      const outcome = await runProgram(binary, args, { cwd: workDir, env: this.environment(), timeoutMs, ...(signal ? { signal } : {}) });
      if (outcome.spawnError !== null) throw new ArtifactPullFailed(null, null, '', outcome.spawnError);
      if (outcome.aborted) signal?.throwIfAborted();
      if (outcome.timedOut) throw new ArtifactPullTimeout(timeoutMs);
      if (outcome.exitCode !== 0) throw new ArtifactPullFailed(outcome.exitCode, outcome.signal, outcome.stderr.slice(-4096));

      const file = await findDescriptorFile(workDir, this.options.maxEntries ?? 1000);
      if (file === undefined) throw new NoDescriptorInArtifact();
      const parsed = parseYamlText(await readDescriptorText(workDir, file, maxDescriptorBytes), withDefaults(this.options.limits));
      if (!parsed.ok) throw new ArtifactDescriptorInvalid(file, parsed.problems);
      return parsed.value;
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }

  private environment(): Readonly<Record<string, string>> {
    return this.options.env ?? { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? homedir() };
  }
}
