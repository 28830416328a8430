/**
 * `netgrow morph`: apply mutation commands to a network and, with --check, prove on real tfjs
 * models that every preserving command kept the function. A thin shell over src/morph
 * (planning and weight maths) and src/model (building, checking, checkpoints).
 */
import { BUILTIN_NAMES, countParams, Graph, isBuiltin, Rng, Weights } from '../graph';
import { applyCommands, MorphStep, parseCommands } from '../morph';
// Static imports: under the tsx loader of bin/netgrow.js a dynamic import() takes the ESM path,
// which cannot resolve extensionless TypeScript modules.
import { initBackend } from '../backend';
import { reportError } from './errors';
import { parseFlags } from './flags';
import { UsageError } from '../contracts/errors';
import { writeCheckpoint } from '../model/checkpoint';
import { resolveNetwork, StartError } from '../model/resolve';
import { formatUri, openStore, parseUri } from '../storage';
import { checkPreservation } from '../model/verify';
import { FileStore } from '../storage/file-store';

export const help = `netgrow morph --arch <builtin|path> --ops "<cmd>; <cmd>" [options] — grow a network by commands

  --arch <name|path>    a builtin (${BUILTIN_NAMES.join(', ')}), a graph.json (random weights),
                        or a checkpoint folder (its trained weights)
  --ops "<cmds>"        commands separated by ';', applied in order; positional names (conv3, fc1)
                        refer to the network as each command finds it, @<id> to a stable id
  --seed <n>            seeds the initial weights and every random choice (default 1)
  --input <HxWxC|D>     input shape of a builtin (default 28x28x1)
  --classes <n>         output classes of a builtin (default 10)
  --check               build parent and child with tfjs and measure the output change
  --samples <n>         random inputs for --check (default 8)
  --backend <name>      tensorflow | wasm | cpu for --check (default: the fastest available)
  --out <dir>           write the child as a checkpoint (graph.json, weights.bin/.json, meta.json)
  --json                print one JSON object on stdout

commands:
  wider <layer> <width>|x<ratio> [init=net2wider|random-pad] [noise=<rel-std>]
  deeper <layer> [kernel=<odd k>] [pool=max|avg]
  kernel <conv> <k>          skip <from> <to>          group <conv> <2..5> [kernel=<k>]
  branch <conv> [width=<n>]  insert <layer> maxpool|avgpool|bn|dropout=<rate>

exit codes: 0 every preserving command preserved the function (or no --check), 1 one did not,
2 a command was malformed or refused, or a bad option (the reason on stderr)`;

interface MorphOptions {
  arch: string;
  ops: string;
  seed: number;
  input?: number[];
  classes?: number;
  check: boolean;
  samples: number;
  backend?: 'tensorflow' | 'wasm' | 'cpu';
  out?: string;
  json: boolean;
}

export async function run(args: string[]): Promise<number> {
  try {
    const opts = parseOptions(args);
    const parent = await loadNetwork(opts);
    return await morphNetwork(parent, opts);
  } catch (e) {
    return reportError(e, 'netgrow morph');
  }
}

