/** Every workflow the worker registers, with the signals, queries and updates they handle. */
export * from './candidate';
export * from './grow';
export * from './search';
export type { Finalist } from './finalists';
