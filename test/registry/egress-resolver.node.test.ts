// The Node, Deno and Bun entries give Ferry the system's name lookup (node:dns, hosts file included), which
// the egress check uses for hosts reached only because they are public (test/registry/egress-address-forms.test.ts).

import { expect, it } from 'vitest';
import { resolveHost } from '../../entries/shared.js';
import { classifyAddress } from '../../src/registry/egress.js';

it('the entries resolve names through the system: localhost is a loopback address', async () => {
  const addresses = await resolveHost('localhost');
  expect(addresses.length).toBeGreaterThan(0);
  expect(addresses.every((a) => classifyAddress(a) === 'loopback')).toBe(true);
});

it.each([
  ['127.0.0.1', 'loopback'],
  ['::1', 'loopback'],
  ['::ffff:10.0.0.7', 'private'],
  ['fd12::1', 'private'],
  ['93.184.216.34', 'public'],
])('a resolved address %s is %s', (address, expected) => {
  expect(classifyAddress(address)).toBe(expected);
});
