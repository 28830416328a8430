/**
 * The datasets layer's PRNG: netgrow's one seeded generator (sfc32 through splitmix32, in
 * src/graph/rng.ts — a leaf module that imports nothing, so src/data stays independent of the
 * IR). Every stream is named by a string such as `split:7` or `epoch:7:3`, so any one of them
 * can be rebuilt alone: that is what lets a resumed run draw the batches it would have.
 */
import { Rng } from '../graph/rng';

export { hashString } from '../graph/rng';

export class DataRng extends Rng {
  constructor(seed: string) {
    super(seed);
  }
}
