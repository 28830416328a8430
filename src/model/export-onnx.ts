/**
 * IR + weights → an ONNX model (opset 13) of the inference graph. The model takes the same
 * NHWC batch netgrow takes (input named after the input node, batch dimension `batch`) and
 * returns the same output; inside, images run NCHW, the layout ONNX's Conv and pools expect,
 * with one transpose at the input, before each flatten and at an image output. Dropout is the
 * identity at inference; a slice of a grouped or branched block is an ONNX Slice.
 */
import { assertNever, checkWeights, Graph, GraphNode, inferShapes, Padding, Shape, Weights } from '../graph';
import {
  ATTR,
  encodeOnnxModel,
  ONNX_FLOAT,
  ONNX_INT64,
  OnnxAttribute,
  OnnxModel,
  OnnxNode,
  OnnxTensor,
  OnnxValueInfo,
} from './onnx-proto';

export const ONNX_OPSET = 13;
const ONNX_IR_VERSION = 8;

const ints = (name: string, v: number[]): OnnxAttribute => ({ name, type: ATTR.INTS, ints: v });
const int = (name: string, v: number): OnnxAttribute => ({ name, type: ATTR.INT, i: v });
const float = (name: string, v: number): OnnxAttribute => ({ name, type: ATTR.FLOAT, f: v });

/** TensorFlow's padding for one spatial axis, as ONNX's [begin, end] (extra cell at the end). */
export function tfPads(size: number, window: number, stride: number, padding: Padding): [number, number] {
  if (padding === 'valid') return [0, 0];
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + window - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function floatTensor(name: string, dims: number[], data: Float32Array): OnnxTensor {
  const raw = new Uint8Array(data.byteLength);
  new Float32Array(raw.buffer).set(data);
  return { name, dims, data_type: ONNX_FLOAT, raw_data: raw };
}

function int64Tensor(name: string, values: number[]): OnnxTensor {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return { name, dims: [values.length], data_type: ONNX_INT64, raw_data: raw };
}

/** tfjs/Keras conv kernel [k, k, in, out] → ONNX's [out, in, k, k]. */
function convKernel(data: Float32Array, [kh, kw, cin, cout]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++)
          out[((o * cin + i) * kh + y) * kw + x] = data[((y * kw + x) * cin + i) * cout + o];
  return out;
}

function valueInfo(name: string, shape: Shape): OnnxValueInfo {
  const dim = [{ dim_param: 'batch' }, ...shape.map((d) => ({ dim_value: d }))];
  return { name, type: { tensor_type: { elem_type: ONNX_FLOAT, shape: { dim } } } };
}

class OnnxGraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  op(
    op_type: string,
    name: string,
    input: string[],
    output: string,
    attribute: OnnxAttribute[] = [],
  ): string {
    this.nodes.push({ name, op_type, input, output: [output], attribute });
    return output;
  }
  weight(name: string, dims: number[], data: Float32Array): string {
    this.initializers.push(floatTensor(name, dims, data));
    return name;
  }
  int64s(name: string, values: number[]): string {
    this.initializers.push(int64Tensor(name, values));
    return name;
  }
}

/** The ONNX ModelProto (as an object) for a graph and its weights. */
export function toOnnxModel(g: Graph, w: Weights, producerVersion = '0.1.0'): OnnxModel {
  checkWeights(g, w);
  const shapes = inferShapes(g);
  const b = new OnnxGraphBuilder();
  const value = new Map<string, string>();
  let graphInput: OnnxValueInfo | undefined;
  for (const n of g.nodes) {
    const xs = n.inputs.map((p) => value.get(p)!);
    const inShape = n.inputs.length ? shapes.get(n.inputs[0])! : [];
    const isImage = (shapes.get(n.id) ?? []).length === 3;
    // An image output is computed NCHW under another name, then transposed into its own name.
    const name = isImage && n.id === g.output ? `${n.id}.nchw` : n.id;
    if (n.kind === 'input') {
      graphInput = valueInfo(n.id, n.shape);
      value.set(
        n.id,
        n.shape.length === 3
          ? b.op('Transpose', `${n.id}.to_nchw`, [n.id], `${n.id}.nchw`, [ints('perm', [0, 3, 1, 2])])
          : n.id,
      );
      continue;
    }
    value.set(n.id, emitNode(b, n, xs, inShape, name, w));
  }
  const outShape = shapes.get(g.output)!;
  if (outShape.length === 3) {
    b.op('Transpose', `${g.output}.to_nhwc`, [value.get(g.output)!], g.output, [ints('perm', [0, 2, 3, 1])]);
  }
  return {
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'netgrow',
    producer_version: producerVersion,
    doc_string: `netgrow graph '${g.name}': input ${graphInput!.name} NHWC, output ${g.output}`,
    graph: {
      name: g.name,
      node: b.nodes,
      initializer: b.initializers,
      input: [graphInput!],
      output: [valueInfo(g.output, outShape)],
    },
  };
}

