export * from '../backend/tf';
export * from './build';
export * from './checkpoint';
export * from './export';
export { ChannelSlice } from './slice-layer';
export * from './verify';
export * from './resolve';
