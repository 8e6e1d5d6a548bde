// Address classification and the follow-URL rules (realms, redirects, Link targets).

import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { checkFollowUrl, classifyHostname } from '../src/registry/egress.js';

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
  const config = parseConfig({ registries: { '127.0.0.1:5000': { insecure: true }, 'registry.example.com': {} } });
  const local = config.registries.get('127.0.0.1:5000');
  const remote = config.registries.get('registry.example.com');

  it('allows the registry host on another port (a token server beside it)', () => {
    expect(checkFollowUrl(config, local, '127.0.0.1:5000', 'http://127.0.0.1:5001/token').host).toBe('127.0.0.1:5001');
  });

  it('allows public https hosts (blob storage, token services)', () => {
    expect(checkFollowUrl(config, remote, 'registry.example.com', 'https://cdn.example.net/blob').hostname).toBe('cdn.example.net');
  });

  it.each([
    ['http://cdn.example.net/blob', 'INSECURE_NOT_ALLOWED'],
    ['https://169.254.169.254/latest/meta-data', 'ADDRESS_NOT_ALLOWED'],
    ['https://10.0.0.1/token', 'ADDRESS_NOT_ALLOWED'],
    ['https://[::ffff:7f00:1]/x', 'ADDRESS_NOT_ALLOWED'],
    ['https://user:pw@cdn.example.net/', 'ADDRESS_NOT_ALLOWED'],
    ['file:///etc/passwd', 'ADDRESS_NOT_ALLOWED'],
  ])('refuses %s from a public registry (%s)', (url, code) => {
    expect(() => checkFollowUrl(config, remote, 'registry.example.com', url)).toThrowError(expect.objectContaining({ code }));
  });
});
