import { z } from 'zod';
import { nodeBase } from './common';

/** Inverted dropout: identity at inference, so inserting it preserves the function. */
export const DropoutNode = z.strictObject({
  ...nodeBase('dropout'),
  rate: z.number().min(0).lt(1),
});
export type DropoutNode = z.infer<typeof DropoutNode>;
