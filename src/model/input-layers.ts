/**
 * Conv2D and Dense layers that read the data run on unfused ops. tfjs-layers runs every conv and
 * dense layer through `tf.fused.conv2d` / `tf.fused.matMul`, whose gradient (one customGrad)
 * computes the gradient with respect to the layer's input eagerly, even when that input is the
 * data and the tape throws it away: on LeNet, conv1's input gradient was ~11% of a training
 * step. `tf.conv2d` / `tf.matMul` + `tf.add` have one lazy gradient per input, so the tape only
 * runs the ones it needs.
 *
 * The subclasses keep the stock class name and config (`getClassName()` comes from the inherited
 * static `className`), so model.json files name them 'Conv2D' / 'Dense' and stock
 * `tf.loadLayersModel` reopens them as the stock layers. They are deliberately not registered:
 * registering would replace the stock classes in tfjs's global serialization map.
 */
import type { Conv2D } from '@tensorflow/tfjs-layers/dist/layers/convolutional';
import type { Dense } from '@tensorflow/tfjs-layers/dist/layers/core';
import { Graph, inferShapes, paramEntries, Shape } from '../graph';
import { tf, tfl } from '../backend/tf';

type Kwargs = Parameters<tfl.layers.Layer['call']>[1];

/**
 * tfjs-layers' bundle does not export its layer classes; the serialization map holds the ones
 * the stock factories build (the package registers them on import).
 */
function stockLayerClass<T>(className: string): T {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (!entry || entry[0].className !== className)
    throw new Error(
      `tfjs-layers did not register its '${className}' layer class; is @tensorflow/tfjs-layers loaded?`,
    );
  return entry[0] as unknown as T;
}

const StockConv2D = stockLayerClass<typeof Conv2D>('Conv2D');
const StockDense = stockLayerClass<typeof Dense>('Dense');

/** Conv2D computing conv2d, + bias, then the activation, each op with its own gradient. */
export class UnfusedConv2D extends StockConv2D {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    // Only the layout netgrow builds; anything else keeps the stock path.
    if (this.dataFormat !== 'channelsLast' || (this.padding !== 'same' && this.padding !== 'valid'))
      return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      let y: tf.Tensor = tf.conv2d(
        x,
        this.kernel.read() as tf.Tensor4D,
        this.strides as [number, number],
        this.padding as 'same' | 'valid',
        'NHWC',
        this.dilationRate as [number, number],
      );
      if (this.bias) y = tf.add(y, this.bias.read());
      return this.activation.apply(y);
    });
  }
}

/** What Dense's call reads; its .d.ts marks these private, so a subclass cannot name them. */
interface DenseInternals {
  kernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
  activation: { apply(x: tf.Tensor): tf.Tensor };
}

/** Dense computing matMul, + bias, then the activation, each op with its own gradient. */
export class UnfusedDense extends StockDense {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    // Higher-rank inputs take the stock reshaping path; netgrow's dense layers see [batch, n].
    if (x.rank !== 2) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const { kernel, bias, activation } = this as unknown as DenseInternals;
      let y: tf.Tensor = tf.matMul(x, kernel.read());
      if (bias) y = tf.add(y, bias.read());
      return activation.apply(y);
    });
  }
}

/**
 * Conv and dense nodes whose inputs depend on the data alone (the input node, reached through
 * weightless nodes only: flatten, slices, pooling, …). No training gradient flows into them, so
 * they are the ones worth building unfused.
 */
export function dataInputLayers(g: Graph, shapes: Map<string, Shape> = inferShapes(g)): Set<string> {
  const weighted = new Set(paramEntries(g, shapes).map((p) => p.nodeId));
  const dataOnly = new Set<string>();
  const layers = new Set<string>();
  for (const n of g.nodes) {
    const fromData = n.kind === 'input' || n.inputs.every((p) => dataOnly.has(p));
    if (!fromData) continue;
    if (n.kind === 'conv2d' || n.kind === 'dense') layers.add(n.id);
    if (!weighted.has(n.id)) dataOnly.add(n.id);
  }
  return layers;
}
