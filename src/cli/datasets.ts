/** `netgrow datasets`: which datasets this machine has, where, and how to get the others. */
import { describeDatasets, downloadDataset } from '../data';
import { parseFlags } from './flags';

export const help = `netgrow datasets [--json] [--data-dir DIR] [--download NAME] — the dataset registry

  --json             one JSON object: {"datasets": [{name, inputShape, classes, available, where, fix}]}
  --data-dir <dir>   look here first (also NETGROW_DATA)
  --download <name>  fetch a dataset into ~/.cache/netgrow/datasets/<name>, checking size and sha256
                     (needs a network that reaches the dataset's host)`;

export async function run(args: string[]): Promise<number> {
  const values = parseFlags(args, 'datasets', {
    json: { type: 'boolean' },
    'data-dir': { type: 'string' },
    download: { type: 'string' },
  });
  if (values.download) {
    const { dir, files } = await downloadDataset(values.download, {
      dataDir: values['data-dir'],
      onFile: (f, state) => console.error(`${state === 'present' ? 'already present' : 'downloaded'}: ${f}`),
    });
    console.log(values.json ? JSON.stringify({ dir, files }) : `${values.download} is in ${dir}`);
    return 0;
  }
  const list = await describeDatasets({ dataDir: values['data-dir'] });
  if (values.json) {
    console.log(JSON.stringify({ datasets: list }));
    return 0;
  }
  const w = Math.max(...list.map((d) => d.name.length));
  for (const d of list) {
    const shape = d.inputShape.join('x');
    const state = d.available ? `available  ${d.where}` : `missing    fix: ${d.fix}`;
    console.log(`${d.name.padEnd(w)}  ${shape.padEnd(8)} ${String(d.classes).padStart(3)} classes  ${state}`);
  }
  return 0;
}
