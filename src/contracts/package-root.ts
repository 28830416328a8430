/**
 * netgrow's package root (the folder of its package.json), from the TypeScript sources and from
 * compiled output alike: `__dirname` is `src/…` in a checkout but `dist/src/…` (or any other
 * outDir) once built, so paths such as `bin/netgrow.js` or `.tools/bin/temporal` are found
 * from here, never by counting `..` from a module.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function packageRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const p = join(dir, 'package.json');
    if (existsSync(p) && (JSON.parse(readFileSync(p, 'utf8')) as { name?: string }).name === 'netgrow')
      return dir;
  }
  return process.cwd();
}
