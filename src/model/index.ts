export * from './tf';
export * from './build';
export * from './checkpoint';
export * from './export';
export { ChannelSlice } from './slice-layer';
export * from './verify';
export * from './export-formats';
export { encodeOnnx, toOnnxModel } from './export-onnx';
export { encodeKeras } from './export-keras';
