export * from './errors';
export * from './command';
export * from './types';
export type { Moment } from './slots';
export { planMorph, morph } from './morph';
export * from './apply';
export { groupSizes } from './group';
export * from './sampler';
export * from './seed-plans';