function parseOptions(args: string[]): MorphOptions {
  const values = parseFlags(args, 'morph', {
    arch: { type: 'string' },
    ops: { type: 'string' },
    seed: { type: 'string' },
    input: { type: 'string' },
    classes: { type: 'string' },
    check: { type: 'boolean', default: false },
    samples: { type: 'string' },
    backend: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  if (!values.arch) throw new UsageError('--arch <builtin|path> is required (netgrow morph --help)');
  if (values.ops === undefined)
    throw new UsageError('--ops "<cmd>; <cmd>" is required (netgrow morph --help)');
  const int = (flag: string, v: string | undefined, min: number): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new UsageError(`--${flag} must be an integer ≥ ${min}, received '${v}'`);
    return n;
  };
  let input: number[] | undefined;
  if (values.input !== undefined) {
    input = values.input.split('x').map(Number);
    if (![1, 3].includes(input.length) || input.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new UsageError(`--input is HxWxC (28x28x1) or D (784), received '${values.input}'`);
    }
  }
  const backend = values.backend;
  if (backend !== undefined && !['tensorflow', 'wasm', 'cpu'].includes(backend)) {
    throw new UsageError(`--backend is tensorflow, wasm or cpu, received '${backend}'`);
  }
  return {
    arch: values.arch,
    ops: values.ops,
    seed: int('seed', values.seed, 0) ?? 1,
    input,
    classes: int('classes', values.classes, 1),
    check: values.check,
    samples: int('samples', values.samples, 1) ?? 8,
    backend: backend as MorphOptions['backend'],
    out: values.out,
    json: values.json,
  };
}

interface Network {
  graph: Graph;
  weights: Weights;
}

async function loadNetwork(o: MorphOptions): Promise<Network> {
  const builtinArch = isBuiltin(o.arch);
  if (!builtinArch && (o.input || o.classes)) {
    throw new UsageError('--input and --classes apply to builtins only');
  }
  // A local path becomes an absolute file:// URI; builtins and storage URIs are taken as they are.
  const ref = builtinArch || o.arch.includes('://') ? o.arch : formatUri(parseUri(o.arch));
  try {
    return await resolveNetwork(ref, {
      open: openStore,
      seed: o.seed,
      data: { inputShape: o.input, numClasses: o.classes },
    });
  } catch (e) {
    if (e instanceof StartError) throw new UsageError(`--arch ${e.message.replace(ref, o.arch)}`);
    throw e;
  }
}

interface StepReport extends MorphStep {
  maxAbsDiff: number | null;
  relDiff: number | null;
  /** False when a preserving command measurably changed the function. */
  ok: boolean;
}

async function morphNetwork(parent: Network, o: MorphOptions): Promise<number> {
  // Parse everything before any work, so a typo in the last command costs nothing.
  const commands = parseCommands(o.ops);
  if (commands.length === 0) throw new UsageError('--ops holds no command');
  const check = o.check ? await checker(o) : null;
  const reports: StepReport[] = [];
  const measurements: Array<ReturnType<Check>> = [];
  let prev = parent;
  const child = applyCommands(parent.graph, parent.weights, commands, new Rng(o.seed).fork('morph'), {
    onStep: (step, graph, weights) => {
      const cur = { graph, weights };
      const measured = check ? check(prev, cur) : null;
      if (measured) measurements.push(measured);
      reports.push({
        ...step,
        maxAbsDiff: measured?.maxAbsDiff ?? null,
        relDiff: measured?.relDiff ?? null,
        ok: !measured || !step.preserving || measured.preserving,
      });
      prev = cur;
    },
  });
  // The whole change, parent to child (the one step's measurement when there is one step).
  const total = check ? (measurements.length === 1 ? measurements[0] : check(parent, child)) : null;
  const preserving = total ? total.preserving : child.preserving;
  let written: string | undefined;
  if (o.out) written = await writeChild(o, child);
  const params = { before: countParams(parent.graph), after: countParams(child.graph) };
  if (o.json) {
    console.log(
      JSON.stringify({
        arch: o.arch,
        seed: o.seed,
        ops: reports.map((r) => r.command),
        steps: reports,
        maxAbsDiff: total?.maxAbsDiff ?? null,
        relDiff: total?.relDiff ?? null,
        preserving,
        params,
        ...(written ? { out: written } : {}),
      }),
    );
  } else {
    reports.forEach((r, i) => {
      const measured =
        r.relDiff === null
          ? ''
          : `  max|Δ| ${fmt(r.maxAbsDiff!)}, rel ${fmt(r.relDiff)}${r.ok ? '' : '  NOT PRESERVED'}`;
      console.log(`${i + 1}. ${r.command}: ${r.description}`);
      console.log(
        `   ${r.preserving ? 'preserving' : 'not preserving'}, params ${r.paramsBefore} → ${r.paramsAfter}${measured}`,
      );
    });
    const summary = total ? `; output change max|Δ| ${fmt(total.maxAbsDiff)}, rel ${fmt(total.relDiff)}` : '';
    console.log(
      `params ${params.before} → ${params.after}${summary}; ${preserving ? 'function preserved' : 'function changed'}`,
    );
    if (written) console.log(`child written to ${written}`);
  }
  return reports.every((r) => r.ok) ? 0 : 1;
}

const fmt = (v: number): string => (v === 0 ? '0' : v.toExponential(2));

type Check = (a: Network, b: Network) => { maxAbsDiff: number; relDiff: number; preserving: boolean };

async function checker(o: MorphOptions): Promise<Check> {
  const backend = await initBackend({ prefer: o.backend, log: () => {} });
  // Printed here rather than by initBackend, which logs only on its first call in a process.
  (o.json ? console.error : console.log)(`backend: ${backend.name}`);
  return (a, b) => checkPreservation(a, b, { samples: o.samples, seed: o.seed });
}

async function writeChild(o: MorphOptions, child: Network): Promise<string> {
  await writeCheckpoint(new FileStore(o.out!), '', child.graph, child.weights, {
    parent: o.arch,
    operation: o.ops,
  });
  return o.out!;
}
