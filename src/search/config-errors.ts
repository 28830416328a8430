/**
 * Turning zod issues into one line per problem, `path.to.field: what was wrong`, and naming
 * the fields that would have been accepted when one is unknown (with the likely one meant).
 */
import type { z } from 'zod';
import { NetgrowError } from '../contracts/errors';

export class ConfigError extends NetgrowError {
  readonly code = 'config';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    // One problem is one line; several are listed one per line under a count.
    super(
      problems.length === 1
        ? `${source}: ${problems[0]}`
        : `${source}: ${problems.length} problems in the search config\n${problems.map((p) => `  ${p}`).join('\n')}`,
      'input',
    );
    this.name = 'ConfigError';
  }
}

export function describeIssues(error: z.ZodError, schema: z.ZodType, input: unknown): string[] {
  const lines: string[] = [];
  for (const issue of tightest(error.issues)) {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, issue.path, input);
      for (const key of issue.keys) {
        const near = known && closest(key, known);
        const hint = known ? ` (${near ? `did you mean \`${near}\`? ` : ''}known: ${known.join(', ')})` : '';
        lines.push(`${[...path, key].join('.')}: unknown field${hint}`);
      }
      continue;
    }
    lines.push(`${path.join('.') || '(top level)'}: ${explain(issue, valueAt(input, issue.path))}`);
  }
  return lines;
}

/**
 * One bound per field: a number over a field's limit is also over the safe-integer range that
 * `.int()` checks; the line names the limit the field has, not both.
 */
function tightest(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const bound = (i: z.core.$ZodIssue) =>
    i.code === 'too_big' ? Number(i.maximum) : i.code === 'too_small' ? Number(i.minimum) : NaN;
  return issues.filter((issue) => {
    if (issue.code !== 'too_big' && issue.code !== 'too_small') return true;
    const key = issue.path.join('.');
    return !issues.some(
      (other) =>
        other !== issue &&
        other.code === issue.code &&
        other.path.join('.') === key &&
        (issue.code === 'too_big' ? bound(other) < bound(issue) : bound(other) > bound(issue)),
    );
  });
}

function explain(issue: z.core.$ZodIssue, received: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      if (received === undefined) {
        return issue.message.startsWith('Invalid input') ? `required (${issue.expected})` : issue.message;
      }
      return `expected ${issue.expected}, received ${describe(received)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, received ${describe(received)}`;
    case 'invalid_union':
      if ((issue as { note?: string }).note === 'No matching discriminator') {
        const { options } = issue as { options?: unknown[] };
        const known = options ? `; must be one of ${options.map((o) => JSON.stringify(o)).join(', ')}` : '';
        return received === undefined ? `required${known}` : `unknown value ${describe(received)}${known}`;
      }
      return `${issue.message}, received ${describe(received)}`;
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const op = issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
      const what = issue.origin === 'array' || issue.origin === 'string' ? 'length ' : '';
      return `${what}must be ${op} ${String(bound)}, received ${describe(received)}`;
    }
    default:
      return `${issue.message}${received === undefined ? '' : `, received ${describe(received)}`}`;
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
}

function def(schema: z.ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

/** The field names an object schema at `path` accepts, following the input through unions. */
function knownKeys(schema: z.ZodType, path: readonly PropertyKey[], input: unknown): string[] | null {
  let node: z.ZodType | undefined = schema;
  let value = input;
  for (let i = 0; ;) {
    if (!node) return null;
    const d = def(node);
    if (d.innerType) node = d.innerType;
    else if (d.type === 'pipe' && d.in) node = d.in;
    else if (d.type === 'union' && d.options && d.discriminator) {
      const tag = (value as Record<string, unknown> | null)?.[d.discriminator];
      node = d.options.find((o) => {
        const field = def(o).shape?.[d.discriminator as string];
        return field && (def(field) as { values?: unknown[] }).values?.includes(tag);
      });
    } else if (i === path.length) {
      return d.shape ? Object.keys(d.shape) : null;
    } else if (d.type === 'object' && d.shape) {
      node = d.shape[String(path[i])];
      value = valueAt(value, [path[i++]]);
    } else if (d.type === 'array' && d.element) {
      node = d.element;
      value = valueAt(value, [path[i++]]);
    } else return null;
  }
}

/** The known name within edit distance 2 of a typo, if exactly one is that close. */
function closest(typo: string, known: readonly string[]): string | null {
  const near = known.filter((k) => editDistance(typo.toLowerCase(), k.toLowerCase()) <= 2);
  return near.length === 1 ? near[0] : null;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
