/**
 * The flags every driver takes. A driver's default is its scaled-down size (minutes on the
 * project's 2-core VM); `--full` is the size the issue asks for; `--set name=value` overrides
 * one field of either, which is how the tests shrink a driver to seconds on synthetic data.
 */
import { parseArgs } from 'node:util';

export interface DriverArgs {
  full: boolean;
  /** Where runs, the summary and the HTML report go. */
  out: string;
  /** The markdown file the table is written into; null with `--results none`. */
  results: string | null;
  /** The section id in the results file: the driver's name, or `<name>-<variant>` with --variant. */
  section: string;
  /** A variant's name (a second configuration of the same driver), or null. */
  variant: string | null;
  overrides: Record<string, string>;
}

export class ArgsError extends Error {}

export const ARGS_HELP = `  --full               the full-size experiment (default: the scaled-down one)
  --set name=value     override one field of the scale (repeatable), e.g. --set seeds=5
  --out DIR            output folder (default runs/experiments/<driver>)
  --results FILE|none  the markdown file the table goes into (default docs/RESULTS.md)
  --variant NAME       a second configuration: its own section (and default output folder)`;

export function parseDriverArgs(argv: readonly string[], driver: string): DriverArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        full: { type: 'boolean', default: false },
        set: { type: 'string', multiple: true, default: [] },
        out: { type: 'string' },
        results: { type: 'string', default: 'docs/RESULTS.md' },
        variant: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (e) {
    throw new ArgsError((e as Error).message);
  }
  if (values.help) throw new ArgsError('help');
  const variant = values.variant ?? null;
  if (variant !== null && !/^[a-z0-9][a-z0-9.-]*$/.test(variant)) {
    throw new ArgsError(`--variant takes lowercase letters, digits, '.' and '-', received '${variant}'`);
  }
  const section = variant ? `${driver}-${variant}` : driver;
  const overrides: Record<string, string> = {};
  for (const s of values.set) {
    const m = /^([A-Za-z][A-Za-z0-9]*)=(.+)$/.exec(s);
    if (!m) throw new ArgsError(`--set takes name=value, received '${s}'`);
    overrides[m[1]] = m[2];
  }
  return {
    full: values.full,
    out: values.out ?? `runs/experiments/${section}`,
    results: values.results === 'none' ? null : values.results,
    section,
    variant,
    overrides,
  };
}

/**
 * The scale a run uses: the default or full table, with overrides parsed to the type of the
 * field they replace. An unknown name or a value of the wrong type is an error, never ignored.
 */
export function resolveScale<T extends Record<string, number | string | boolean>>(
  scaled: T,
  full: T,
  args: DriverArgs,
): T {
  const base: Record<string, number | string | boolean> = { ...(args.full ? full : scaled) };
  for (const [name, text] of Object.entries(args.overrides)) {
    if (!(name in base)) {
      throw new ArgsError(`--set ${name}: no such field; fields are ${Object.keys(base).join(', ')}`);
    }
    const was = base[name];
    if (typeof was === 'number') {
      const v = Number(text);
      if (!Number.isFinite(v)) throw new ArgsError(`--set ${name}: expected a number, received '${text}'`);
      base[name] = v;
    } else if (typeof was === 'boolean') {
      if (text !== 'true' && text !== 'false')
        throw new ArgsError(`--set ${name}: expected true or false, received '${text}'`);
      base[name] = text === 'true';
    } else {
      base[name] = text;
    }
  }
  return base as T;
}
