import { Problem, problemAt } from './problem';

/**
 * Failures of resolving `{"artifact": "<ref>"}`. Each carries the HTTP status to answer with and the
 * problems for the `application/problem+json` body, all under the pointer "/artifact":
 * - 400 for anything wrong with what the client referenced (bad ref, no descriptor, unsafe or invalid content);
 * - 502 when hdarctl fails (registry down, unknown artifact, auth): SMO cannot tell those apart from its stderr;
 * - 504 when hdarctl does not finish in time.
 */
export abstract class ArtifactError extends Error {
  abstract readonly status: 400 | 502 | 504;
  readonly problems: Problem[];

  protected constructor(message: string, problems: Problem[] = [problemAt(['artifact'], message)]) {
    super(message);
    this.name = new.target.name;
    this.problems = problems;
  }
}

export class ArtifactRefInvalid extends ArtifactError {
  readonly status = 400;
  constructor(reason: string) {
    super(`artifact reference ${reason}`);
  }
}

export class ArtifactPullFailed extends ArtifactError {
  readonly status = 502;
  constructor(
    readonly exitCode: number | null,
    readonly signal: string | null,
    /** End of hdarctl's stderr, for logs. Only its last line goes into the problem message. */
    readonly stderrTail: string,
    /** Set when hdarctl could not be started at all (e.g. ENOENT: not installed). */
    readonly startError?: string,
  ) {
    const how =
      startError !== undefined
        ? `could not be started (${startError})`
        : exitCode === null
          ? `was killed by ${signal ?? 'a signal'}`
          : `exited with code ${exitCode}`;
    const lastLine = lastLineOf(stderrTail);
    super(`hdarctl pull ${how}${lastLine ? `: ${lastLine}` : ''}`);
  }
}

export class ArtifactPullTimeout extends ArtifactError {
  readonly status = 504;
  constructor(readonly timeoutMs: number) {
    super(`hdarctl pull did not finish within ${timeoutMs} ms`);
  }
}

export class NoDescriptorInArtifact extends ArtifactError {
  readonly status = 400;
  constructor() {
    super('the artifact contains no *.yml or *.yaml descriptor file');
  }
}

/** Symlinks, special files, entries outside the pull directory, or too many entries. */
export class ArtifactContentUnsafe extends ArtifactError {
  readonly status = 400;
  constructor(reason: string) {
    super(`the artifact was refused: ${reason}`);
  }
}

export class ArtifactDescriptorInvalid extends ArtifactError {
  readonly status = 400;
  constructor(file: string, problems: readonly Problem[]) {
    super(
      `the artifact's descriptor ${file} cannot be read`,
      problems.map((problem) => problemAt(['artifact'], `${file}${problem.pointer ? ` at ${problem.pointer}` : ''}: ${problem.message}`)),
    );
  }
}

/** One printable line, bounded: stderr is untrusted output and goes back to the client. */
function lastLineOf(text: string): string {
  const lines = text.split('\n').map((line) => line.replace(/[\p{Cc}]/gu, '').trim());
  return (lines.filter((line) => line !== '').pop() ?? '').slice(0, 200);
}
