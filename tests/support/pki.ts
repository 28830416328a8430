/**
 * Test certificates with openssl: a CA, and certificates it signs with the extensions a test
 * needs (subjectAltName, extendedKeyUsage). Files `<name>.key` and `<name>.crt` in `dir`.
 */
import { execFileSync } from 'node:child_process';

const ssl = (dir: string, ...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });

/** A self-signed CA: `<name>.key`, `<name>.crt`. */
export function makeCa(dir: string, name: string, subject = `/CN=${name}`): void {
  ssl(
    dir,
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    subject,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
  );
}

/** A key and a certificate signed by `ca` (default `ca`), with `ext` lines (`\n`-separated). */
export function signCert(dir: string, name: string, subject: string, ext: string, ca = 'ca'): void {
  execFileSync('sh', ['-c', `printf '${ext}\\n' > ${name}.ext`], { cwd: dir });
  ssl(
    dir,
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    subject,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  );
  ssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.crt`,
  );
}
