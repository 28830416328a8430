/**
 * Turns what the S3 SDK throws into StorageErrors whose one-line messages say which object, what
 * went wrong and what to do. Server-sent message texts are kept out where they may echo request
 * details, and every message is scrubbed of known secrets on the way out.
 */
import { StorageError, type StorageErrorCode } from './store';

export interface S3Context {
  verb: string;
  /** `s3://bucket/full/key` of the object (or the bucket) concerned. */
  target: string;
  bucket: string;
  endpointLabel: string;
  secrets: readonly string[];
}

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

const deniedNames = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'Forbidden',
]);
const checksumNames = new Set([
  'InvalidArgument',
  'BadDigest',
  'XAmzContentSHA256Mismatch',
  'NotImplemented',
]);

export function mapS3Error(err: unknown, ctx: S3Context): StorageError {
  if (err instanceof StorageError) return scrubbed(err.code, err.message, ctx.secrets);
  const e = (err ?? {}) as SdkError;
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const attempts = e.$metadata?.attempts;
  const what = `cannot ${ctx.verb} ${ctx.target}`;
  const say = (code: StorageErrorCode, text: string) => scrubbed(code, text, ctx.secrets);

  if (name === 'NoSuchBucket') return noBucket(ctx.bucket, ctx.endpointLabel);
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) {
    return say('not_found', `${what}: no such object; check the key, or that its writer finished`);
  }
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(e.message ?? '')) {
    return say(
      'denied',
      `${what}: no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or attach a role`,
    );
  }
  if (/region is missing/i.test(e.message ?? '')) {
    return say('bad_uri', `${what}: no AWS region configured; set AWS_REGION or the storage option region`);
  }
  if (deniedNames.has(name) || status === 403) {
    return say(
      'denied',
      `${what}: ${ctx.endpointLabel} refused the request (${name}); check the credentials ` +
        '(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE) and the bucket policy',
    );
  }
  if (name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed' || status === 301) {
    return say(
      'bad_uri',
      `${what}: the bucket lives in another region (${name}); set AWS_REGION to its region`,
    );
  }
  if (
    checksumNames.has(name) &&
    /checksum|trailer|chunk|crc|content-sha256|not implemented/i.test(e.message ?? '')
  ) {
    return say(
      'bad_uri',
      `${what}: ${ctx.endpointLabel} rejected the SDK's default upload checksums (${name}); ` +
        "set the storage option checksums: 'when-required' or AWS_REQUEST_CHECKSUM_CALCULATION=WHEN_REQUIRED",
    );
  }
  if (e.$fault === 'server' || (status !== undefined && status >= 500) || isNetworkError(e)) {
    const tries = attempts ? ` after ${attempts} attempt${attempts === 1 ? '' : 's'}` : '';
    // A HEAD answer has no body, so the SDK names its error 'Unknown'; the status says more.
    const detail = e.code ?? (name === 'Unknown' && status ? `HTTP ${status}` : name);
    return say(
      'unavailable',
      `${what}: ${ctx.endpointLabel} unavailable${tries} (${detail}); ` +
        'check the endpoint (AWS_ENDPOINT_URL) and network, or retry later',
    );
  }
  return say('unavailable', `${what}: ${name}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? ''}`);
}

export function noBucket(bucket: string, endpointLabel: string): StorageError {
  return new StorageError(
    'no_bucket',
    `S3 bucket '${bucket}' does not exist at ${endpointLabel}; create it (aws s3 mb s3://${bucket}) ` +
      'or set the storage option createBucket: true',
  );
}

function isNetworkError(e: SdkError): boolean {
  return (
    (e.code !== undefined && /^E[A-Z]+$/.test(e.code)) ||
    e.name === 'TimeoutError' ||
    e.name === 'RequestTimeout' ||
    e.name === 'AbortError'
  );
}

function scrubbed(code: StorageErrorCode, message: string, secrets: readonly string[]): StorageError {
  let text = message;
  for (const secret of secrets) text = text.split(secret).join('***');
  return new StorageError(code, text);
}
