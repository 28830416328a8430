export * from './store';
export * from './uri';
export * from './open';
export * from './integrity';
export { FileStore } from './file-store';
export { S3Store } from './s3-store';
export type { S3Options } from './s3-config';
