import { DocumentPath, Problem, problemAt } from './problem';

/** Enough to fix a descriptor; a hostile one (a megabyte of `{}` services) would otherwise yield millions. */
export const MAX_LISTED_FINDINGS = 100;

/** Problems (the descriptor is rejected) and warnings (accepted, reported back) collected in one pass. */
export class Findings {
  private readonly listed = { problems: [] as Problem[], warnings: [] as Problem[] };
  private readonly unlisted = { problems: 0, warnings: 0 };

  fail(path: DocumentPath, message: string): void {
    this.record('problems', path, message);
  }

  warn(path: DocumentPath, message: string): void {
    this.record('warnings', path, message);
  }

  get problems(): Problem[] {
    return this.withSummary('problems');
  }

  get warnings(): Problem[] {
    return this.withSummary('warnings');
  }

  private record(kind: 'problems' | 'warnings', path: DocumentPath, message: string): void {
    if (this.listed[kind].length < MAX_LISTED_FINDINGS) this.listed[kind].push(problemAt(path, message));
    else this.unlisted[kind]++;
  }

  private withSummary(kind: 'problems' | 'warnings'): Problem[] {
    const more = this.unlisted[kind];
    return more === 0 ? [...this.listed[kind]] : [...this.listed[kind], problemAt([], `${more} more ${kind} not listed`)];
  }
}
