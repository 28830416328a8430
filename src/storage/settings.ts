/**
 * The storage settings that are not secrets: where the S3 server is and how to talk to it
 * (s3-config.ts reads each). A process that starts another one elsewhere — the Kubernetes
 * executor's trainer pods — hands these on from its own environment; credentials never travel
 * this way (a trainer pod gets them from a Secret by reference).
 */

/** Read by s3-config.ts or the AWS SDK; none of them holds a key. */
export const STORAGE_SETTINGS = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ENDPOINT_URL_S3',
  'AWS_ENDPOINT_URL',
  'NETGROW_S3_PATH_STYLE',
  'AWS_MAX_ATTEMPTS',
  'AWS_RETRY_MODE',
  'AWS_REQUEST_CHECKSUM_CALCULATION',
  'AWS_RESPONSE_CHECKSUM_VALIDATION',
] as const;

/**
 * The settings `env` has, by name. An endpoint with a user or password in it is left out: that
 * is a credential (s3-config.ts refuses it), and the pod spec is no place for one.
 */
export function storageSettings(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of STORAGE_SETTINGS) {
    const value = env[name];
    if (!value) continue;
    if (name.startsWith('AWS_ENDPOINT_URL') && /^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(value)) continue;
    out[name] = value;
  }
  return out;
}
