/**
 * The graph engine: a whole training step of a netgrow network as one TensorFlow session
 * run. The graph is written here from the IR in three parts: (1) variables, the training and
 * inference forwards, the loss and its seed gradient; (2) the native addon adds the parameter
 * gradients (TF_AddGradients); (3) the optimizer's update ops, wired to those gradients.
 * The learning rate (and Adam's β^t) are fed per step, so schedules stay in TypeScript.
 * Weights and optimizer slots are read and written through the session in netgrow's own
 * layouts (conv HWIO, dense [in, out]: TensorFlow's), keyed `nodeId/param`.
 */
import { OptimizerSpec } from '../contracts/train';
import { Graph, inferShapes, inputNode, paramEntries, ParamEntry, size, Weights } from '../graph';
import { attr, DataType, DT, GraphDefWriter, opOf, readOps } from './graphdef';
import { buildForward, logitsNode } from './forward';
import { lossOps } from './loss';
import { GraphAddon, NativeGraph, NativeSession } from './native';
import { optimizerOps, SLOT_NAMES } from './optimizer';

export interface EngineOptions {
  optimizer: OptimizerSpec;
  /** Keras's L2 kernel regularisation (conv and dense kernels): factor · Σ w². */
  l2?: number;
  /** Clip the gradients to this global L2 norm. */
  clipNorm?: number;
  /** Decoupled weight decay λ of conv and dense kernels (src/train/weight-decay.ts). */
  weightDecay?: number;
  /** Label smoothing ε of the training loss. */
  labelSmoothing?: number;
  /** Distillation: the step is fed teacher logits and which rows are labelled. */
  distill?: { temperature: number; alpha: number };
  /** TensorFlow's intra-op threads (0: TensorFlow's choice). */
  threads?: number;
  interOpThreads?: number;
}

/** What the slots of the optimizer state hold, as src/train/optimizer.ts writes them. */
export interface EngineOptimizerState {
  meta: { kind: 'sgd' | 'adam'; iterations: number; slots: { key: string; slot: string; shape: number[] }[] };
  data: Float32Array;
}

interface Variable {
  entry: ParamEntry;
  handle: string;
  read: string;
  setValue: string;
  set: string;
}

interface Names {
  x: string;
  y: string;
  lr: string;
  /** Adam's β₁^t and β₂^t, fed per step. */
  beta1Power?: string;
  beta2Power?: string;
  loss: string;
  correct: string;
  evalLoss: string;
  evalCorrect: string;
  labelled?: string;
  teacher?: string;
}

/** What a distillation step adds to a batch: how many leading rows are labelled, every row's teacher logits. */
export interface DistillFeed {
  labelled: number;
  teacher: Float32Array;
}

/** A training step as a graph (GraphEngine.stepGraph). */
export interface StepGraph {
  graphDef: Uint8Array;
  feeds: { x: string; y: string; lr: string };
  /** False when a step needs more feeds than x, y and lr (Adam's β powers, distillation). */
  plain: boolean;
  fetch: string;
  targets: string[];
  variables: { assign: string; value: string; shape: number[] }[];
}

const varName = (key: string) => `var/${key}`;

export class GraphEngine {
  private iterations = 0;
  private closed = false;

  private constructor(
    private readonly addon: GraphAddon,
    private readonly graphHandle: NativeGraph,
    private readonly session: NativeSession,
    readonly graph: Graph,
    private readonly opts: EngineOptions,
    private readonly vars: Variable[],
    private readonly slots: { key: string; slot: string; v: Variable }[],
    private readonly stepTargets: string[],
    private readonly names: Names,
  ) {}

