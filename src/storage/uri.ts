/**
 * Storage URIs and keys. A store URI is `file:///abs/path`, `file://./rel/path`, a plain path, or
 * `s3://bucket/prefix`; keys are relative `/`-separated paths under it. Credentials never travel in
 * a URI: one that carries them is refused, and every URI that reaches a message goes through
 * `redactUri` first.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StorageError } from './store';

export type StoreLocation =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string };

/** Temp files of in-flight atomic writes start with this; such names are never valid keys. */
export const TEMP_MARKER = '.netgrow-tmp-';

const schemeRe = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
const bucketRe = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseUri(uri: string, cwd: string = process.cwd()): StoreLocation {
  const shown = redactUri(uri);
  if (uri.trim() === '')
    throw badUri(shown, 'it is empty; use file:///abs/path, a folder path or s3://bucket/prefix');
  const scheme = schemeRe.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: 'file', path: resolve(cwd, uri) };
  const rest = uri.slice(scheme.length + 3);
  const authority = rest.split(/[/?#]/, 1)[0];
  if (authority.includes('@')) {
    throw badUri(
      shown,
      'it contains credentials; remove them and set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or a role instead',
    );
  }
  if (/[?#]/.test(rest)) throw badUri(shown, 'query strings and fragments are not supported; remove them');
  if (scheme === 'file') return { kind: 'file', path: filePath(rest, shown, cwd) };
  if (scheme === 's3') return s3Location(authority, rest.slice(authority.length), shown);
  throw badUri(shown, `scheme '${scheme}://' is not supported; use file://... or s3://bucket/prefix`);
}

function filePath(rest: string, shown: string, cwd: string): string {
  const decoded = decode(rest, shown);
  if (decoded.startsWith('/')) return resolve(decoded);
  if (decoded.startsWith('localhost/')) return resolve(decoded.slice('localhost'.length));
  if (decoded === '.' || decoded === '..' || decoded.startsWith('./') || decoded.startsWith('../')) {
    return resolve(cwd, decoded);
  }
  throw badUri(shown, 'use file:///absolute/path or file://./relative/path');
}

function s3Location(bucket: string, path: string, shown: string): StoreLocation {
  if (!bucketRe.test(bucket) || bucket.includes('..')) {
    throw badUri(
      shown,
      `'${bucket}' is not a valid bucket name (3-63 characters: lowercase letters, digits, '.', '-')`,
    );
  }
  const prefix = decode(path, shown).replace(/^\/+|\/+$/g, '');
  if (prefix !== '') checkKey(prefix, `prefix of ${shown}`);
  return { kind: 's3', bucket, prefix };
}

function decode(text: string, shown: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw badUri(shown, 'it has a malformed %-escape');
  }
}

/** The canonical URI of a location (absolute, no credentials). */
export function formatUri(location: StoreLocation): string {
  if (location.kind === 'file') return pathToFileURL(location.path).href;
  return `s3://${location.bucket}${location.prefix ? '/' + location.prefix : ''}`;
}

/** `joinUri('s3://b/runs', 'experiments/e1', 'meta.json')` → `s3://b/runs/experiments/e1/meta.json`. */
export function joinUri(base: string, ...parts: string[]): string {
  const location = parseUri(base);
  const segments = parts.flatMap((p) => p.split('/')).filter((s) => s !== '');
  if (segments.length === 0) return formatUri(location);
  const key = checkKey(segments.join('/'));
  if (location.kind === 'file') return formatUri({ kind: 'file', path: resolve(location.path, key) });
  return formatUri({ ...location, prefix: location.prefix ? `${location.prefix}/${key}` : key });
}

/**
 * The URI with anything secret replaced by `***`: user info (`s3://KEY:SECRET@bucket`) and query
 * values (presigned `X-Amz-Signature=...`). Never throws, whatever the input.
 */
export function redactUri(uri: string): string {
  return uri
    .replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^/?#]*@/, '$1***@')
    .replace(/([?&][^=&#]*)=[^&#]*/g, '$1=***');
}

/**
 * Returns the key if it is a plain relative path (`a/b/c.json`), else throws `bad_uri`. Refusing
 * `..`, absolute paths and empty segments keeps every key inside its store on every backend.
 */
export function checkKey(key: string, what = 'storage key'): string {
  const reason =
    typeof key !== 'string' || key === ''
      ? 'it is empty'
      : key.startsWith('/')
        ? 'it starts with /'
        : key.endsWith('/')
          ? 'it ends with /'
          : key.includes('\\')
            ? 'it contains a backslash'
            : key.includes('\0')
              ? 'it contains a NUL byte'
              : key.split('/').some((s) => s === '' || s === '.' || s === '..')
                ? "it has an empty, '.' or '..' segment"
                : key.split('/').some((s) => s.startsWith(TEMP_MARKER))
                  ? `a segment starts with '${TEMP_MARKER}', which is reserved for temp files`
                  : undefined;
  if (reason !== undefined) {
    throw new StorageError(
      'bad_uri',
      `${what} '${String(key)}' is invalid: ${reason}; use a relative path such as 'experiments/e1/meta.json'`,
    );
  }
  return key;
}

/** A list prefix: '' (everything), a folder `a/b/`, or the start of a name `a/b/ep`. */
export function checkPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  checkKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix, 'list prefix');
  return prefix;
}

function badUri(shown: string, reason: string): StorageError {
  return new StorageError('bad_uri', `storage URI '${shown}' is invalid: ${reason}`);
}
