import type { Graph, Weights } from '../graph';
import type { Moment } from './slots';

/**
 * What a command does to one network, decided from the architecture alone: the child graph
 * (validated, canonical order) and how to derive the child's weights from the parent's. The
 * split lets the sampler test feasibility without touching weights. Every refusal is thrown
 * (as a MorphError) while planning, before anything is built.
 */
export interface MorphPlan {
  graph: Graph;
  /** Whether the child computes the parent's function (inference mode). */
  preserving: boolean;
  /** One line for logs and lineage: what changed, in the network's own names. */
  description: string;
  /** Ids of the nodes the command added. */
  added: string[];
  /** Ids of existing nodes whose parameters or attributes changed. */
  changed: string[];
  /**
   * True when the command added a layer with no nonlinearity after it (`deeper` after a batch
   * norm, tanh, ...): it composes with its neighbour into one linear map, adding parameters
   * but no capacity. Absent = false.
   */
  linearLayer?: boolean;
  /**
   * The child's weights from the parent's. Pure: the parent's map and arrays are never written;
   * tensors the command does not touch are shared by reference, so treat weights as immutable.
   */
  weights(parent: Weights): Weights;
  /**
   * The child's optimizer slots of one moment from the parent's, keyed like the weights
   * (slots.ts: the rule and where it is exact). Pure, like `weights`.
   */
  slots(parent: Weights, moment: Moment): Weights;
}

export interface MorphResult {
  graph: Graph;
  weights: Weights;
  preserving: boolean;
  description: string;
  added: string[];
  changed: string[];
  linearLayer?: boolean;
}

/**
 * The largest parameter tensor a command may create: 2^28 floats (1 GiB). Ratios compound
 * (`deeper` copies the width it deepens), and a plan written for other widths can ask for a
 * multi-gigabyte kernel that would only fail later, inside tfjs, with no useful message.
 */
export const MAX_TENSOR_ELEMENTS = 2 ** 28;