  /** Writes and imports the graph and opens its session; variables are still unset. */
  static create(addon: GraphAddon, graph: Graph, opts: EngineOptions): GraphEngine {
    const entries = paramEntries(graph);
    const trainable = entries.filter((p) => !(p.name === 'movingMean' || p.name === 'movingVariance'));
    const w = new GraphDefWriter();
    const variable = (entry: ParamEntry, name: string): Variable => {
      const handle = `${w.node('VarHandleOp', name, [], {
        dtype: attr.type(DT.float),
        shape: attr.shape(entry.shape),
        shared_name: attr.str(name),
      })}:0`;
      const read = `${w.node('ReadVariableOp', `${name}/read`, [handle], { dtype: attr.type(DT.float) })}:0`;
      const setValue = w.placeholder(`${name}/value`, DT.float, entry.shape);
      const set = w.node('AssignVariableOp', `${name}/assign`, [handle, setValue], {
        dtype: attr.type(DT.float),
      });
      return { entry, handle, read, setValue, set };
    };
    const vars = entries.map((e) => variable(e, varName(e.key)));
    const slotNames = SLOT_NAMES(opts.optimizer);
    const slots = slotNames.flatMap((slot) =>
      trainable.map((e) => ({ key: e.key, slot, v: variable(e, `slot/${slot}/${e.key}`) })),
    );
    const reads = new Map(vars.map((v) => [v.entry.key, v.read]));
    const handles = new Map(vars.map((v) => [v.entry.key, v.handle]));

    const input = inputNode(graph);
    const x = w.placeholder('x', DT.float, [-1, ...input.shape]);
    const y = w.placeholder('y', DT.int32, [-1]);
    const lr = w.placeholder('lr', DT.float, []);
    const train = buildForward({ w, mode: 'train', at: 'train/', reads, handles }, graph, x);
    const evalF = buildForward({ w, mode: 'eval', at: 'eval/', reads, handles }, graph, x);

    const kernels = trainable.filter((e) => e.name === 'kernel' && isWeighted(graph, e.nodeId));
    const classes = inferShapes(graph).get(logitsNode(graph))!.at(-1)!;
    const losses = lossOps(w, {
      y,
      trainLogits: train.logits,
      evalLogits: evalF.logits,
      classes,
      kernels: kernels.map((e) => reads.get(e.key)!),
      l2: opts.l2 ?? 0,
      labelSmoothing: opts.labelSmoothing ?? 0,
      distill: opts.distill,
    });

    const g = addon.newGraph();
    addon.importGraphDef(g, w.encode(), []);
    const trainReads = trainable.map((e) => reads.get(e.key)!);
    const grads = addon.addGradients(g, 'grad', losses.ys, trainReads, losses.dys);
    reluGradsOnOutputs(addon, g);

    // Part 3: the updates, in a GraphDef of its own whose `ext/*` placeholders stand for
    // tensors of parts 1 and 2.
    const u = new GraphDefWriter();
    const map: [string, string][] = [];
    const ext = (tensor: string, dtype: DataType) => {
      const p = `${u.node('Placeholder', `ext/${map.length}`, [], { dtype: attr.type(dtype) })}:0`;
      map.push([p, tensor]);
      return p;
    };
    const live = trainable.flatMap((e, i) => (grads[i] === null ? [] : [{ e, i, grad: grads[i]! }]));
    const decayed = new Set((opts.weightDecay ?? 0) > 0 ? kernels.map((e) => e.key) : []);
    const updates = optimizerOps(u, opts, {
      lr: ext(lr, DT.float),
      params: live.map(({ e, grad }) => ({
        key: e.key,
        handle: ext(handles.get(e.key)!, DT.resource),
        grad: ext(grad, DT.float),
        decay: decayed.has(e.key) ? ext(reads.get(e.key)!, DT.float) : undefined,
        slots: Object.fromEntries(
          slots.filter((s) => s.key === e.key).map((s) => [s.slot, ext(s.v.handle, DT.resource)]),
        ),
      })),
    });
    addon.importGraphDef(g, u.encode(), map);

    const session = addon.newSession(g, opts.threads ?? 0, opts.interOpThreads ?? 0);
    return new GraphEngine(
      addon,
      g,
      session,
      graph,
      opts,
      vars,
      slots,
      [...updates.targets, ...train.assigns],
      {
        x,
        y,
        lr,
        ...updates.feeds,
        loss: losses.loss,
        correct: losses.correct,
        evalLoss: losses.evalLoss,
        evalCorrect: losses.evalCorrect,
        labelled: losses.labelled,
        teacher: losses.teacher,
      },
    );
  }

  /**
   * The training step as a TensorFlow graph, for tools outside netgrow (bench/engine-profile.py
   * traces it kernel by kernel): the GraphDef, the tensors a step feeds and fetches, the ops it
   * runs, and how each variable is set (assign op, value placeholder, shape).
   */
  stepGraph(): StepGraph {
    const { x, y, lr, loss } = this.names;
    return {
      graphDef: this.addon.graphDef(this.graphHandle),
      feeds: { x, y, lr },
      plain: !this.names.teacher && this.opts.optimizer.kind !== 'adam',
      fetch: loss,
      targets: [...this.stepTargets],
      variables: [...this.vars, ...this.slots.map((s) => s.v)].map((v) => ({
        assign: v.set,
        value: v.setValue,
        shape: [...v.entry.shape],
      })),
    };
  }

