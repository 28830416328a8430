/**
 * Credentials out of failure text. A trainer's log tail goes into the ExecutorError that fails
 * its activity, and from there into workflow history, `netgrow status` and the run folder's
 * `pods/<name>.log`; a trainer that printed its environment, a URL with a password or a
 * library's debug dump of a signed request must not carry the secret along. Pure: text in,
 * text out; the values to mask besides the patterns are handed in (`credentialValues`).
 */

/** Environment variable names that look like credentials (also refused as literal pod env values). */
export const CREDENTIAL_NAME = /SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|ACCESS_KEY|PRIVATE_KEY|API_KEY/i;

/** What stands where a secret was. */
export const MASK = '***';

const PRIVATE_KEY_BLOCK =
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
/** AWS access key ids: long-term (AKIA) and temporary (ASIA), 20 characters. */
const AWS_KEY_ID = /\b(AKIA|ASIA)[A-Z0-9]{16}\b/g;
/** `Authorization: Bearer <token>`, `Basic <b64>`, a bare `Bearer <token>`. */
const AUTH_SCHEME = /\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/=-]{6,}/gi;
/**
 * `name=value`, `name: value`, `"name": "value"` where the name looks like a credential
 * (aws_secret_access_key, AWS_SECRET_ACCESS_KEY, password, api_key, X-Amz-Signature, …): the
 * name stays, so the reader still learns which setting was there.
 */
const NAMED_VALUE =
  /\b([A-Za-z0-9_.-]*(?:secret|password|passwd|pwd|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|signature)[A-Za-z0-9_.-]*)(["']?\s*[=:]\s*)(["']?)([^\s"'&,;|]+)/gi;
/** `scheme://user:password@host` */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)([^\s@/]+)@/gi;

/**
 * `text` with everything that looks like a credential masked, and every occurrence of
 * `values` (the secrets this process knows: `credentialValues(env)`) too.
 */
export function maskCredentials(text: string, values: readonly string[] = []): string {
  let out = text;
  // Longest first: a value that contains another is masked whole.
  for (const v of [...values].sort((a, b) => b.length - a.length)) out = out.split(v).join(MASK);
  return out
    .replace(PRIVATE_KEY_BLOCK, `[private key ${MASK}]`)
    .replace(AWS_KEY_ID, `$1${MASK}`)
    .replace(AUTH_SCHEME, `$1$2${MASK}`)
    .replace(URL_PASSWORD, `$1${MASK}@`)
    .replace(NAMED_VALUE, (all, name: string, sep: string, quote: string, value: string) =>
      value === MASK || value.startsWith(`${MASK}`) ? all : `${name}${sep}${quote}${MASK}`,
    );
}

/**
 * The values of the environment variables whose names look like credentials, long enough
 * (6+ characters) that masking them cannot garble ordinary text.
 */
export function credentialValues(env: Record<string, string | undefined>): string[] {
  return Object.entries(env)
    .filter(([name, value]) => CREDENTIAL_NAME.test(name) && value !== undefined && value.length >= 6)
    .map(([, value]) => value!);
}
