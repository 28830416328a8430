/**
 * The loss ops: mean softmax cross-entropy of integer labels (plus Keras's L2 on conv and
 * dense kernels) for training, the summed cross-entropy for scoring, and correct counts.
 * SparseSoftmaxCrossEntropyWithLogits has no C++ gradient, so the gradient is seeded by hand:
 * its second output is d loss_i / d logits, which the batch mean divides by the rows.
 */
import { attr, DT, GraphDefWriter } from './graphdef';

export interface LossOps {
  /** Mean cross-entropy (+ L2) of the training forward. */
  loss: string;
  correct: string;
  /** Σ cross-entropy of the inference forward, and its correct count. */
  evalLoss: string;
  evalCorrect: string;
  /** What TF_AddGradients differentiates (ys) and the seed of each (dys). */
  ys: string[];
  dys: string[];
}

export function lossOps(
  w: GraphDefWriter,
  p: { y: string; trainLogits: string; evalLogits: string; kernels: string[]; l2: number },
): LossOps {
  const i32 = attr.type(DT.int32);
  const toFloat = { SrcT: i32, DstT: attr.type(DT.float) };
  const xent = (at: string, logits: string) =>
    w.node('SparseSoftmaxCrossEntropyWithLogits', `${at}xent`, [logits, p.y], {
      T: attr.type(DT.float),
      Tlabels: i32,
    });
  const correct = (at: string, logits: string) => {
    const arg = w.node('ArgMax', `${at}argmax`, [logits, w.int(`${at}class_axis`, 1)], {
      T: attr.type(DT.float),
      Tidx: i32,
      output_type: i32,
    });
    const hit = w.node('Equal', `${at}equal`, [`${arg}:0`, p.y], { T: i32 });
    const f = w.node('Cast', `${at}hit`, [`${hit}:0`], {
      SrcT: attr.type(DT.bool),
      DstT: attr.type(DT.float),
    });
    return w.sum(`${at}correct`, `${f}:0`, [0]);
  };
  const tx = xent('train/', p.trainLogits);
  let loss = w.op('Mean', 'train/data_loss', [`${tx}:0`, w.int('train/batch_axis', 0)], {
    Tidx: i32,
    keep_dims: attr.bool(false),
  });
  const rows = w.node('Shape', 'train/rows', [p.y], { T: i32, out_type: i32 });
  const rowsF = w.node('Cast', 'train/rows_f', [`${rows}:0`], toFloat);
  const ys = [p.trainLogits];
  const dys = [w.op('RealDiv', 'train/dlogits', [`${tx}:1`, `${rowsF}:0`])];
  if (p.l2 > 0 && p.kernels.length > 0) {
    const sums = p.kernels.map((k, i) => w.sum(`l2/sum${i}`, w.op('Square', `l2/square${i}`, [k]), null));
    const total = sums.length === 1 ? sums[0] : w.op('AddN', 'l2/total', sums, { N: attr.int(sums.length) });
    const penalty = w.op('Mul', 'l2/penalty', [total, w.scalar('l2/factor', p.l2)]);
    loss = w.op('AddV2', 'train/loss', [loss, penalty]);
    ys.push(penalty);
    dys.push(w.scalar('l2/one', 1));
  }
  const ex = xent('eval/', p.evalLogits);
  return {
    loss,
    correct: correct('train/', p.trainLogits),
    evalLoss: w.sum('eval/loss_sum', `${ex}:0`, [0]),
    evalCorrect: correct('eval/', p.evalLogits),
    ys,
    dys,
  };
}
