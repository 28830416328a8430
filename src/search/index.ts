/**
 * Search configuration and decision logic. Workflow code imports the pure modules one by
 * one instead: this barrel also brings in config.ts (zod, yaml, fs), which must stay out
 * of the workflow sandbox.
 */
export * from './budget';
export * from './config';
export * from './divergence';
export * from './early-stop';
export * from './ga';
export * from './leaderboard';
export * from './plan';
export * from './ranking';
export * from './saturation';
export * from './state';
export * from './strategy';
export * from './train-spec';
