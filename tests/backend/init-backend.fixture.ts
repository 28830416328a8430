/**
 * Child process for select.test.ts (the backend is per process): calls initBackend once per
 * options object in argv[2] and prints what happened as one JSON line.
 */
import { BackendInfo, initBackend, InitBackendOptions } from '../../src/backend';

async function main(): Promise<void> {
  const calls = JSON.parse(process.argv[2] ?? '[{}]') as InitBackendOptions[];
  const lines: string[] = [];
  const results: Array<{ info?: BackendInfo; error?: string }> = [];
  const infos: BackendInfo[] = [];
  for (const c of calls) {
    try {
      const info = await initBackend({ ...c, log: (l) => lines.push(l) });
      infos.push(info);
      results.push({ info });
    } catch (e) {
      results.push({ error: (e as Error).message });
    }
  }
  const same = infos.every((i) => i === infos[0]);
  console.log(JSON.stringify({ results, lines, same }));
}

void main();
