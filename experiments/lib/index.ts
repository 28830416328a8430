export * from './args';
export * from './driver';
export * from './html';
export * from './networks';
export * from './results-md';
export * from './stats';
export * from './summary';
export * from './training';
