/**
 * The files the hostile-input corpus feeds to `netgrow`: a small valid network (graph.json and
 * a checkpoint) and damaged copies of it, written into a temporary folder when the test starts.
 * Nothing here is committed as a binary; every byte is made from a seeded generator.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { graphToJson, initWeights, parseGraph, Rng, type Graph } from '../../src/graph';
import { writeCheckpoint } from '../../src/model/checkpoint';
import { openStore } from '../../src/storage';

/** conv 4 3x3 → flatten → fc 4 on 8x8x1 inputs: a few hundred weights. */
export function smallNet(): Graph {
  return parseGraph({
    name: 'small',
    output: 'fc1',
    nodes: [
      { id: 'input', kind: 'input', inputs: [], shape: [8, 8, 1] },
      { id: 'conv1', kind: 'conv2d', inputs: ['input'], filters: 4, kernel: 3 },
      { id: 'flatten', kind: 'flatten', inputs: ['conv1'] },
      { id: 'fc1', kind: 'dense', inputs: ['flatten'], units: 4 },
    ],
  });
}

/** The raw graph.json text of the small net with `edit` applied to its nodes (no validation). */
export function graphText(edit: (nodes: Array<Record<string, unknown>>) => void): string {
  const raw = JSON.parse(graphToJson(smallNet())) as { nodes: Array<Record<string, unknown>> };
  edit(raw.nodes);
  return JSON.stringify(raw);
}

export interface Fixtures {
  root: string;
  graph: string;
  checkpoint: string;
  /** Damaged checkpoints by what was done to them. */
  broken: Record<'tamperedBin' | 'truncatedBin' | 'truncatedMeta' | 'badManifest' | 'noMeta', string>;
  /** Fashion-MNIST folders whose files are cut short or carry the wrong magic number. */
  data: Record<'truncated' | 'wrongMagic', string>;
}

export async function writeFixtures(root: string): Promise<Fixtures> {
  const g = smallNet();
  const graph = join(root, 'graph.json');
  writeFileSync(graph, graphToJson(g));
  const checkpoint = join(root, 'ck');
  await writeCheckpoint(openStore(checkpoint), '', g, initWeights(g, new Rng(3)));

  const copy = (name: string, damage: (dir: string) => void): string => {
    const dir = join(root, name);
    cpSync(checkpoint, dir, { recursive: true });
    damage(dir);
    return dir;
  };
  const broken = {
    tamperedBin: copy('ck-tampered', (d) => {
      const bin = readFileSync(join(d, 'weights.bin'));
      bin[17] ^= 0xff;
      writeFileSync(join(d, 'weights.bin'), bin);
    }),
    truncatedBin: copy('ck-truncated-bin', (d) => truncateSync(join(d, 'weights.bin'), 10)),
    truncatedMeta: copy('ck-truncated-meta', (d) => truncateSync(join(d, 'meta.json'), 40)),
    // A manifest that is not JSON, with meta.json's sha256 updated to vouch for it: the damage
    // is past the integrity check and must still be refused as input.
    badManifest: copy('ck-bad-manifest', (d) => {
      const text = '[{"paths": ["weights.bin"], "weights": [';
      writeFileSync(join(d, 'weights.json'), text);
      const meta = JSON.parse(readFileSync(join(d, 'meta.json'), 'utf8')) as {
        files: Record<string, { sha256: string; bytes: number }>;
      };
      meta.files['weights.json'] = { sha256: sha256(text), bytes: Buffer.byteLength(text) };
      writeFileSync(join(d, 'meta.json'), JSON.stringify(meta));
    }),
    noMeta: copy('ck-no-meta', (d) => writeFileSync(join(d, 'meta.json'), '')),
  };

  const files = [
    'train-images-idx3-ubyte',
    'train-labels-idx1-ubyte',
    't10k-images-idx3-ubyte',
    't10k-labels-idx1-ubyte',
  ];
  const dataDir = (name: string, bytes: (i: number) => Uint8Array): string => {
    const dir = join(root, name, 'fashion-mnist');
    mkdirSync(dir, { recursive: true });
    files.forEach((f, i) => writeFileSync(join(dir, f), bytes(i)));
    return join(root, name);
  };
  const data = {
    // An IDX header that promises 60000 images, then 100 bytes.
    truncated: dataDir('data-truncated', (i) => idxHeader(i % 2 === 0 ? [60000, 28, 28] : [60000], 100)),
    wrongMagic: dataDir('data-magic', () => Uint8Array.from([0x50, 0x4b, 0x03, 0x04, ...new Uint8Array(60)])),
  };
  return { root, graph, checkpoint, broken, data };
}

function idxHeader(dims: number[], payload: number): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + payload);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return out;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
