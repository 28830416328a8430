/**
 * The mutation command language (docs/MORPH.md): a text form
 * `wider conv3 x2; deeper fc1; insert conv1 dropout=0.3` and an equivalent JSON object form,
 * both validated into one discriminated union. Layers are named positionally (`conv3`, `fc1`,
 * resolved at the moment the command applies) or by stable id (`@conv2_deep1`).
 */
import { z } from 'zod';
import { assertNever } from '../graph';
import { CommandError } from './errors';

const NodeRef = z
  .string()
  .regex(/^@?[A-Za-z_][A-Za-z0-9_.-]*$/, 'a layer is `convK`, `fcK` or `@<stable id>`');
const posInt = z.number().int().positive();
const oddKernel = posInt.refine(
  (k) => k % 2 === 1,
  'must be odd (1, 3, 5, ...) so the identity tap is centred',
);

export const WIDER_INITS = ['net2wider', 'random-pad'] as const;
/** The seed's symmetry-breaking noise: 5e-2 of the std of the replicated outgoing weights. */
export const DEFAULT_NOISE = 0.05;

export const WiderCommand = z
  .strictObject({
    op: z.literal('wider'),
    node: NodeRef,
    /** The new width (filters or units). */
    width: posInt.optional(),
    /** Or the new width as a multiple of the current one. */
    ratio: z.number().positive().optional(),
    init: z.enum(WIDER_INITS).default('net2wider'),
    noise: z.number().min(0).default(DEFAULT_NOISE),
  })
  .refine((c) => (c.width === undefined) !== (c.ratio === undefined), {
    message: 'give exactly one of `width` (new width) or `ratio` (multiple of the current width)',
  });

export const DeeperCommand = z.strictObject({
  op: z.literal('deeper'),
  node: NodeRef,
  /** Kernel of the new identity conv (ignored for dense layers). */
  kernel: oddKernel.default(3),
  /** The seed's deeper-with-pooling: a pool after the new layer (not function-preserving). */
  pool: z.enum(['max', 'avg']).optional(),
});

export const KernelCommand = z.strictObject({
  op: z.literal('kernel'),
  node: NodeRef,
  size: posInt,
});

export const SkipCommand = z.strictObject({
  op: z.literal('skip'),
  from: NodeRef,
  to: NodeRef,
});

export const GroupCommand = z.strictObject({
  op: z.literal('group'),
  node: NodeRef,
  groups: z.number().int().min(2, 'must be 2 to 5').max(5, 'must be 2 to 5'),
  kernel: oddKernel.default(3),
});

export const BranchCommand = z.strictObject({
  op: z.literal('branch'),
  node: NodeRef,
  /** Filters of each new tower; default a quarter of the node's filters. */
  width: posInt.optional(),
});

export const INSERT_LAYERS = ['maxpool', 'avgpool', 'bn', 'dropout'] as const;
export const InsertCommand = z
  .strictObject({
    op: z.literal('insert'),
    node: NodeRef,
    layer: z.enum(INSERT_LAYERS),
    rate: z.number().min(0).lt(1).optional(),
  })
  .refine((c) => (c.layer === 'dropout') === (c.rate !== undefined), {
    message: 'a dropout layer needs `rate` in [0, 1) (text form `dropout=0.3`); other layers take none',
  });

export const Command = z.discriminatedUnion('op', [
  WiderCommand,
  DeeperCommand,
  KernelCommand,
  SkipCommand,
  GroupCommand,
  BranchCommand,
  InsertCommand,
]);
export type Command = z.infer<typeof Command>;
/** What a caller may write: defaults left out. */
export type CommandInput = z.input<typeof Command>;
export type Op = Command['op'];
export type CommandOf<K extends Op> = Extract<Command, { op: K }>;
export const OPS: readonly Op[] = Command.options.map((o) => o.shape.op.value);

/** One command in either form; text is parsed, anything else validated as the JSON form. */
export function toCommand(raw: unknown): Command {
  return typeof raw === 'string' ? parseCommand(raw) : parseCommandJson(raw);
}

