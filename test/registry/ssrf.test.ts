// Ferry refuses to be pointed at forbidden addresses: loopback spellings, private ranges, metadata IPs,
// token realms, redirects and upload locations elsewhere. Cases about addresses outside 127.0.0.0/8 run
// with a fetch that cannot leave the machine; loopback spellings aim at a real socket that must stay silent.

import { describe, expect, inject, it } from 'vitest';
import { runCopy } from '../support/copying.js';
import { loopbackOnlyFetch, makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const canaryHits = async (): Promise<number> => (await (await fetch(`http://${fixture.canary.report}/`)).json()).hits;

describe('registry addresses', () => {
  it.each([
    `[::ffff:127.0.0.1]:${fixture.canary.port}`,
    `0x7f000001:${fixture.canary.port}`,
    `127.1:${fixture.canary.port}`,
    `2130706433:${fixture.canary.port}`,
    `localhost:${fixture.canary.port}`,
  ])('%s: a loopback spelling is refused, and the listening socket hears nothing', async (host) => {
    const before = await canaryHits();
    const service = makeService({ registries: {}, allowPublicRegistries: true });
    const res = await service.get(`/v1/inspect/${host}/team/app:1`);
    expect(res.body.code).toBe('ADDRESS_NOT_ALLOWED');
    expect(service.requests).toEqual([]);
    expect(await canaryHits()).toBe(before);
  });

  it.each(['169.254.169.254', '10.0.0.1:5000', '[fd00:ec2::254]', 'metadata.google.internal'])(
    'a copy target of %s is refused before any request',
    async (host) => {
      const refused: string[] = [];
      const service = makeService(
        { registries: localRegistries(fixture.registries.anonymous.host), allowPublicRegistries: true },
        { fetch: loopbackOnlyFetch(refused) },
      );
      const run = await runCopy(
        service,
        { source: `${fixture.registries.anonymous.host}/ferry-test/v2s2:v1`, target: `${host}/stolen/app:v1` },
        'application/json',
      );
      expect(run.final.code).toBe('ADDRESS_NOT_ALLOWED');
      expect(refused).toEqual([]);
    },
  );
});

describe('URLs a registry hands out', () => {
  const viaProxy = (fault: string) => ({
    registries: { [fixture.faultProxy]: { insecure: true, headers: { 'x-ferry-fault': fault } } },
  });

  it('a token realm on a private address is refused', async () => {
    const refused: string[] = [];
    const service = makeService(viaProxy('private-realm'), { fetch: loopbackOnlyFetch(refused) });
    const res = await service.get(`/v1/inspect/${fixture.faultProxy}/ferry-test/v2s2:v1`);
    expect(res.body.code).toBe('ADDRESS_NOT_ALLOWED');
    expect(res.body.detail).toContain('10.0.0.1');
    expect(refused).toEqual([]);
  });

  it('a blob redirect to a private address is refused', async () => {
    const refused: string[] = [];
    const service = makeService(viaProxy('redirect-private'), { fetch: loopbackOnlyFetch(refused) });
    const res = await service.get(`/v1/inspect/${fixture.faultProxy}/ferry-test/v2s2:v1`);
    expect(res.body.code).toBe('ADDRESS_NOT_ALLOWED');
    expect(refused).toEqual([]);
  });

  it('an upload Location on another host is refused, and that host hears nothing', async () => {
    const log = async () => (await (await fetch(`http://${fixture.blobStorage}/__log`)).json()) as { path: string }[];
    const before = (await log()).length;
    const service = makeService({
      registries: {
        [fixture.registries.anonymous.host]: { insecure: true },
        [fixture.faultProxy]: { insecure: true, headers: { 'x-ferry-fault': 'foreign-location' } },
      },
    });
    const run = await runCopy(service, {
      source: `${fixture.registries.anonymous.host}/ferry-test/v2s2:v1`,
      target: `${fixture.faultProxy}/elsewhere/app:v1`,
    });
    expect(run.final).toMatchObject({ type: 'error', code: 'ADDRESS_NOT_ALLOWED' });
    expect(run.final.blob).toMatch(/^sha256:/);
    expect((await log()).length).toBe(before);
    expect(service.requests.some((r) => new URL(r.url).host === fixture.blobStorage)).toBe(false);
  });
});
