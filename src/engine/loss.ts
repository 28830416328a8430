/**
 * The loss ops, the same formulas as src/train/losses.ts: softmax cross-entropy of integer
 * labels with optional label smoothing, distillation's α·CE + (1−α)·T²·KL(teacher ‖ student)
 * with CE over labelled rows only, Keras's L2 on conv and dense kernels; the summed
 * cross-entropy for scoring, and correct counts.
 * SparseSoftmaxCrossEntropyWithLogits has no C++ gradient, so the gradient is seeded at the
 * logits by hand: d loss / d logits_i = w_i/W·(softmax_i − target_i) for the hard term (its
 * second output is softmax − one-hot), plus (1−α)·T/rows·(q_T − p_T) for the soft one.
 */
import { attr, DT, GraphDefWriter } from './graphdef';

export interface LossOps {
  /** Training loss (data + L2) of the training forward. */
  loss: string;
  correct: string;
  /** Σ cross-entropy of the inference forward, and its correct count. */
  evalLoss: string;
  evalCorrect: string;
  /** What TF_AddGradients differentiates (ys) and the seed of each (dys). */
  ys: string[];
  dys: string[];
  /** Distillation's feeds: each row's weight in the hard term (0: a transfer image) and the teacher logits. */
  labelled?: string;
  teacher?: string;
}

export interface LossOptions {
  y: string;
  trainLogits: string;
  evalLogits: string;
  classes: number;
  kernels: string[];
  l2: number;
  labelSmoothing: number;
  distill?: { temperature: number; alpha: number };
}