/** `wider conv3 x2; deeper fc1` (also newline-separated) → commands; empty pieces are ignored. */
export function parseCommands(text: string): Command[] {
  return text
    .split(/[;\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(parseCommand);
}

/** A list given as text, or as an array of texts and/or JSON objects. */
export function toCommands(raw: string | readonly unknown[]): Command[] {
  return typeof raw === 'string' ? parseCommands(raw) : raw.map(toCommand);
}

export function parseCommandJson(raw: unknown): Command {
  const r = Command.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const shown = JSON.stringify(raw) ?? String(raw);
  if (issue.path[0] === 'op' || !raw || typeof raw !== 'object') {
    throw new CommandError(
      'unknown_op',
      `command ${shown}: \`op\` must be one of ${OPS.join(', ')}, received ${JSON.stringify((raw as { op?: unknown })?.op)}`,
    );
  }
  const field = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') {
    throw new CommandError('bad_option', `command ${shown}: unknown field(s) ${issue.keys.join(', ')}`);
  }
  throw new CommandError('bad_argument', `command ${shown}: ${field ? `\`${field}\` ` : ''}${issue.message}`);
}

interface TextSpec {
  /** Names of the positional arguments after the op. */
  args: string[];
  /** Optional trailing positional arguments (counted from the end of `args`). */
  optionalArgs?: number;
  options: string[];
  usage: string;
}

const TEXT: Record<Op, TextSpec> = {
  wider: {
    args: ['node', 'width'],
    options: ['init', 'noise'],
    usage: 'wider <layer> <width>|x<ratio> [init=net2wider|random-pad] [noise=<rel-std>]',
  },
  deeper: {
    args: ['node'],
    options: ['kernel', 'pool'],
    usage: 'deeper <layer> [kernel=<odd k>] [pool=max|avg]',
  },
  kernel: { args: ['node', 'size'], options: [], usage: 'kernel <conv> <k>' },
  skip: { args: ['from', 'to'], options: [], usage: 'skip <from> <to>' },
  group: { args: ['node', 'groups'], options: ['kernel'], usage: 'group <conv> <2..5> [kernel=<odd k>]' },
  branch: { args: ['node'], options: ['width'], usage: 'branch <conv> [width=<filters per tower>]' },
  insert: {
    args: ['node', 'layer'],
    options: [],
    usage: 'insert <layer> maxpool|avgpool|bn|dropout=<rate>',
  },
};

/** Parses one command in the text form; errors quote the command and say what is wrong. */
export function parseCommand(text: string): Command {
  const src = text.trim().replace(/\s+/g, ' ');
  const fail = (code: CommandError['code'], why: string): never => {
    throw new CommandError(code, `\`${src}\`: ${why}`);
  };
  const [op, ...rest] = src.split(' ');
  if (!op) fail('syntax', 'empty command');
  if (!(OPS as readonly string[]).includes(op)) {
    fail('unknown_op', `unknown operation '${op}'; operations are ${OPS.join(', ')}`);
  }
  const spec = TEXT[op as Op];
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (const tok of rest) {
    const eq = tok.indexOf('=');
    // `insert conv1 dropout=0.3`: the layer slot takes a `name=value` token of its own.
    const isLayerSlot = op === 'insert' && positional.length === 1;
    if (eq > 0 && !isLayerSlot) {
      const key = tok.slice(0, eq);
      if (!spec.options.includes(key)) {
        fail(
          'bad_option',
          spec.options.length
            ? `unknown option '${key}'; ${op} takes ${spec.options.map((o) => `${o}=`).join(', ')} (usage: ${spec.usage})`
            : `${op} takes no options (usage: ${spec.usage})`,
        );
      }
      if (options.has(key)) fail('bad_option', `option '${key}' is given twice`);
      options.set(key, tok.slice(eq + 1));
    } else {
      positional.push(tok);
    }
  }
  if (positional.length !== spec.args.length) {
    fail(
      'syntax',
      `${op} takes ${spec.args.length} argument(s), received ${positional.length} (usage: ${spec.usage})`,
    );
  }
  const obj: Record<string, unknown> = { op };
  spec.args.forEach((name, i) => (obj[name] = positional[i]));
  const num = (key: string, v: string): number => {
    const n = Number(v);
    if (v === '' || !Number.isFinite(n)) fail('bad_argument', `${key} must be a number, received '${v}'`);
    return n;
  };
  switch (op as Op) {
    case 'wider': {
      const w = String(obj.width);
      delete obj.width;
      const ratio = /^x(.+)$/.exec(w);
      if (ratio) obj.ratio = num('the ratio', ratio[1]);
      else if (/^[0-9]+$/.test(w)) obj.width = Number(w);
      else fail('bad_argument', `the width is a positive integer or x<ratio> (x2, x1.5), received '${w}'`);
      if (options.has('init')) obj.init = options.get('init');
      if (options.has('noise')) obj.noise = num('noise', options.get('noise')!);
      break;
    }
    case 'deeper':
      if (options.has('kernel')) obj.kernel = num('kernel', options.get('kernel')!);
      if (options.has('pool')) obj.pool = options.get('pool');
      break;
    case 'kernel':
      obj.size = num('the kernel size', String(obj.size));
      break;
    case 'group':
      obj.groups = num('the group count', String(obj.groups));
      if (options.has('kernel')) obj.kernel = num('kernel', options.get('kernel')!);
      break;
    case 'branch':
      if (options.has('width')) obj.width = num('width', options.get('width')!);
      break;
    case 'insert': {
      const layer = String(obj.layer);
      const m = /^dropout=(.*)$/.exec(layer);
      if (m) {
        obj.layer = 'dropout';
        obj.rate = num('the dropout rate', m[1]);
      } else if (layer === 'dropout') {
        fail('bad_argument', 'dropout needs a rate: `dropout=0.3`');
      }
      break;
    }
    case 'skip':
      break;
  }
  const r = Command.safeParse(obj);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue.path.join('.');
    const shown = field === '' ? '' : ` (received ${JSON.stringify(obj[field])})`;
    fail('bad_argument', `${field ? `${field} ` : ''}${issue.message}${shown} (usage: ${spec.usage})`);
  }
  return r.data!;
}

/** The canonical text of a command: what lineage, logs and `--json` output show. */
export function formatCommand(c: Command): string {
  switch (c.op) {
    case 'wider': {
      const parts = ['wider', c.node, c.width !== undefined ? String(c.width) : `x${c.ratio}`];
      if (c.init !== 'net2wider') parts.push(`init=${c.init}`);
      if (c.noise !== DEFAULT_NOISE) parts.push(`noise=${c.noise}`);
      return parts.join(' ');
    }
    case 'deeper':
      return ['deeper', c.node, c.kernel !== 3 ? `kernel=${c.kernel}` : '', c.pool ? `pool=${c.pool}` : '']
        .filter(Boolean)
        .join(' ');
    case 'kernel':
      return `kernel ${c.node} ${c.size}`;
    case 'skip':
      return `skip ${c.from} ${c.to}`;
    case 'group':
      return `group ${c.node} ${c.groups}${c.kernel !== 3 ? ` kernel=${c.kernel}` : ''}`;
    case 'branch':
      return `branch ${c.node}${c.width !== undefined ? ` width=${c.width}` : ''}`;
    case 'insert':
      return `insert ${c.node} ${c.layer === 'dropout' ? `dropout=${c.rate}` : c.layer}`;
    default:
      return assertNever(c, 'command');
  }
}
