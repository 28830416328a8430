import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** netgrow's package root, from the sources or from dist/ alike. */
export function packageRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const p = join(dir, 'package.json');
    if (existsSync(p) && (JSON.parse(readFileSync(p, 'utf8')) as { name?: string }).name === 'netgrow')
      return dir;
  }
  return process.cwd();
}

export function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string })
    .version;
}