  /** The optimizer's slots, as src/train/optimizer.ts names them. */
  get slotNames(): string[] {
    return SLOT_NAMES(this.opts.optimizer);
  }

  get steps(): number {
    return this.iterations;
  }

  /**
   * One optimizer step on a batch; the loss (data + L2) and correct count before the update.
   * A distilling engine needs `distill`: rows past `labelled` are transfer images.
   */
  async step(
    xs: Float32Array,
    ys: Int32Array,
    rows: number,
    lr: number,
    distill?: DistillFeed,
  ): Promise<{ loss: number; correct: number }> {
    const shape = inputNode(this.graph).shape;
    const feeds = [
      {
        name: this.names.x,
        dtype: 'float32' as const,
        shape: [rows, ...shape],
        data: xs.subarray(0, rows * size(shape)),
      },
      { name: this.names.y, dtype: 'int32' as const, shape: [rows], data: ys.subarray(0, rows) },
      { name: this.names.lr, dtype: 'float32' as const, shape: [], data: new Float32Array([lr]) },
    ];
    if (this.names.teacher) {
      if (!distill) throw new Error('graph engine: a distilling step needs the teacher logits');
      const labelled = new Float32Array(rows);
      labelled.fill(1, 0, distill.labelled);
      const classes = distill.teacher.length / rows;
      feeds.push(
        { name: this.names.labelled!, dtype: 'float32', shape: [rows], data: labelled },
        {
          name: this.names.teacher,
          dtype: 'float32',
          shape: [rows, classes],
          data: distill.teacher.subarray(0, rows * classes),
        },
      );
    }
    const t = this.iterations + 1;
    const o = this.opts.optimizer;
    if (o.kind === 'adam') {
      feeds.push(
        { name: this.names.beta1Power!, dtype: 'float32', shape: [], data: new Float32Array([o.beta1 ** t]) },
        { name: this.names.beta2Power!, dtype: 'float32', shape: [], data: new Float32Array([o.beta2 ** t]) },
      );
    }
    const [loss, correct] = await this.addon.run(
      this.session,
      feeds,
      [this.names.loss, this.names.correct],
      this.stepTargets,
    );
    this.iterations = t;
    return { loss: loss.data[0], correct: correct.data[0] };
  }

  /** Mean cross-entropy and accuracy over a labelled set, in inference mode. */
  async evaluate(
    set: { x: Float32Array; y: Int32Array; count: number },
    batchSize = 256,
  ): Promise<{ loss: number; acc: number }> {
    const shape = inputNode(this.graph).shape;
    const per = size(shape);
    let lossSum = 0;
    let hits = 0;
    for (let i = 0; i < set.count; i += batchSize) {
      const n = Math.min(batchSize, set.count - i);
      const [l, c] = await this.addon.run(
        this.session,
        [
          {
            name: this.names.x,
            dtype: 'float32',
            shape: [n, ...shape],
            data: set.x.subarray(i * per, (i + n) * per),
          },
          { name: this.names.y, dtype: 'int32', shape: [n], data: set.y.subarray(i, i + n) },
        ],
        [this.names.evalLoss, this.names.evalCorrect],
        [],
      );
      lossSum += l.data[0];
      hits += c.data[0];
    }
    return set.count === 0 ? { loss: NaN, acc: NaN } : { loss: lossSum / set.count, acc: hits / set.count };
  }

  /** Every parameter (moving statistics included) as netgrow weights. */
  async readWeights(): Promise<Weights> {
    const out = await this.addon.run(
      this.session,
      [],
      this.vars.map((v) => v.read),
      [],
    );
    return new Map(
      this.vars.map((v, i) => [
        v.entry.key,
        { shape: [...v.entry.shape], data: out[i].data as Float32Array },
      ]),
    );
  }

  /** Sets every parameter from netgrow weights (every key of the graph must be present). */
  async writeWeights(weights: Weights): Promise<void> {
    await this.assign(
      this.vars.map((v) => {
        const t = weights.get(v.entry.key);
        if (!t || t.data.length !== size(v.entry.shape)) {
          throw new Error(
            `graph engine: weights lack '${v.entry.key}' of shape [${v.entry.shape.join(', ')}]`,
          );
        }
        return [v, t.data];
      }),
    );
  }

