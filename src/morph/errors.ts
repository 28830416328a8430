/**
 * Errors of the morph layer, each a machine-readable code plus one sentence. A `CommandError`
 * means the command text itself is malformed; a `MorphError` means a well-formed command
 * cannot apply to this network, and says which node and why. Neither ever leaves a broken
 * graph behind: transforms refuse before they build anything.
 */
import { NetgrowError } from '../contracts/errors';
export type CommandErrorCode = 'syntax' | 'unknown_op' | 'bad_argument' | 'bad_option';

export class CommandError extends NetgrowError {
  constructor(
    readonly code: CommandErrorCode,
    message: string,
  ) {
    super(message, 'input');
    this.name = 'CommandError';
  }
}

export type MorphErrorCode =
  /** No layer by that name. */
  | 'unknown_node'
  /** The operation does not apply to this kind of node (e.g. `kernel` on a dense layer). */
  | 'wrong_kind'
  /** `wider` to a width that is not larger than the current one. */
  | 'width_not_larger'
  /** The change would alter what the network outputs (its head or its output width). */
  | 'output_head'
  /** Widened channels meet unwidened ones in an `add` that cannot be widened with them. */
  | 'add_mismatch'
  /** Widened channels would pass through a softmax, which does not commute with replication. */
  | 'softmax_channels'
  /** A channel slice would no longer select a contiguous range. */
  | 'slice_split'
  /** A pool would shrink a map below 1x1. */
  | 'pool_too_small'
  /** `kernel` needs `same` padding, a larger odd-difference kernel, a stride that keeps it centred. */
  | 'padding'
  | 'kernel_not_larger'
  | 'kernel_parity'
  | 'stride_misaligned'
  /** `skip` from a node to itself, or backwards (it would make a cycle). */
  | 'same_node'
  | 'order'
  /** Shapes that no projection can meet (vector into image, map smaller than the target). */
  | 'shape'
  /** `group` with more groups than channels. */
  | 'too_few_channels'
  /** A parameter tensor over MAX_TENSOR_ELEMENTS. */
  | 'too_large'
  /** The sampler found no feasible command within its tries. */
  | 'no_feasible_command';

export class MorphError extends NetgrowError {
  constructor(
    readonly code: MorphErrorCode,
    message: string,
    readonly nodeId?: string,
  ) {
    super(message, 'input');
    this.name = 'MorphError';
  }

  /** The same refusal, prefixed with the command it came from. */
  inCommand(command: string): MorphError {
    return new MorphError(this.code, `\`${command}\`: ${this.message}`, this.nodeId);
  }
}
