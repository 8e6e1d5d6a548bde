// Security review v2, B2: the address check looked a name up once (a failed lookup counted as public), and
// the socket then looked it up again: a rebinding answer (public for the check, 127.0.0.1 for the socket)
// and a lookup that failed first reached loopback. Now a failed or empty lookup is refused, and on Node the
// connection goes to the very address that was checked (Ferry's fetch gets it as its lookup).
// Both lookups are injected here, no real DNS: Ferry's resolver (the check) and the socket's (dns.lookup).

import dns from 'node:dns';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { nodeFetch } from '../../entries/node-fetch.js';
import { makeService } from '../support/service.js';

const CHECKED = '198.51.100.7';
let hostile: Server;
let port = 0;
let connections = 0;
const originalLookup = dns.lookup;

beforeAll(async () => {
  hostile = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
  port = (hostile.address() as AddressInfo).port;
  // The socket's own lookup: every attacker name is loopback by the time it connects.
  (dns as { lookup: unknown }).lookup = (hostname: string, options: unknown, callback: unknown) => {
    const done = (typeof options === 'function' ? options : callback) as (...args: unknown[]) => void;
    if (!hostname.endsWith('.attacker.test'))
      return (originalLookup as (...a: unknown[]) => void)(hostname, options, callback);
    const all = typeof options === 'object' && (options as { all?: boolean } | null)?.all;
    return all ? done(null, [{ address: '127.0.0.1', family: 4 }]) : done(null, '127.0.0.1', 4);
  };
});
afterAll(() => {
  (dns as { lookup: unknown }).lookup = originalLookup;
  hostile.close();
});

// Ferry's resolver: what its address check sees.
async function resolve(hostname: string): Promise<string[]> {
  if (hostname.startsWith('rebind.')) return [CHECKED];
  if (hostname.startsWith('empty.')) return [];
  throw new Error('SERVFAIL');
}

function service() {
  const built = makeService(
    { registries: {}, allowPublicRegistries: true, upstream: { connectTimeoutSeconds: 1, headersTimeoutSeconds: 2 } },
    { fetch: nodeFetch },
  );
  built.deps.resolveHost = resolve;
  return built;
}

it('a rebinding name connects to the address that was checked, never to the loopback the socket would find', async () => {
  const before = connections;
  const res = await service().get(`/v1/inspect/rebind.attacker.test:${port}/esc/app:v2`);
  expect(res.status, JSON.stringify(res.body)).not.toBe(200);
  expect(connections - before).toBe(0);
  expect(res.body.detail).toContain(CHECKED);
});

it.each(['failopen', 'empty'])('a %s lookup is refused: ADDRESS_NOT_ALLOWED, nothing sent', async (kind) => {
  const before = connections;
  const res = await service().get(`/v1/inspect/${kind}.attacker.test:${port}/esc/app:v2`);
  expect(res.body.code, JSON.stringify(res.body)).toBe('ADDRESS_NOT_ALLOWED');
  expect(connections - before).toBe(0);
});
