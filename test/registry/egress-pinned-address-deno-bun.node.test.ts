// Security review v2, B2 on Deno and Bun: the address check looked a name up, and the runtime's fetch then
// looked it up again (a rebinding answer could move the connection). Now each entry's fetch connects to the
// checked address and keeps the name for everything else: the Host header, TLS's server name and the
// certificate check (a certificate made by openssl for registry.pinned.test, served on 127.0.0.1).
// No resolver here knows registry.pinned.test: reaching it at all means the checked address was used.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../support/self-signed.js';

const RUNTIMES: [string, string, string[]][] = [
  [
    'deno',
    'node_modules/.bin/deno',
    ['run', '--quiet', '--sloppy-imports', '-A', 'test/support/pinned-fetch-runner.ts'],
  ],
  ['bun', 'node_modules/.bin/bun', ['run', 'test/support/pinned-fetch-runner.ts']],
];

let server: Server;
let port = 0;
let certificate = '';
const seen: { host?: string; sni: string | false | null }[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-pinned-'));
  const made = selfSignedCertificate(dir, 'registry', '/CN=registry.pinned.test', ['DNS:registry.pinned.test']);
  certificate = made.certPath;
  server = createServer({ key: readFileSync(made.keyPath), cert: readFileSync(certificate) }, (req, res) => {
    seen.push({ host: req.headers.host, sni: (req.socket as TLSSocket).servername });
    res.setHeader('docker-distribution-api-version', 'registry/2.0');
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => server.close());

describe.each(RUNTIMES)('on %s', (runtime, binary, args) => {
  it('the connection goes to the checked address, with the name kept for Host, TLS and the certificate; a failed, empty or loopback lookup is refused', async () => {
    const before = seen.length;
    // Run asynchronously: the server answering it lives in this process.
    const run = await promisify(execFile)(binary, [...args, runtime, String(port)], {
      encoding: 'utf8',
      timeout: 60_000,
      // The test certificate is trusted the way each runtime is told to (the system's roots stay).
      env: { ...process.env, DENO_CERT: certificate, NODE_EXTRA_CA_CERTS: certificate, NO_COLOR: '1' },
    });
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!);
    expect(result.pinned, JSON.stringify(result.pinned)).toMatchObject({ status: 200, body: '{}' });
    expect(result.pinned.url).toBe(`https://registry.pinned.test:${port}/v2/?n=1`);
    expect(seen.slice(before)[0]).toEqual({ host: `registry.pinned.test:${port}`, sni: 'registry.pinned.test' });
    // The certificate is checked against the name, not the address: another name on that address fails.
    expect(result.otherName.failed, JSON.stringify(result.otherName)).toBeDefined();
    for (const refused of ['failed', 'empty', 'loopback'])
      expect(result[refused], refused).toMatchObject({ code: 'ADDRESS_NOT_ALLOWED' });
  });
});
