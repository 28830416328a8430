/** Errors of the IR layer: a machine-readable code plus a sentence that names the node. */
import { NetgrowError } from '../contracts/errors';
export type GraphErrorCode =
  | 'schema'
  | 'duplicate_id'
  | 'dangling_input'
  | 'cycle'
  | 'no_input'
  | 'bad_output'
  | 'unreachable'
  | 'shape'
  | 'json';

export class GraphError extends NetgrowError {
  constructor(
    readonly code: GraphErrorCode,
    message: string,
    readonly nodeId?: string,
  ) {
    super(message, 'input');
    this.name = 'GraphError';
  }
}

export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(x)}`);
}
