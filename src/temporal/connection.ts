/**
 * How netgrow authenticates to a Temporal cluster: TLS (a CA for the server, a client
 * certificate for mTLS, the name to verify), and an API key sent as `authorization: Bearer`.
 * Settings come from flags, else the search config's `temporal.tls` (file paths only), else
 * the environment, under the Temporal CLI's own names where it has one (TEMPORAL_TLS_CLIENT_CERT_PATH,
 * TEMPORAL_TLS_CLIENT_KEY_PATH, TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME,
 * TEMPORAL_API_KEY). An API key is a value from the environment or a file: never a flag (it would
 * show in `ps`) nor a config field (experiment.json and history keep the config).
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { checkServerIdentity, connect as tlsConnect } from 'node:tls';
import { UsageError } from '../contracts/errors';

/** Where each setting is read: the file paths and the server name; never the key itself. */
export interface TemporalTlsPaths {
  clientCert: string | null;
  clientKey: string | null;
  serverCa: string | null;
  serverName: string | null;
}

/** The flags, as the CLI parses them. */
export interface TemporalAuthFlags {
  'temporal-tls-cert'?: string;
  'temporal-tls-key'?: string;
  'temporal-tls-ca'?: string;
  'temporal-tls-server-name'?: string;
  'temporal-api-key-file'?: string;
}

/** The flags every command that connects to Temporal takes. */
export const TEMPORAL_AUTH_OPTIONS = {
  'temporal-tls-cert': { type: 'string' },
  'temporal-tls-key': { type: 'string' },
  'temporal-tls-ca': { type: 'string' },
  'temporal-tls-server-name': { type: 'string' },
  'temporal-api-key-file': { type: 'string' },
} as const;

export const TEMPORAL_AUTH_HELP = `  --temporal-tls-ca <file>    TLS: the CA that signed the frontend's certificate (TEMPORAL_TLS_SERVER_CA_CERT_PATH)
  --temporal-tls-cert <file>  mTLS: this client's certificate (TEMPORAL_TLS_CLIENT_CERT_PATH), with
  --temporal-tls-key <file>   its private key (TEMPORAL_TLS_CLIENT_KEY_PATH)
  --temporal-tls-server-name <n>  the name the frontend's certificate is checked against
                              (TEMPORAL_TLS_SERVER_NAME; default the address's host)
  --temporal-api-key-file <f> a file holding an API key, sent as a bearer token over TLS
                              (or the key itself in TEMPORAL_API_KEY)`;

/** What Connection.connect and NativeConnection.connect take; the key lives in memory only. */
export interface TemporalConnectOptions {
  tls?: {
    serverNameOverride?: string;
    serverRootCACertificate?: Buffer;
    clientCertPair?: { crt: Buffer; key: Buffer };
  };
  apiKey?: string;
}

/** Flags, else the config's `temporal.tls`, else the environment. */
export function temporalTlsPaths(
  flags: TemporalAuthFlags,
  config: Partial<TemporalTlsPaths> | null | undefined,
  env: NodeJS.ProcessEnv = process.env,
): TemporalTlsPaths {
  const pick = (flag: keyof TemporalAuthFlags, field: keyof TemporalTlsPaths, name: string) =>
    flags[flag] ?? config?.[field] ?? (env[name] || null);
  return {
    clientCert: pick('temporal-tls-cert', 'clientCert', 'TEMPORAL_TLS_CLIENT_CERT_PATH'),
    clientKey: pick('temporal-tls-key', 'clientKey', 'TEMPORAL_TLS_CLIENT_KEY_PATH'),
    serverCa: pick('temporal-tls-ca', 'serverCa', 'TEMPORAL_TLS_SERVER_CA_CERT_PATH'),
    serverName: pick('temporal-tls-server-name', 'serverName', 'TEMPORAL_TLS_SERVER_NAME'),
  };
}

/**
 * The connection options of these settings, the files read now. Throws UsageError (exit 2)
 * for a certificate without its key (or the other way round) and for a file that cannot be read.
 */
export function temporalConnectOptions(
  paths: TemporalTlsPaths,
  apiKeyFile: string | null | undefined,
  env: NodeJS.ProcessEnv = process.env,
): TemporalConnectOptions {
  if ((paths.clientCert === null) !== (paths.clientKey === null)) {
    throw new UsageError(
      'a Temporal client certificate needs its key and the other way round: give both ' +
        '--temporal-tls-cert and --temporal-tls-key (or TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH)',
    );
  }
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new UsageError(
        `cannot read the Temporal ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
  };
  const apiKey = apiKeyFile
    ? read(apiKeyFile, 'API key file').toString('utf8').trim()
    : env.TEMPORAL_API_KEY || undefined;
  if (apiKeyFile && !apiKey) throw new UsageError(`the Temporal API key file ${apiKeyFile} is empty`);
  const tlsAsked = paths.serverCa !== null || paths.clientCert !== null || paths.serverName !== null;
  const out: TemporalConnectOptions = {};
  if (tlsAsked) {
    out.tls = {
      ...(paths.serverName ? { serverNameOverride: paths.serverName } : {}),
      ...(paths.serverCa ? { serverRootCACertificate: read(paths.serverCa, 'CA certificate') } : {}),
      ...(paths.clientCert && paths.clientKey
        ? {
            clientCertPair: {
              crt: read(paths.clientCert, 'client certificate'),
              key: read(paths.clientKey, 'client key'),
            },
          }
        : {}),
    };
  }
  // An API key goes over TLS only (the SDKs turn TLS on for it): a bearer token in clear text
  // is a token given away.
  if (apiKey) {
    out.apiKey = apiKey;
    out.tls ??= {};
  }
  return out;
}

/** TLS verification failures a setting causes (Node's codes), as opposed to an outage. */
const SETTING_ERRORS =
  /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME|ERR_SSL_|alert|wrong version number|packet length/i;

/**
 * Why a TLS connection to `address` with these settings fails, when the cause is a setting to
 * fix (a CA that did not sign the server's certificate, a name it does not carry, a client
 * certificate the server refuses, a server without TLS); null when the handshake succeeds or
 * the server cannot be reached at all (an outage). The gRPC clients report only "failed to
 * connect before the deadline", so a failed connect asks Node's TLS for the reason.
 */
export function tlsSettingProblem(address: string, options: TemporalConnectOptions): Promise<string | null> {
  const t = options.tls;
  if (!t) return Promise.resolve(null);
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at).replace(/^\[|\]$/g, '');
  const name = t.serverNameOverride ?? host;
  return new Promise((res) => {
    const socket = tlsConnect({
      host,
      port: Number(address.slice(at + 1)),
      ca: t.serverRootCACertificate,
      cert: t.clientCertPair?.crt,
      key: t.clientCertPair?.key,
      servername: isIP(name) ? undefined : name,
      checkServerIdentity: (_host, cert) => checkServerIdentity(name, cert),
      ALPNProtocols: ['h2'],
    });
    const done = (why: string | null) => {
      clearTimeout(timer);
      socket.destroy();
      res(why);
    };
    const timer = setTimeout(() => done(null), 5000);
    // TLS 1.3 sends the server's refusal of a client certificate after the handshake: wait a moment.
    socket.once('secureConnect', () => setTimeout(() => done(null), 300));
    socket.once('error', (e: NodeJS.ErrnoException) => {
      const why = `${e.code ?? ''} ${e.message}`;
      done(SETTING_ERRORS.test(why) ? `the TLS handshake failed (${e.message})` : null);
    });
  });
}
