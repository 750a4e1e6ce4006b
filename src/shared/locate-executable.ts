import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export type Located = { found: true; path: string } | { found: false; reason: string };

/**
 * The file a program name runs, looked up as `spawn` does (a name with a slash is a path, a bare
 * name is searched on PATH), or why nothing would run: what /health reports about helm and hdarctl.
 */
export function locateExecutable(binary: string, searchPath: string = process.env.PATH ?? ''): Located {
  if (binary.includes('/')) {
    const problem = notExecutable(binary);
    return problem ? { found: false, reason: `${binary} ${problem}` } : { found: true, path: binary };
  }
  const directories = searchPath.split(delimiter).filter((directory) => directory !== '' && isAbsolute(directory));
  for (const directory of directories) {
    const candidate = join(directory, binary);
    if (!notExecutable(candidate)) return { found: true, path: candidate };
  }
  return { found: false, reason: `${binary} is not an executable file on PATH` };
}

/** Why a path would not run, or null when it would. */
function notExecutable(path: string): string | null {
  try {
    if (!statSync(path).isFile()) return 'is not a file';
    accessSync(path, constants.X_OK);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not executable' : `cannot be run (${code ?? 'unknown error'})`;
  }
}
