/** netgrow's Temporal side for the CLI and worker entry points (workflow code imports ./config only). */
export * from './client';
export * from './config';
export * from './devserver';