export function lossOps(w: GraphDefWriter, p: LossOptions): LossOps {
  const i32 = attr.type(DT.int32);
  const f32 = attr.type(DT.float);
  const xent = (at: string, logits: string) =>
    w.node('SparseSoftmaxCrossEntropyWithLogits', `${at}xent`, [logits, p.y], { T: f32, Tlabels: i32 });
  const correct = (at: string, logits: string, weights?: string) => {
    const arg = w.node('ArgMax', `${at}argmax`, [logits, w.int(`${at}class_axis`, 1)], {
      T: f32,
      Tidx: i32,
      output_type: i32,
    });
    const hit = w.node('Equal', `${at}equal`, [`${arg}:0`, p.y], { T: i32 });
    const f = `${w.node('Cast', `${at}hit`, [`${hit}:0`], { SrcT: attr.type(DT.bool), DstT: f32 })}:0`;
    return w.sum(`${at}correct`, weights ? w.op('Mul', `${at}hit_labelled`, [f, weights]) : f, [0]);
  };
  const rowMean = (name: string, x: string) =>
    w.op('Mean', name, [x, w.int(`${name}/axis`, 0)], { Tidx: i32, keep_dims: attr.bool(false) });
  const rows = w.node('Shape', 'train/rows', [p.y], { T: i32, out_type: i32 });
  const rowsF = `${w.node('Cast', 'train/rows_f', [`${rows}:0`], { SrcT: i32, DstT: f32 })}:0`;

  const tx = xent('train/', p.trainLogits);
  // Per row: CE against (1−ε)·one-hot + ε/C, and its gradient softmax − target.
  let perRow = `${tx}:0`;
  let dPerRow = `${tx}:1`;
  const eps = p.labelSmoothing;
  if (eps > 0) {
    const logProbs = w.op('LogSoftmax', 'train/log_probs', [p.trainLogits]);
    const uniform = w.op('Neg', 'train/uniform_xent', [rowMeanAxis1(w, 'train/mean_log_prob', logProbs)]);
    perRow = w.op('AddV2', 'train/smoothed_xent', [
      w.op('Mul', 'train/xent_part', [perRow, w.scalar('train/one_minus_eps', 1 - eps)]),
      w.op('Mul', 'train/uniform_part', [uniform, w.scalar('train/eps', eps)]),
    ]);
    const probs = w.op('Softmax', 'train/probs', [p.trainLogits]);
    dPerRow = w.op('AddV2', 'train/smoothed_dxent', [
      w.op('Mul', 'train/dxent_part', [dPerRow, w.scalar('train/one_minus_eps_d', 1 - eps)]),
      w.op('Mul', 'train/duniform_part', [
        w.op('Sub', 'train/probs_minus_uniform', [probs, w.scalar('train/inv_classes', 1 / p.classes)]),
        w.scalar('train/eps_d', eps),
      ]),
    ]);
  }

  let loss: string;
  let dLogits: string;
  let labelled: string | undefined;
  let teacher: string | undefined;
  if (!p.distill) {
    loss = rowMean('train/data_loss', perRow);
    dLogits = w.op('RealDiv', 'train/dlogits', [dPerRow, rowsF]);
  } else {
    const { temperature: T, alpha } = p.distill;
    labelled = w.placeholder('train/labelled', DT.float, [-1]);
    teacher = w.placeholder('train/teacher', DT.float, [-1, p.classes]);
    // max(Σw, 1): a batch of transfer images only has a zero hard-label loss (losses.ts).
    const weightSum = w.op('Maximum', 'train/labelled_count', [
      w.sum('train/labelled_sum', labelled, [0]),
      w.scalar('train/one', 1),
    ]);
    const hard = w.op('RealDiv', 'train/hard_loss', [
      w.sum('train/hard_sum', w.op('Mul', 'train/hard_rows', [perRow, labelled]), [0]),
      weightSum,
    ]);
    const rowWeight = w.op(
      'ExpandDims',
      'train/row_weight',
      [w.op('RealDiv', 'train/labelled_share', [labelled, weightSum]), w.int('train/row_weight_axis', 1)],
      { Tdim: i32 },
    );
    const dHard = w.op('Mul', 'train/dhard', [dPerRow, rowWeight]);
    const invT = w.scalar('distill/inv_t', 1 / T);
    const logP = w.op('LogSoftmax', 'distill/log_p', [w.op('Mul', 'distill/teacher_t', [teacher, invT])]);
    const logQ = w.op('LogSoftmax', 'distill/log_q', [
      w.op('Mul', 'distill/student_t', [p.trainLogits, invT]),
    ]);
    const probP = w.op('Exp', 'distill/p', [logP]);
    const kl = w.sum(
      'distill/kl',
      w.op('Mul', 'distill/kl_terms', [probP, w.op('Sub', 'distill/log_ratio', [logP, logQ])]),
      [1],
    );
    const soft = w.op('Mul', 'distill/soft_loss', [
      rowMean('distill/kl_mean', kl),
      w.scalar('distill/t2', T * T),
    ]);
    loss = w.op('AddV2', 'train/data_loss', [
      w.op('Mul', 'train/hard_part', [hard, w.scalar('train/alpha', alpha)]),
      w.op('Mul', 'train/soft_part', [soft, w.scalar('train/one_minus_alpha', 1 - alpha)]),
    ]);
    // d(T²·KL_i)/d student_i = T·(q_T − p_T); the mean divides by the rows.
    const probQ = w.op('Exp', 'distill/q', [logQ]);
    const dSoft = w.op('RealDiv', 'distill/dsoft', [
      w.op('Mul', 'distill/dsoft_rows', [
        w.op('Sub', 'distill/q_minus_p', [probQ, probP]),
        w.scalar('distill/t', T),
      ]),
      rowsF,
    ]);
    dLogits = w.op('AddV2', 'train/dlogits', [
      w.op('Mul', 'train/dhard_part', [dHard, w.scalar('train/alpha_d', alpha)]),
      w.op('Mul', 'train/dsoft_part', [dSoft, w.scalar('train/one_minus_alpha_d', 1 - alpha)]),
    ]);
  }

  const ys = [p.trainLogits];
  const dys = [dLogits];
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
    correct: correct('train/', p.trainLogits, labelled),
    evalLoss: w.sum('eval/loss_sum', `${ex}:0`, [0]),
    evalCorrect: correct('eval/', p.evalLogits),
    ys,
    dys,
    labelled,
    teacher,
  };
}

/** Mean over the class axis of a [rows, classes] tensor. */
function rowMeanAxis1(w: GraphDefWriter, name: string, x: string): string {
  return w.op('Mean', name, [x, w.int(`${name}/axis`, 1)], {
    Tidx: attr.type(DT.int32),
    keep_dims: attr.bool(false),
  });
}