/** One IR node as ONNX node(s); returns the name of the value it produces. */
function emitNode(
  b: OnnxGraphBuilder,
  n: Exclude<GraphNode, { kind: 'input' }>,
  xs: string[],
  x: Shape,
  out: string,
  w: Weights,
): string {
  const param = (p: string) => w.get(`${n.id}/${p}`)!;
  const image = x.length === 3;
  switch (n.kind) {
    case 'conv2d': {
      const k = param('kernel');
      const inputs = [
        xs[0],
        b.weight(
          `${n.id}/kernel`,
          [k.shape[3], k.shape[2], k.shape[0], k.shape[1]],
          convKernel(k.data, k.shape),
        ),
      ];
      if (n.bias) inputs.push(b.weight(`${n.id}/bias`, param('bias').shape, param('bias').data));
      const [t, bo] = tfPads(x[0], n.kernel, n.stride, n.padding);
      const [l, r] = tfPads(x[1], n.kernel, n.stride, n.padding);
      return b.op('Conv', n.id, inputs, out, [
        ints('kernel_shape', [n.kernel, n.kernel]),
        ints('strides', [n.stride, n.stride]),
        ints('pads', [t, l, bo, r]),
      ]);
    }
    case 'dense': {
      const k = param('kernel');
      const kernel = b.weight(`${n.id}/kernel`, k.shape, k.data);
      if (!n.bias) return b.op('MatMul', n.id, [xs[0], kernel], out);
      return b.op(
        'Gemm',
        n.id,
        [xs[0], kernel, b.weight(`${n.id}/bias`, param('bias').shape, param('bias').data)],
        out,
      );
    }
    case 'activation':
      switch (n.fn) {
        case 'relu':
          return b.op('Relu', n.id, xs, out);
        case 'prelu': {
          const a = param('alpha');
          // ONNX broadcasts the slope from the right: [C, 1, 1] against NCHW.
          const slope = b.weight(`${n.id}/alpha`, image ? [a.shape[0], 1, 1] : a.shape, a.data);
          return b.op('PRelu', n.id, [xs[0], slope], out);
        }
        case 'elu':
          return b.op('Elu', n.id, xs, out, [float('alpha', 1)]);
        case 'tanh':
          return b.op('Tanh', n.id, xs, out);
        case 'sigmoid':
          return b.op('Sigmoid', n.id, xs, out);
        case 'softmax':
          return b.op('Softmax', n.id, xs, out, [int('axis', -1)]);
        case 'linear':
          return b.op('Identity', n.id, xs, out);
        default:
          return assertNever(n.fn, 'activation');
      }
    case 'batchnorm': {
      const inputs = (['gamma', 'beta', 'movingMean', 'movingVariance'] as const).map((p) =>
        b.weight(`${n.id}/${p}`, param(p).shape, param(p).data),
      );
      return b.op('BatchNormalization', n.id, [xs[0], ...inputs], out, [float('epsilon', n.epsilon)]);
    }
    case 'dropout':
      return b.op('Identity', n.id, xs, out);
    case 'maxpool2d':
    case 'avgpool2d': {
      const s = n.stride ?? n.pool;
      const [t, bo] = tfPads(x[0], n.pool, s, n.padding);
      const [l, r] = tfPads(x[1], n.pool, s, n.padding);
      const attrs = [
        ints('kernel_shape', [n.pool, n.pool]),
        ints('strides', [s, s]),
        ints('pads', [t, l, bo, r]),
      ];
      // TensorFlow's 'same' average pool divides by the cells inside the image only.
      if (n.kind === 'avgpool2d') attrs.push(int('count_include_pad', 0));
      return b.op(n.kind === 'maxpool2d' ? 'MaxPool' : 'AveragePool', n.id, xs, out, attrs);
    }
    case 'globalmaxpool':
    case 'globalavgpool': {
      const pooled = b.op(
        n.kind === 'globalmaxpool' ? 'GlobalMaxPool' : 'GlobalAveragePool',
        n.id,
        xs,
        `${n.id}.nc11`,
      );
      return b.op('Flatten', `${n.id}.flatten`, [pooled], out, [int('axis', 1)]);
    }
    case 'flatten': {
      if (!image) return b.op('Identity', n.id, xs, out);
      // Keras flattens channels-last (H, W, C); undo the NCHW layout first.
      const nhwc = b.op('Transpose', `${n.id}.to_nhwc`, xs, `${n.id}.nhwc`, [ints('perm', [0, 2, 3, 1])]);
      return b.op('Flatten', n.id, [nhwc], out, [int('axis', 1)]);
    }
    case 'add':
      return b.op('Sum', n.id, xs, out);
    case 'concat':
      return b.op('Concat', n.id, xs, out, [int('axis', 1)]);
    case 'slice':
      return b.op(
        'Slice',
        n.id,
        [
          xs[0],
          b.int64s(`${n.id}/starts`, [n.begin]),
          b.int64s(`${n.id}/ends`, [n.begin + n.size]),
          b.int64s(`${n.id}/axes`, [1]),
        ],
        out,
      );
    default:
      return assertNever(n, 'node');
  }
}

/** The serialized model.onnx bytes. */
export function encodeOnnx(g: Graph, w: Weights, producerVersion?: string): Uint8Array {
  return encodeOnnxModel(toOnnxModel(g, w, producerVersion));
}
