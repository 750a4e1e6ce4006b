import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The directory holding SMO's package.json, whether running from src/ (tests) or dist/src/ (built). */
export function projectRoot(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return from;
  }
}
