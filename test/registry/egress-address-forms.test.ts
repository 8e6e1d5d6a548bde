// Security review B17: IPv6 forms that carry or reach private and loopback addresses counted as public,
// and names that resolve to private addresses were never checked. Now every such form is classified by
// what it reaches, and where the runtime can resolve names (Node, Deno, Bun), a host Ferry reaches only
// because it is public is refused when it resolves to a private address.

import { describe, expect, inject, it } from 'vitest';
import { classifyHostname } from '../../src/registry/egress.js';
import { loopbackOnlyFetch, makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const host = (raw: string) => new URL(`https://${raw}`).hostname;

describe('IPv6 forms are classified by the address they reach', () => {
  it.each([
    ['[::7f00:1]', 'loopback'], // IPv4-compatible 127.0.0.1
    ['[::127.0.0.1]', 'loopback'],
    ['[::169.254.169.254]', 'link-local'],
    ['[::ffff:0:7f00:1]', 'loopback'], // SIIT
    ['[::ffff:0:a9fe:a9fe]', 'link-local'],
    ['[64:ff9b::7f00:1]', 'loopback'], // NAT64
    ['[64:ff9b:1::a00:1]', 'private'],
    ['[2002:a9fe:a9fe::]', 'link-local'], // 6to4
    ['[2002:7f00:1::1]', 'loopback'],
    ['[2002:808:808::1]', 'public'],
    ['[2001:0:4136:e378:8000:63bf:3fff:fdd2]', 'reserved'], // Teredo
    ['[fec0::1]', 'private'], // site-local
    ['[100::1]', 'reserved'], // discard
    ['[2001:db8::1]', 'reserved'],
    ['[2606:4700::1111]', 'public'],
  ])('%s is %s', (input, expected) => {
    expect(classifyHostname(host(input))).toBe(expected);
  });
});

describe('names that resolve to private addresses', () => {
  const resolving = (answers: Record<string, string[]>) => async (name: string) => answers[name] ?? ['93.184.216.34'];

  it('an unconfigured public name resolving to loopback is refused before any request', async () => {
    const refused: string[] = [];
    const service = makeService({ registries: {}, allowPublicRegistries: true }, { fetch: loopbackOnlyFetch(refused) });
    service.deps.resolveHost = resolving({
      '127.0.0.1.nip.io': ['127.0.0.1'],
      'rebind.example.com': ['93.184.216.34', '10.0.0.5'],
    });
    for (const name of ['127.0.0.1.nip.io', 'rebind.example.com']) {
      const res = await service.get(`/v1/inspect/${name}/team/app:1`);
      expect(res.body.code).toBe('ADDRESS_NOT_ALLOWED');
      expect(res.body.detail).toContain('resolves to');
    }
    expect(service.requests).toEqual([]);
    expect(refused).toEqual([]);
  });

  it("a registry the operator configured by name is the operator's choice: not looked up", async () => {
    const registry = fixture.registries.anonymous.host.replace('127.0.0.1', 'localhost');
    const service = makeService({ registries: localRegistries(registry) });
    const looked: string[] = [];
    service.deps.resolveHost = async (name) => (looked.push(name), ['127.0.0.1']);
    const res = await service.get(`/v1/inspect/${registry}/ferry-test/v2s2:v1`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(looked).toEqual([]);
  });
});
