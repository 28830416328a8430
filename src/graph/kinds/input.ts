import { z } from 'zod';
import { NodeId, posInt } from './common';

export const InputNode = z.strictObject({
  id: NodeId,
  kind: z.literal('input'),
  inputs: z.array(NodeId).max(0, 'an input node has no inputs').default([]),
  shape: z.array(posInt).refine((s) => s.length === 1 || s.length === 3, {
    message: 'input shape is [H, W, C] (images, channels last) or [D] (vectors)',
  }),
});
export type InputNode = z.infer<typeof InputNode>;
