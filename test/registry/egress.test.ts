// Address classification and the follow-URL rules (realms, redirects, Link targets).

import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { checkFollowUrl, classifyHostname } from '../../src/registry/egress.js';

const host = (raw: string) => new URL(`https://${raw}`).hostname;

describe('classifyHostname (after WHATWG URL normalisation)', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.1', 'loopback'],
    ['0x7f000001', 'loopback'],
    ['2130706433', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['[::1]', 'loopback'],
    ['[::ffff:127.0.0.1]', 'loopback'],
    ['[::ffff:10.1.2.3]', 'private'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['[fe80::1]', 'link-local'],
    ['[fd00:ec2::254]', 'private'],
    ['0.0.0.0', 'reserved'],
    ['localhost', 'loopback'],
    ['metadata.google.internal', 'private'],
    ['8.8.8.8', 'public'],
    ['[2606:4700::1111]', 'public'],
    ['ghcr.io', 'public'],
  ])('%s is %s', (input, expected) => {
    expect(classifyHostname(host(input))).toBe(expected);
  });
});

describe('checkFollowUrl', () => {
  const config = parseConfig({
    registries: {
      '127.0.0.1:5000': { insecure: true },
      'registry.example.com': { authHosts: ['auth.example.com'], blobHosts: ['*.cdn.example.net'] },
    },
  });
  const local = config.registries.get('127.0.0.1:5000');
  const remote = config.registries.get('registry.example.com');

  it('refuses the registry host on another port (another registry may listen there) unless authHosts lists it', () => {
    expect(() => checkFollowUrl(local, '127.0.0.1:5000', 'http://127.0.0.1:5001/token', 'realm')).toThrowError(
      expect.objectContaining({ code: 'ADDRESS_NOT_ALLOWED' }),
    );
    const beside = parseConfig({ registries: { '127.0.0.1:5000': { insecure: true, authHosts: ['127.0.0.1:5001'] } } });
    const entry = beside.registries.get('127.0.0.1:5000');
    expect(checkFollowUrl(entry, '127.0.0.1:5000', 'http://127.0.0.1:5001/token', 'realm').host).toBe('127.0.0.1:5001');
  });

  it('refuses another configured registry as a realm, a redirect, a location or a link (review v2, B1)', () => {
    for (const kind of ['realm', 'redirect', 'location', 'link'] as const)
      expect(() => checkFollowUrl(remote, 'registry.example.com', 'http://127.0.0.1:5000/v2/x', kind)).toThrowError(
        expect.objectContaining({ code: 'ADDRESS_NOT_ALLOWED' }),
      );
  });

  it('allows configured auth hosts for realms and blob hosts for redirects and uploads', () => {
    expect(checkFollowUrl(remote, 'registry.example.com', 'https://auth.example.com/token', 'realm').hostname).toBe(
      'auth.example.com',
    );
    expect(checkFollowUrl(remote, 'registry.example.com', 'https://eu.cdn.example.net/blob', 'redirect').hostname).toBe(
      'eu.cdn.example.net',
    );
    expect(checkFollowUrl(remote, 'registry.example.com', 'https://eu.cdn.example.net/up', 'location').hostname).toBe(
      'eu.cdn.example.net',
    );
  });

  it('never lets a wildcard match an address (review v2, weak item 6: *.0.0.1 covered 127.0.0.1)', () => {
    const wild = parseConfig({ registries: { 'registry.example.com': { blobHosts: ['*.0.0.1'] } } });
    const entry = wild.registries.get('registry.example.com');
    expect(() => checkFollowUrl(entry, 'registry.example.com', 'https://127.0.0.1/blob', 'redirect')).toThrowError(
      expect.objectContaining({ code: 'ADDRESS_NOT_ALLOWED' }),
    );
  });

  it('knows where Docker Hub sends tokens and blobs', () => {
    expect(checkFollowUrl(undefined, 'registry-1.docker.io', 'https://auth.docker.io/token', 'realm').hostname).toBe(
      'auth.docker.io',
    );
    expect(
      checkFollowUrl(undefined, 'registry-1.docker.io', 'https://production.cloudflare.docker.com/x', 'redirect')
        .hostname,
    ).toBe('production.cloudflare.docker.com');
  });

  it.each([
    ['https://auth.example.com/token', 'redirect', 'ADDRESS_NOT_ALLOWED'],
    ['https://eu.cdn.example.net/token', 'realm', 'ADDRESS_NOT_ALLOWED'],
    ['https://elsewhere.example.org/blob', 'redirect', 'ADDRESS_NOT_ALLOWED'],
    ['http://eu.cdn.example.net/blob', 'redirect', 'INSECURE_NOT_ALLOWED'],
    ['https://169.254.169.254/latest/meta-data', 'redirect', 'ADDRESS_NOT_ALLOWED'],
    ['https://10.0.0.1/token', 'realm', 'ADDRESS_NOT_ALLOWED'],
    ['https://[::ffff:7f00:1]/x', 'location', 'ADDRESS_NOT_ALLOWED'],
    ['https://user:pw@eu.cdn.example.net/', 'redirect', 'ADDRESS_NOT_ALLOWED'],
    ['file:///etc/passwd', 'redirect', 'ADDRESS_NOT_ALLOWED'],
  ] as const)('refuses %s as %s (%s)', (url, kind, code) => {
    expect(() => checkFollowUrl(remote, 'registry.example.com', url, kind)).toThrowError(
      expect.objectContaining({ code }),
    );
  });
});
