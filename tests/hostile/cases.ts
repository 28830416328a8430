/**
 * The hostile-input corpus: what a careless or malicious user can hand `netgrow`, each with the
 * exit code it must end with. Every case must also end with exactly one clean stderr line
 * (checked by corpus.test.ts), write nothing, and leave no process behind.
 */
import { stringify } from 'yaml';
import type { Fixtures } from './fixtures';
import { graphText } from './fixtures';

export interface Case {
  name: string;
  /** The command line after `netgrow`. */
  args: (f: Fixtures) => string[];
  /** Files written into the case's own working folder before it runs. */
  files?: (f: Fixtures) => Record<string, string | Uint8Array>;
  env?: () => Record<string, string>;
  code: 2 | 4;
  /** What the one line must say (a code or a key phrase, not the whole wording). */
  says?: RegExp;
  /** Infrastructure cases may leave the experiment's record (it was valid input). */
  mayWrite?: boolean;
}

/** A secret that must never reach stdout or stderr. */
export const SECRET = 'wJalrXUtnFEMIK7MDENGbPxRfiCY';
/** A loopback port with nothing listening on it (set by the test before the cases run). */
export const closed = { port: 1 };

const valid = {
  name: 'hostile',
  dataset: { name: 'synthetic:8x8x1:64:4c' },
  strategy: { kind: 'ga', population: 2, generations: 1 },
  train: { epochs: 1 },
};
const yaml = (over: Record<string, unknown>) => stringify({ ...valid, ...over });
const check = ['search', '--config', 'c.yaml', '--check'];
const config = (name: string, text: string | Uint8Array, code: 2 | 4 = 2, says?: RegExp): Case => ({
  name: `config: ${name}`,
  args: () => check,
  files: () => ({ 'c.yaml': text }),
  code,
  says,
});
const arch = (name: string, text: string, says?: RegExp): Case => ({
  name: `graph.json: ${name}`,
  args: () => ['morph', '--arch', 'g.json', '--ops', 'wider conv1 8'],
  files: () => ({ 'g.json': text }),
  code: 2,
  says,
});
const morph = (ops: string, says?: RegExp): Case => ({
  name: `morph: ${JSON.stringify(ops).slice(0, 60)}`,
  args: (f) => ['morph', '--arch', f.graph, '--ops', ops],
  code: 2,
  says,
});
const spec = (name: string, over: (f: Fixtures) => Record<string, unknown>, says?: RegExp): Case => ({
  name: `spec: ${name}`,
  args: () => ['train', '--spec', 's.json'],
  files: (f) => ({
    's.json': JSON.stringify({
      runId: 'r1',
      checkpoint: f.checkpoint,
      output: 'file://./out',
      dataset: { name: 'synthetic:8x8x1:64:4c' },
      epochs: 1,
      ...over(f),
    }),
  }),
  code: 2,
  says,
});
const id = (name: string, value: string): Case => ({
  name: `experiment id: ${name}`,
  args: () => ['status', value],
  code: 2,
  says: /experiment id '.*|usage: netgrow status/,
});

