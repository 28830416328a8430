/**
 * Builds the S3 client. Endpoint, region and credentials come from the SDK's standard sources
 * (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_PROFILE, roles, ...)
 * unless given explicitly; netgrow adds only what S3-compatible servers need.
 */
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { StorageError } from './store';
import { redactUri } from './uri';

export interface S3Options {
  /** S3-compatible server, e.g. `http://127.0.0.1:8333`. Default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, AWS. */
  endpoint?: string;
  /** Default: AWS_REGION, AWS_DEFAULT_REGION, the profile's; `us-east-1` with a custom endpoint and no env region. */
  region?: string;
  /** `bucket` in the path instead of the host name. Default: NETGROW_S3_PATH_STYLE, else true for a custom endpoint. */
  forcePathStyle?: boolean;
  /**
   * 'sdk-default': the SDK's flexible checksums (CRC32 on every upload, streamed as an aws-chunked
   * trailer), or whatever AWS_REQUEST_CHECKSUM_CALCULATION says. 'when-required': checksums only
   * where an operation demands one — for S3-compatible servers that reject the trailers.
   */
  checksums?: 'sdk-default' | 'when-required';
  /** Explicit keys; default: the SDK's provider chain. Never put keys in the URI. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Create the bucket on first use when it does not exist (default false: a clear error instead). */
  createBucket?: boolean;
  /** Attempts per request, first included, with exponential backoff and jitter. Default 5 (or AWS_MAX_ATTEMPTS). */
  maxAttempts?: number;
  /** Bodies larger than this go through multipart upload. Default 8 MiB. */
  multipartThresholdBytes?: number;
  /** Multipart part size (S3 minimum 5 MiB). Default 8 MiB. */
  partSizeBytes?: number;
  /** Keys per ListObjectsV2 page (S3 maximum 1000). */
  listPageSize?: number;
}

export interface S3Setup {
  client: S3Client;
  /** Where requests go, for messages: the endpoint URL (redacted) or `AWS S3`. */
  endpointLabel: string;
  /** Strings that must never appear in a message (explicit or environment secrets). */
  secrets: string[];
}

const MiB = 1024 * 1024;
export const s3Defaults = { maxAttempts: 5, multipartThresholdBytes: 8 * MiB, partSizeBytes: 8 * MiB };

export function createS3Client(opts: S3Options = {}, env: NodeJS.ProcessEnv = process.env): S3Setup {
  // The SDK warns on every process start under node 20 about its own future releases; netgrow pins
  // the SDK and supports node 20, so the warning only buries netgrow's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const endpoint = opts.endpoint ?? (env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined);
  if (endpoint !== undefined) checkEndpoint(endpoint);
  const config: S3ClientConfig = {
    endpoint,
    // The SDK reads AWS_REGION and the profile but not AWS_DEFAULT_REGION (the CLI's name); S3-compatible
    // servers mostly ignore the region, so one is supplied rather than failing with "Region is missing".
    region:
      opts.region ??
      (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined) ??
      (endpoint !== undefined ? 'us-east-1' : undefined),
    forcePathStyle: opts.forcePathStyle ?? pathStyleFromEnv(env) ?? endpoint !== undefined,
    credentials: opts.credentials,
    // The SDK's standard strategy retries throttling, 5xx and connection errors with capped
    // exponential backoff and jitter; netgrow raises the attempts because a lost artifact write
    // costs a whole training run.
    maxAttempts: opts.maxAttempts ?? (env.AWS_MAX_ATTEMPTS ? undefined : s3Defaults.maxAttempts),
    retryMode: env.AWS_RETRY_MODE ? undefined : 'standard',
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
  };
  if (opts.checksums === 'when-required') {
    config.requestChecksumCalculation = 'WHEN_REQUIRED';
    config.responseChecksumValidation = 'WHEN_REQUIRED';
  } else if (opts.checksums !== undefined && opts.checksums !== 'sdk-default') {
    throw new StorageError(
      'bad_uri',
      `S3 option checksums must be 'sdk-default' or 'when-required', received '${String(opts.checksums)}'`,
    );
  }
  const secrets = [
    opts.credentials?.secretAccessKey,
    opts.credentials?.sessionToken,
    env.AWS_SECRET_ACCESS_KEY,
    env.AWS_SESSION_TOKEN,
  ].filter((s): s is string => typeof s === 'string' && s.length >= 4);
  return {
    client: new S3Client(config),
    endpointLabel: endpoint ? redactUri(endpoint) : 'AWS S3',
    secrets,
  };
}

function checkEndpoint(endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new StorageError(
      'bad_uri',
      `S3 endpoint '${redactUri(endpoint)}' is not a URL; use e.g. http://127.0.0.1:8333`,
    );
  }
  if (url.username || url.password) {
    throw new StorageError(
      'bad_uri',
      `S3 endpoint '${redactUri(endpoint)}' contains credentials; remove them and set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY instead`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new StorageError(
      'bad_uri',
      `S3 endpoint '${redactUri(endpoint)}' must start with http:// or https://`,
    );
  }
}

function pathStyleFromEnv(env: NodeJS.ProcessEnv): boolean | undefined {
  const raw = env.NETGROW_S3_PATH_STYLE?.trim().toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (['1', 'true', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'no'].includes(raw)) return false;
  throw new StorageError(
    'bad_uri',
    `NETGROW_S3_PATH_STYLE must be true or false, received '${env.NETGROW_S3_PATH_STYLE}'`,
  );
}
