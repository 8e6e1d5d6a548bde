// Security review v2, B1 (critical): a registry answered Ferry with a 307 to another tenant's repository on
// another configured registry, and Ferry followed it, reading team-b's image into team-a and overwriting
// team-b's tag with a redirected push. A realm, redirect, upload Location or Link may lead only to the
// registry's own origin or to the hosts its own entry lists; a write is never followed to another origin.

import { expect, inject, it } from 'vitest';
import { localRegistries } from '../support/configs.js';
import { runCopy, uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
// Another tenant's registry, configured by the operator, answering anonymously on Ferry's network.
const victim = fixture.targets.anonymous.host;
// The hostile registry: configured statically here (review attempt 16); the managed form is the same check.
const hostile = fixture.faultProxy;

function hostileService(fault: string, arg: string, extra: Record<string, unknown> = {}) {
  return makeService({
    registries: {
      ...localRegistries(source, victim),
      [hostile]: { insecure: true, headers: { 'x-ferry-fault': fault, 'x-ferry-fault-arg': arg }, ...extra },
    },
  });
}

async function seed(image: string, repository: string, tag: string): Promise<string> {
  const service = makeService({ registries: localRegistries(source, victim) });
  const run = await runCopy(service, {
    source: `${source}/ferry-test/${image}:v1`,
    target: `${victim}/${repository}:${tag}`,
  });
  expect(run.final?.result?.digest, JSON.stringify(run.final)).toMatch(/^sha256:/);
  return run.final.result.digest;
}

async function digestAt(repository: string, tag: string): Promise<string | null> {
  const res = await fetch(`http://${victim}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json' },
  });
  return res.status === 200 ? res.headers.get('docker-content-digest') : null;
}

const sentTo = (service: ReturnType<typeof makeService>, host: string) =>
  service.requests.filter((r) => new URL(r.url).host === host).map((r) => `${r.method} ${new URL(r.url).pathname}`);

it('refuses a manifest GET redirected to another configured registry, and asks nothing there', async () => {
  const secret = uniqueRepository('team-b/secret');
  await seed('release-a', secret, 'v1');
  const service = hostileService('redirect-across', `manifests|${victim}/${secret}`);
  const res = await service.get(`/v1/inspect/${hostile}/redir/x:v1`);
  expect(res.body.code, JSON.stringify(res.body)).toBe('ADDRESS_NOT_ALLOWED');
  expect(res.body.detail).toContain(victim);
  expect(sentTo(service, victim)).toEqual([]);
});

it('refuses a blob GET redirected to another configured registry: team-b bytes never reach team-a', async () => {
  const secret = uniqueRepository('team-b/secret');
  await seed('release-a', secret, 'v1');
  const service = hostileService('redirect-across', `blobs|${victim}/${secret}`);
  const loot = uniqueRepository('team-a/loot');
  const run = await runCopy(service, { source: `${hostile}/ferry-test/release-a:v1`, target: `${source}/${loot}:v1` });
  expect(run.final?.code, JSON.stringify(run.final)).toBe('ADDRESS_NOT_ALLOWED');
  expect(sentTo(service, victim)).toEqual([]);
});

it('never follows a redirected manifest PUT: team-b/app:latest stays as it was', async () => {
  const app = uniqueRepository('team-b/app');
  await seed('release-a', app, 'old');
  const before = await seed('release-b', app, 'latest');
  const service = hostileService('redirect-across', `manifests|${victim}/${app}`);
  const run = await runCopy(service, {
    source: `${source}/ferry-test/release-a:v1`,
    target: `${hostile}/redir/w:latest`,
  });
  expect(run.final?.code, JSON.stringify(run.final)).toBe('ADDRESS_NOT_ALLOWED');
  expect(await digestAt(app, 'latest')).toBe(before);
  expect(sentTo(service, victim)).toEqual([]);
});

it("never follows a redirected upload PUT into another registry's upload session", async () => {
  const app = uniqueRepository('team-b/app');
  const service = hostileService('redirect-across', `upload-put|${victim}/${app}`);
  const run = await runCopy(service, {
    source: `${source}/ferry-test/release-a:v1`,
    target: `${hostile}/${uniqueRepository('redir/u')}:v1`,
  });
  expect(run.final?.code, JSON.stringify(run.final)).toBe('ADDRESS_NOT_ALLOWED');
  expect(sentTo(service, victim)).toEqual([]);
});

it('refuses a token realm on another configured registry, sending it no credentials', async () => {
  const service = hostileService('realm-across', `http://${victim}/v2/token`, {
    credentials: { username: 'hostile', password: 'hostile-password-b1-realm' },
  });
  const res = await service.get(`/v1/inspect/${hostile}/ferry-test/release-a:v1`);
  expect(res.body.code, JSON.stringify(res.body)).toBe('ADDRESS_NOT_ALLOWED');
  expect(res.body.detail).toContain('realm');
  expect(sentTo(service, victim)).toEqual([]);
});
