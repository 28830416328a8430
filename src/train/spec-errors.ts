/** A TrainSpec that does not validate: every zod issue, one per line, each with its path. */
import { z } from 'zod';
import { TrainSpec, TrainSpecInput } from '../contracts/train';
import { NetgrowError } from '../contracts/errors';

export class SpecError extends NetgrowError {
  readonly code = 'spec';
  constructor(
    message: string,
    readonly issues: string[] = [],
  ) {
    super(message, 'input');
    this.name = 'SpecError';
  }
}

export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(spec)'}: ${i.message}`);
}

export function parseTrainSpec(input: unknown, source = 'train spec'): TrainSpec {
  const r = TrainSpec.safeParse(input);
  if (r.success) return r.data;
  const issues = formatIssues(r.error);
  throw new SpecError(
    issues.length === 1
      ? `${source} is invalid: ${issues[0]}`
      : `${source} is invalid (${issues.length} issues):\n  ${issues.join('\n  ')}`,
    issues,
  );
}

export type { TrainSpecInput };