const bomb = [
  'a: &a ["x","x","x","x","x","x","x","x","x"]',
  ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
  'name: *i',
].join('\n');
const long = 'x'.repeat(10_000);
const s3Env = () => ({
  AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${closed.port}`,
  AWS_ACCESS_KEY_ID: 'AKIAHOSTILE',
  AWS_SECRET_ACCESS_KEY: SECRET,
  AWS_REGION: 'us-east-1',
});

export const CASES: Case[] = [
  // The command line itself.
  { name: 'no command', args: () => [], code: 2, says: /no command given: netgrow <command>/ },
  { name: 'unknown command', args: () => ['frobnicate'], code: 2, says: /unknown command 'frobnicate'/ },
  {
    name: 'a path with a name longer than the file system allows',
    args: () => ['morph', '--arch', `${long}/g.json`, '--ops', 'wider conv1 8'],
    code: 2,
    says: /longer than the file system allows; choose a shorter path$/,
  },
  { name: 'a prototype name as the command', args: () => ['constructor'], code: 2, says: /unknown command/ },
  {
    name: 'a newline forging a second line',
    args: () => ['x\nnetgrow: all fine'],
    code: 2,
    says: /x\\nnetgrow/,
  },
  {
    name: 'terminal escapes in the command',
    args: () => ['\u001b[2J\u001b[31mred'],
    code: 2,
    says: /\\u001b\[2J/,
  },
  {
    name: 'a 120 KB argument (near the kernel limit)',
    args: () => ['y'.repeat(120_000)],
    code: 2,
    says: /characters left out\) …y+'; commands are /,
  },
  { name: 'an unknown flag', args: () => ['search', '--bogus'], code: 2, says: /--bogus/ },
  { name: 'a flag without its value', args: () => ['search', '--config'], code: 2, says: /--config/ },
  {
    name: "report: node's ambiguous-argument error",
    args: () => ['report', 'e1', '--storage', '-x'],
    code: 2,
    says: /ambiguous; see netgrow report --help$/,
  },
  {
    name: 'datasets: an unknown flag',
    args: () => ['datasets', '--bogus'],
    code: 2,
    says: /see netgrow datasets --help/,
  },
  {
    name: 'bench: a flag without its value',
    args: () => ['bench', 'train', '--steps'],
    code: 2,
    says: /see netgrow bench --help/,
  },
  { name: 'export: an unknown flag', args: () => ['export', '--bogus'], code: 2 },
  { name: 'worker: an unknown role', args: () => ['worker', '--roles', 'gpu;rm -rf /'], code: 2 },
  { name: 'morph: a flag without its value', args: () => ['morph', '--arch'], code: 2 },
  {
    name: 'train: --resume --no-resume',
    args: () => ['train', '--spec', 'x', '--resume', '--no-resume'],
    code: 2,
    says: /contradict/,
  },
  {
    name: 'status: --watch --json',
    args: () => ['status', 'abc', '--watch', '--json'],
    code: 2,
    says: /--watch/,
  },
  {
    name: 'search: --detach on the embedded server',
    args: () => [...check.slice(0, 3), '--detach'],
    files: () => ({ 'c.yaml': yaml({}) }),
    code: 2,
    says: /--detach needs a Temporal cluster/,
  },
  {
    name: 'search: --detach --workers',
    args: () => [...check.slice(0, 3), '--detach', '--workers', '--temporal-address', '127.0.0.1:7233'],
    files: () => ({ 'c.yaml': yaml({}) }),
    code: 2,
    says: /contradict/,
  },
  {
    name: 'search: --parallelism zero',
    args: () => [...check, '--parallelism', '0'],
    files: () => ({ 'c.yaml': yaml({}) }),
    code: 2,
    says: /--parallelism/,
  },
  {
    name: 'search: a 10,000-character --temporal-address',
    args: () => [...check, '--temporal-address', long],
    files: () => ({ 'c.yaml': yaml({}) }),
    code: 2,
    says: /--temporal-address/,
  },
  {
    name: 'search: --temporal-address port 99999',
    args: () => [...check, '--temporal-address', 'localhost:99999'],
    files: () => ({ 'c.yaml': yaml({}) }),
    code: 2,
    says: /port from 1 to 65535/,
  },
  {
    name: 'search: TEMPORAL_ADDRESS without a port',
    args: () => check,
    env: () => ({ TEMPORAL_ADDRESS: 'temporal.example.org' }),
    files: () => ({ 'c.yaml': yaml({}) }),
    code: 2,
    says: /TEMPORAL_ADDRESS/,
  },

  // Search config YAML.
  config('YAML syntax', 'name: [unclosed\n', 2, /line \d+, column \d+/),
  config('a tab in the indentation', 'name: a\ndataset:\n\tname: x\n'),
  config('a duplicate key', 'name: a\nname: b\n', 2, /unique/i),
  config('an unknown field', yaml({ nmae: 'x' }), 2, /nmae: unknown field/),
  config('a string for a number', yaml({ seed: 'abc' }), 2, /seed/),
  config('an absurd population', yaml({ strategy: { kind: 'ga', population: 1e12 } }), 2, /population/),
  config('an absurd epoch count', yaml({ train: { epochs: 1e308 } }), 2, /epochs/),
  config('a negative batch size', yaml({ train: { batchSize: -1 } }), 2, /batchSize/),
  config('NaN for a rate', `${yaml({})}budget: { gpuHours: .nan }\n`, 2, /gpuHours/),
  config('a YAML alias bomb', bomb, 2, /alias/i),
  config('an alias to no anchor', 'name: *nope\n', 2),
  config('a !!js/function tag', `${yaml({})}x: !!js/function "function () { return 1 }"\n`, 2, /tag/i),
  config('a custom !tag', 'name: !exec "touch pwned"\n', 2, /tag/i),
  config('a 2 MB file', `# ${'z'.repeat(2 << 20)}\n`, 2, /bytes/),
  config(
    'a binary file',
    Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256),
    2,
    /binary/,
  ),
  config('an empty file', '', 2, /empty/),
  config('a JSON array', '[1, 2, 3]', 2, /top level/),
  config('name with ..', yaml({ name: '../../etc' }), 2, /name/),
  config('name with a slash', yaml({ name: 'a/b' }), 2, /name/),
  config('name with shell metacharacters', yaml({ name: '$(touch pwned); `id` | cat' }), 2, /name/),
  config('name of 10,000 characters', yaml({ name: long }), 2, /name/),
  // Sizes no machine can hold: refused by --check, naming the field and the limit.
  config('batchSize 1e9', yaml({ train: { batchSize: 1e9 } }), 2, /train\.batchSize: must be <= 65536/),
  config('epochs 1e12', yaml({ train: { epochs: 1e12 } }), 2, /train\.epochs: must be <= 10000/),
  config(
    'a dataset limit of 1e12 images',
    yaml({ dataset: { name: 'synthetic:8x8x1:64:4c', limit: 1e12 } }),
    2,
    /dataset\.limit: must be <= 100000000/,
  ),
  config(
    'a dataset limit beyond the training set',
    yaml({ dataset: { name: 'synthetic:8x8x1:64:4c', limit: 1000 } }),
    2,
    /dataset\.limit: synthetic:8x8x1:64:4c has 64 training images, received 1000/,
  ),
  config(
    'a synthetic set of 1.2e12 values',
    yaml({ dataset: { name: 'synthetic:512x512x4:1000000:4c' } }),
    2,
    /dataset\.name: .*over the limit of 1,073,741,824/,
  ),
  config(
    'a plan widening conv1 100000 times',
    yaml({ start: { arch: 'seed-teacher' }, strategy: { kind: 'plan', stages: ['wider conv1 x100000'] } }),
    2,
    /strategy\.stages\.0: .*over the limit of 65,536 filters/,
  ),
  config('name with a newline and a NUL', yaml({ name: 'a\nnetgrow: ok\u0000' }), 2, /name/),
  config('name with terminal escapes', yaml({ name: '\u001b]0;owned\u0007' }), 2, /name/),
  config(
    'storage URI with credentials',
    yaml({ storage: { uri: `s3://AKIAHOSTILE:${SECRET}@bucket/x` } }),
    2,
    /credentials/,
  ),
  config('storage URI with a bad scheme', yaml({ storage: { uri: 'ftp://host/x' } }), 2, /storage\.uri/),
  config('storage URI with a bad bucket', yaml({ storage: { uri: 's3://Bad_Bucket/x' } }), 2, /bucket name/),
  config('storage URI with ..', yaml({ storage: { uri: 's3://bucket/a/../../b' } }), 2, /'\.\.'/),
  config('storage URI with a bad %-escape', yaml({ storage: { uri: 's3://bucket/%zz' } }), 2, /%-escape/),
  config(
    'file URI that is neither absolute nor ./',
    yaml({ storage: { uri: 'file://runs' } }),
    2,
    /file:\/\/\//,
  ),
  config(
    'temporal.address with a port out of range',
    yaml({ temporal: { address: 'localhost:99999' } }),
    2,
    /65535/,
  ),
  config(
    'a plan stage that does not parse',
    yaml({ strategy: { kind: 'plan', stages: ['frobnicate conv1'] } }),
    2,
    /frobnicate/,
  ),
  config('start.arch that does not exist', yaml({ start: { arch: './nope.json' } }), 2, /no such file/),
  {
    name: 'config: start.arch graph.json with a cycle',
    args: () => check,
    files: () => ({
      'c.yaml': yaml({ start: { arch: './g.json' } }),
      'g.json': graphText((n) => void (n[1].inputs = ['fc1'])),
    }),
    code: 2,
    says: /start\.arch/,
  },
  {
    name: 'config: start.arch checkpoint with a truncated meta.json',
    args: () => check,
    files: (f) => ({ 'c.yaml': yaml({ start: { arch: f.broken.truncatedMeta } }) }),
    code: 2,
    says: /not valid JSON/,
  },

  // graph.json (through netgrow morph --arch).
  arch('not JSON', '{"nodes": [', /JSON/),
  arch(
    'a cycle',
    graphText((n) => void (n[1].inputs = ['fc1'])),
    /cycle/,
  ),
  arch(
    'a duplicate id',
    graphText((n) => void (n[2].id = 'conv1')),
    /conv1/,
  ),
  arch(
    'a shape mismatch',
    graphText((n) => n.splice(2, 1) && void (n[2].inputs = ['conv1'])),
    /fc1|flatten|shape|rank/i,
  ),
  arch(
    'an unknown node kind',
    graphText((n) => void (n[1].kind = 'quantum')),
    /quantum|kind/,
  ),
  arch(
    'an input missing',
    graphText((n) => void (n[3].inputs = ['nowhere'])),
    /nowhere/,
  ),
  arch(
    'a node id of 10,000 characters',
    graphText((n) => void (n[3].id = long)),
    /./,
  ),
  arch('a top-level number', '42', /./),

  // Morph commands.
  morph('wider conv1 x100000', /limit/),
  morph('wider conv1 x10000000000', /limit/),
  morph('wider conv1 x1e308', /./),
  morph('wider conv1 -5', /./),
  morph('frobnicate conv1', /frobnicate/),
  morph('wider nosuch 8', /nosuch/),
  morph('deeper conv1 kernel=4', /kernel/),
  morph(' ; ; ', /no command/),
  morph('wider conv1 x3; '.repeat(40), /limit/),
  morph('wider conv1\n8\u001b[2J', /./),
  {
    name: 'morph: --arch with ..',
    args: () => ['morph', '--arch', '../../../../etc/passwd', '--ops', 'wider conv1 8'],
    code: 2,
  },
  {
    name: 'morph: --arch with credentials',
    args: () => ['morph', '--arch', `s3://AKIAHOSTILE:${SECRET}@bucket/x`, '--ops', 'wider conv1 8'],
    code: 2,
    says: /credentials/,
  },
  {
    name: 'morph: --seed of 10,000 digits',
    args: (f) => ['morph', '--arch', f.graph, '--ops', 'wider conv1 8', '--seed', '9'.repeat(10_000)],
    code: 2,
    says: /--seed/,
  },

  // Checkpoints.
  {
    name: 'checkpoint: tampered weights.bin',
    args: (f) => ['morph', '--arch', f.broken.tamperedBin, '--ops', 'wider conv1 8'],
    code: 2,
    says: /sha256|integrity|match/i,
  },
  {
    name: 'checkpoint: truncated weights.bin',
    args: (f) => ['morph', '--arch', f.broken.truncatedBin, '--ops', 'wider conv1 8'],
    code: 2,
  },
  {
    name: 'checkpoint: truncated meta.json',
    args: (f) => ['morph', '--arch', f.broken.truncatedMeta, '--ops', 'wider conv1 8'],
    code: 2,
    says: /not valid JSON/,
  },
  {
    name: 'checkpoint: a manifest that is not JSON',
    args: (f) => ['morph', '--arch', f.broken.badManifest, '--ops', 'wider conv1 8'],
    code: 2,
    says: /not valid JSON/,
  },
  {
    name: 'checkpoint: an empty meta.json',
    args: (f) => ['morph', '--arch', f.broken.noMeta, '--ops', 'wider conv1 8'],
    code: 2,
  },

  // TrainSpec JSON.
  {
    name: 'spec: not JSON',
    args: () => ['train', '--spec', 's.json'],
    files: () => ({ 's.json': '{"runId":' }),
    code: 2,
    says: /not valid JSON/,
  },
  {
    name: 'spec: a JSON array',
    args: () => ['train', '--spec', 's.json'],
    files: () => ({ 's.json': '[]' }),
    code: 2,
  },
  {
    name: 'spec: YAML alias bomb',
    args: () => ['train', '--spec', 's.yaml'],
    files: () => ({ 's.yaml': bomb }),
    code: 2,
    says: /alias/i,
  },
  {
    name: 'spec: YAML custom tag',
    args: () => ['train', '--spec', 's.yaml'],
    files: () => ({ 's.yaml': 'runId: !exec "id"\n' }),
    code: 2,
    says: /tag/i,
  },
  {
    ...spec('NETGROW_BACKEND unknown', () => ({}), /NETGROW_BACKEND/),
    env: () => ({ NETGROW_BACKEND: 'quantum' }),
  },
  spec('an unknown field', () => ({ epochz: 3 }), /epochz/),
  spec('negative epochs', () => ({ epochs: -1 }), /epochs/),
  spec('a batch of 1e9', () => ({ batchSize: 1e9 }), /batchSize: .*<=65536/),
  spec(
    'a synthetic set of 1.2e12 values',
    () => ({ dataset: { name: 'synthetic:512x512x4:1000000:4c' } }),
    /over the limit of 1,073,741,824/,
  ),
  spec('a checkpoint that does not exist', (f) => ({ checkpoint: `${f.root}/nope` }), /nope/),
  spec('a tampered checkpoint', (f) => ({ checkpoint: f.broken.tamperedBin }), /sha256|integrity|match/i),
  spec(
    'a checkpoint with truncated meta.json',
    (f) => ({ checkpoint: f.broken.truncatedMeta }),
    /not valid JSON/,
  ),
  spec('an output key with ..', () => ({ output: 's3://bucket/a/../../b' }), /'\.\.'/),
  spec(
    'an output URI with credentials',
    () => ({ output: `s3://AKIAHOSTILE:${SECRET}@bucket/x` }),
    /credentials/,
  ),
  spec('an unknown dataset', () => ({ dataset: { name: 'no-such-data' } }), /no-such-data/),
  spec(
    'a truncated dataset file',
    (f) => ({ dataset: { name: 'fashion-mnist', dataDir: f.data.truncated } }),
    /./,
  ),
  spec(
    'a dataset file with the wrong magic',
    (f) => ({ dataset: { name: 'fashion-mnist', dataDir: f.data.wrongMagic } }),
    /./,
  ),

  // Experiment ids and storage flags.
  id('..', '../../etc'),
  id('a slash', 'a/b'),
  id('shell metacharacters', '$(touch pwned)'),
  id('10,000 characters', long),
  id('a forged second line', 'e1\nnetgrow: ok'),
  {
    name: 'report: --storage with credentials',
    args: () => ['report', 'e1', '--storage', `s3://AKIAHOSTILE:${SECRET}@bucket/x`],
    code: 2,
    says: /credentials/,
  },
  {
    name: 'status: --storage with a bad scheme',
    args: () => ['status', 'e1', '--storage', 'ftp://x/y'],
    code: 2,
    says: /scheme/,
  },
  {
    name: 'cancel: an id that names nothing',
    args: () => ['cancel', 'no-such-1'],
    code: 2,
    says: /no experiment/,
  },

  // Unreachable endpoints and missing credentials: exit 4, promptly.
  {
    name: 'search: Temporal unreachable',
    args: () => ['search', '--config', 'c.yaml', '--temporal-address', `127.0.0.1:${closed.port}`],
    files: () => ({ 'c.yaml': yaml({}) }),
    code: 4,
    says: /cannot reach Temporal/,
    mayWrite: true,
  },
  {
    name: 'status: S3 unreachable',
    args: () => ['status', 'e1', '--storage', 's3://netgrow-hostile/runs'],
    env: s3Env,
    code: 4,
  },
  {
    name: 'train: the spec on an unreachable S3',
    args: () => ['train', '--spec', 's3://netgrow-hostile/spec.json'],
    env: s3Env,
    code: 4,
  },
  {
    name: 'search: storage on an unreachable S3',
    args: () => ['search', '--config', 'c.yaml'],
    files: () => ({ 'c.yaml': yaml({ storage: { uri: 's3://netgrow-hostile/runs' } }) }),
    env: s3Env,
    code: 4,
  },
  {
    name: 'status: S3 without credentials',
    args: () => ['status', 'e1', '--storage', 's3://netgrow-hostile/runs'],
    env: () => ({ AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${closed.port}`, AWS_REGION: 'us-east-1' }),
    code: 4,
  },
];
