// A self-signed P-256 certificate made by openssl, for servers the tests run (a token issuer, a TLS registry).

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { requireBinary } from './binaries.js';

/** `<name>.crt` and `<name>.key` in `dir`, for `subject` (and SANs such as `DNS:registry.example.test`). */
export function selfSignedCertificate(
  dir: string,
  name: string,
  subject: string,
  subjectAltNames: string[] = [],
): { certPath: string; keyPath: string } {
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  const san = subjectAltNames.length ? ['-addext', `subjectAltName=${subjectAltNames.join(',')}`] : [];
  execFileSync(
    requireBinary('openssl'),
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2'].concat([
      '-subj',
      subject,
      ...san,
      '-keyout',
      keyPath,
      '-out',
      certPath,
    ]),
    { stdio: 'ignore' },
  );
  return { certPath, keyPath };
}
