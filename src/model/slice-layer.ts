/**
 * tfjs-layers has no channel-slice layer, and grouped convolutions need one (slice → tower
 * conv → concat keeps every weight in a plain node). In-process models use this small layer;
 * exported model.json files replace it by a frozen 1x1 selection conv (see build.ts) so that
 * stock `tf.loadLayersModel` opens them without netgrow's code.
 */
import { tf, tfl } from '../backend/tf';

export interface ChannelSliceArgs {
  begin: number;
  size: number;
  name?: string;
}

export class ChannelSlice extends tfl.layers.Layer {
  static readonly className = 'NetgrowChannelSlice';
  readonly begin: number;
  readonly size: number;

  constructor(args: ChannelSliceArgs) {
    super({ name: args.name });
    this.begin = args.begin;
    this.size = args.size;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return [...s.slice(0, -1), this.size];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const begin = x.shape.map((_, i) => (i === x.rank - 1 ? this.begin : 0));
    const size = x.shape.map((d, i) => (i === x.rank - 1 ? this.size : -1));
    return tf.slice(x, begin, size);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), begin: this.begin, size: this.size };
  }
}
tf.serialization.registerClass(ChannelSlice);