  /** The optimizer's slots in src/train/optimizer.ts's format (checkpoints' optimizer.bin). */
  async optimizerState(): Promise<EngineOptimizerState> {
    const out = await this.addon.run(
      this.session,
      [],
      this.slots.map((s) => s.v.read),
      [],
    );
    const data = new Float32Array(out.reduce((a, t) => a + t.data.length, 0));
    let off = 0;
    for (const t of out) {
      data.set(t.data as Float32Array, off);
      off += t.data.length;
    }
    return {
      meta: {
        kind: this.opts.optimizer.kind,
        iterations: this.iterations,
        slots: this.slots.map((s) => ({ key: s.key, slot: s.slot, shape: [...s.v.entry.shape] })),
      },
      data,
    };
  }

  async loadOptimizerState(state: EngineOptimizerState): Promise<void> {
    if (state.meta.kind !== this.opts.optimizer.kind) {
      throw new Error(
        `optimizer state is for ${state.meta.kind}, the spec asks for ${this.opts.optimizer.kind}`,
      );
    }
    const pairs: [Variable, Float32Array][] = [];
    let off = 0;
    for (const s of state.meta.slots) {
      const mine = this.slots.find((m) => m.key === s.key && m.slot === s.slot);
      const n = size(s.shape);
      // The same values in the same order: tfjs keeps a PReLU's alpha as [1, 1, C] where the graph says [C].
      if (!mine || size(mine.v.entry.shape) !== n || squeezed(mine.v.entry.shape) !== squeezed(s.shape)) {
        throw new Error(
          `optimizer state slot ${s.slot} of '${s.key}' [${s.shape}] does not fit this network`,
        );
      }
      pairs.push([mine.v, state.data.subarray(off, off + n)]);
      off += n;
    }
    if (off !== state.data.length)
      throw new Error(`optimizer state holds ${state.data.length} values, its manifest ${off}`);
    await this.assign(pairs);
    this.iterations = state.meta.iterations;
  }

  /** Zero slots: a fresh optimizer (every slot starts at zero, as tfjs's). */
  async resetOptimizer(): Promise<void> {
    await this.assign(this.slots.map((s) => [s.v, new Float32Array(size(s.v.entry.shape))]));
    this.iterations = 0;
  }

  private async assign(pairs: [Variable, Float32Array][]): Promise<void> {
    if (pairs.length === 0) return;
    await this.addon.run(
      this.session,
      pairs.map(([v, data]) => ({ name: v.setValue, dtype: 'float32', shape: [...v.entry.shape], data })),
      [],
      pairs.map(([v]) => opOf(v.set)),
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.addon.closeSession(this.session);
  }
}

/** Opens an engine and loads the weights, with zero optimizer slots. */
export async function openEngine(
  addon: GraphAddon,
  graph: Graph,
  weights: Weights,
  opts: EngineOptions,
): Promise<GraphEngine> {
  const e = GraphEngine.create(addon, graph, opts);
  try {
    await e.writeWeights(weights);
    await e.resetOptimizer();
  } catch (err) {
    e.close();
    throw err;
  }
  return e;
}

const squeezed = (shape: readonly number[]): string => shape.filter((d) => d !== 1).join();

function isWeighted(g: Graph, nodeId: string): boolean {
  const n = g.nodes.find((m) => m.id === nodeId);
  return n?.kind === 'conv2d' || n?.kind === 'dense';
}

/**
 * TensorFlow's C++ Relu gradient reads the Relu's input (ReluGrad(dy, x)); that input then has
 * two readers, and grappler will not fuse conv/matmul + bias + relu into one kernel. relu(x) > 0
 * exactly where x > 0, so ReluGrad on the Relu's output is the same gradient (Python
 * TensorFlow's own choice): each ReluGrad is rewired to read the output. Returns how many.
 */
export function reluGradsOnOutputs(addon: GraphAddon, g: NativeGraph): number {
  const ops = readOps(addon.graphDef(g));
  const reluOf = new Map(
    ops.filter((o) => o.op === 'Relu' && o.name.startsWith('train/')).map((o) => [o.input[0], `${o.name}:0`]),
  );
  let rewired = 0;
  for (const o of ops) {
    const relu = o.op === 'ReluGrad' ? reluOf.get(o.input[1]) : undefined;
    if (relu) {
      addon.rewire(g, o.name, 1, relu);
      rewired++;
    }
  }
  return rewired;
}
