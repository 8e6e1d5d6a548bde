// The web console as the server renders it: the same grants as the API, sign-in with an API key into a
// signed, HttpOnly, SameSite=Strict session cookie (never the key), CSRF tokens on forms, a CSP with
// nothing inline, and pages whose digests are the registry's (checked against skopeo's view).

import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { expect, inject, it } from 'vitest';
import type { FetchLike } from '../../../src/deps.js';
import { computeDigest } from '../../../src/registry/digest.js';
import { judge, uniqueRepository, waitForJob } from '../../support/copying.js';
import { pushReferrer, pushSignatureTag } from '../../support/cosign-signing.js';
import { loopbackOnlyFetch, makeService } from '../../support/service.js';
import { makeState } from '@test-runtime';
import { localRegistries } from '../../support/configs.js';
import { cookieValue, signIn, visit } from '../../support/console-session.js';

const fixture = inject('fixture');
const host = fixture.registries.anonymous.host;
const other = fixture.targets.anonymous.host;
const SECRET = 'console-session-secret-0123456789abcdef';
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const hash = async (k: string) => (await computeDigest(new TextEncoder().encode(k))).slice(7);

async function signedInService(state = makeState(), keys = ['reader-key', 'narrow-key']) {
  const all = [
    { name: 'reader', sha256: await hash('reader-key') },
    { name: 'narrow', sha256: await hash('narrow-key') },
  ].filter((k) => keys.includes(`${k.name}-key`));
  return makeService(
    {
      registries: localRegistries(host, other),
      console: { sessionSecret: { secret: 'CONSOLE_SECRET' } },
      callers: {
        apiKeys: all,
        grants: [
          { apiKey: 'reader', actions: ['inspect'], repositories: [`${host}/**`, `${other}/**`] },
          { apiKey: 'narrow', actions: ['inspect'], repositories: [`${host}/ferry-test/release-*`] },
        ].filter((g) => all.some((k) => k.name === g.apiKey)),
      },
    },
    { secrets: { CONSOLE_SECRET: SECRET }, state },
  );
}

type Service = Awaited<ReturnType<typeof signedInService>>;

it('anonymous mode: the image page shows the platforms and layers skopeo sees, under a CSP with nothing inline', async () => {
  const service = makeService({ registries: localRegistries(host) });
  const view = fixture.skopeo.anonymous.multiarch!;
  const page = await visit(service, `/console/image/${host}/ferry-test/multiarch:v1`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toBe(CSP);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  const children = (
    JSON.parse(Buffer.from(view.raw, 'base64').toString()) as { manifests: { digest: string }[] }
  ).manifests.map((m) => m.digest);
  const shown = [...page.html.matchAll(/<a class="digest" href="[^"]*">(sha256:[0-9a-f]{64})<\/a>/g)].map((m) => m[1]);
  expect(shown).toEqual(children);
  expect(page.html).not.toMatch(/<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=/i);
  const amd = Object.values(view.images).find((i) => i.summary.Architecture === 'amd64')!;
  const layers = await visit(service, `/console/image/${host}/ferry-test/multiarch:v1?platform=linux/amd64`);
  expect([...layers.html.matchAll(/<code class="digest">(sha256:[0-9a-f]{64})<\/code>/g)].map((m) => m[1])).toEqual(
    amd.summary.Layers,
  );
  expect(layers.html).toContain('&quot;/bin/ferry-test&quot;');
  const compare = await visit(
    service,
    `/console/compare?from=${host}/ferry-test/release-a:v1&to=${host}/ferry-test/release-b:v1`,
  );
  expect(compare.html).toContain('<li class="added">+ linux/s390x</li>');
  expect(compare.html).toContain('<li class="removed">− linux/arm64/v8</li>');
  expect(compare.html).toContain('~ label version: 1 → 2');
});

it('sign-in: a CSRF-checked form, a signed HttpOnly SameSite=Strict session that never holds the key, sign-out, revocation', async () => {
  const state = makeState();
  const service = await signedInService(state);
  const away = await visit(service, '/console/registries');
  expect([away.status, away.headers.get('location')]).toEqual([303, '/console/sign-in']);
  const form = await visit(service, '/console/sign-in');
  const csrfCookie = form.cookies.find((c) => c.startsWith('ferry_csrf='))!;
  expect(csrfCookie).toMatch(/; Path=\/console; HttpOnly; SameSite=Strict; Max-Age=28800$/); // plain-http loopback: no Secure
  const csrf = cookieValue(form.cookies, 'ferry_csrf')!;
  expect(form.html).toContain(`<input type="hidden" name="csrf" value="${csrf}"/>`);
  expect(form.html).toMatch(/<label for="api-key">API key<\/label><input id="api-key"/);
  // Another site can post the form, but not with the cookie's token.
  expect((await visit(service, '/console/sign-in', { form: { csrf, apiKey: 'reader-key' } })).status).toBe(403);
  expect(
    (
      await visit(service, '/console/sign-in', {
        cookie: `ferry_csrf=${csrf}`,
        form: { csrf: 'x'.repeat(43), apiKey: 'reader-key' },
      })
    ).status,
  ).toBe(403);
  const wrong = await visit(service, '/console/sign-in', {
    cookie: `ferry_csrf=${csrf}`,
    form: { csrf, apiKey: 'not-a-key' },
  });
  expect([wrong.status, wrong.html.includes('Unknown or revoked API key.')]).toEqual([401, true]);

  const signed = await visit(service, '/console/sign-in', {
    cookie: `ferry_csrf=${csrf}`,
    form: { csrf, apiKey: 'reader-key' },
  });
  const session = signed.cookies.find((c) => c.startsWith('ferry_session='))!;
  expect(session).toMatch(
    /^ferry_session=[\w-]{43}\.[\w-]{43}; Path=\/console; HttpOnly; SameSite=Strict; Max-Age=28800$/,
  );
  expect(session).not.toContain('reader-key');
  const bound = cookieValue(signed.cookies, 'ferry_csrf')!;
  expect(bound).not.toBe(csrf);
  const jar = `ferry_csrf=${bound}; ${session.split(';')[0]}`;
  const registries = await visit(service, '/console/registries', { cookie: jar });
  expect(registries.status).toBe(200);
  expect(registries.html).toContain('API key reader');
  // A forged signature is no session.
  const forged = jar.replace(/\.[\w-]{43}$/, `.${'A'.repeat(43)}`);
  expect((await visit(service, '/console/registries', { cookie: forged })).status).toBe(303);

  // Removing the key from the configuration ends its sessions (same store, new configuration).
  const without = await signedInService(state, ['narrow-key']);
  expect((await visit(without, '/console/registries', { cookie: jar })).headers.get('location')).toBe(
    '/console/sign-in',
  );

  // The pre-sign-in token no longer signs the session's forms out; the session's own does.
  expect((await visit(service, '/console/sign-out', { cookie: jar, form: { csrf } })).status).toBe(403);
  expect((await visit(service, '/console/sign-out', { cookie: jar, form: { csrf: bound } })).status).toBe(303);
  expect((await visit(service, '/console/registries', { cookie: jar })).status).toBe(303);
});

it('nothing a caller may not see is rendered: registries filtered by grants, refused pages say which grant is missing', async () => {
  const service = await signedInService();
  const narrow = await signIn(service, 'narrow-key');
  const registries = await visit(service, '/console/registries', { cookie: narrow });
  expect(registries.html).toContain(`>${host}</a>`);
  expect(registries.html).not.toContain(`>${other}</a>`);
  // The catalog: only what the grants cover, though the registry lists other teams' repositories too.
  const catalog = await visit(service, `/console/catalog/${host}?last=ferry-test/release-`, { cookie: narrow });
  const listed = [...catalog.html.matchAll(/<a href="\/console\/tags\/[^"]*">([^<]+)<\/a>/g)].map((m) => m[1]);
  expect(listed.slice(0, 2)).toEqual(['ferry-test/release-a', 'ferry-test/release-b']);
  expect(listed.every((r) => /^ferry-test\/release-[^/]*$/.test(r!))).toBe(true);
  const reader = await signIn(service, 'reader-key');
  const wide = await visit(service, `/console/catalog/${host}?last=ferry-test/m`, { cookie: reader });
  expect(wide.html).toContain('>ferry-test/multiarch</a>');
  // A registry the caller has no grant in is not even asked.
  const before = service.requests.length;
  const elsewhere = await visit(service, `/console/catalog/${other}`, { cookie: narrow });
  expect(elsewhere.status).toBe(403);
  expect(service.requests.slice(before).filter((r) => r.url.includes(other))).toEqual([]);
  const refused = await visit(service, `/console/image/${host}/ferry-test/multiarch:v1`, { cookie: narrow });
  expect(refused.status).toBe(403);
  expect(refused.html).toContain('<strong>FORBIDDEN</strong>');
  expect(refused.html).not.toContain(fixture.skopeo.anonymous.multiarch!.digest);
  const compare = await visit(
    service,
    `/console/compare?from=${host}/ferry-test/release-a:v1&to=${host}/ferry-test/multiarch:v1`,
    { cookie: narrow },
  );
  expect(compare.status).toBe(403);
  const allowed = await visit(service, `/console/image/${host}/ferry-test/release-a:v1`, { cookie: narrow });
  expect(allowed.status).toBe(200);
  expect(allowed.html).toContain(fixture.skopeo.anonymous['release-a']!.digest);
});

it('the copy form runs a job whose page follows it to its end (live over server-sent events); a forged form is refused', async () => {
  const service = makeService({ registries: localRegistries(host, other, fixture.emptyRegistry) }, { jobs: true });
  const form = await visit(service, '/console/copy');
  expect(form.html).toMatch(/<label for="source">Source<\/label><input id="source"/);
  const csrf = cookieValue(form.cookies, 'ferry_csrf')!;
  const target = `${other}/${uniqueRepository('console/copy')}`;
  const fields = {
    csrf,
    source: `${host}/ferry-test/multiarch:v1`,
    target: `${target}:v1`,
    platforms: '',
    tags: 'stable',
  };
  expect((await visit(service, '/console/copy', { form: fields })).status).toBe(403);
  const submitted = await visit(service, '/console/copy', { cookie: `ferry_csrf=${csrf}`, form: fields });
  expect(submitted.status, submitted.html).toBe(303);
  const id = submitted.headers.get('location')!.split('/').at(-1)!;
  const events = await service.app.request(`http://localhost/console/jobs/${id}/events`);
  expect(events.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  const stream = await events.text();
  expect(stream).toMatch(/^event: job\ndata: \{"state":"(queued|running|done)"/);
  expect(stream.trimEnd().split('\n\n').at(-1)).toMatch(
    /^event: job\ndata: \{"state":"done","progress":"(\d+)\/\1 blobs, [\d.]+ (B|KiB) of [\d.]+ (B|KiB)","active":\[\],"bar":/,
  );
  expect((await waitForJob(service, id, {}, 30)).state).toBe('done');
  const page = await visit(service, `/console/jobs/${id}`, { cookie: `ferry_csrf=${csrf}` });
  expect(page.html).toContain(`<dd id="job-state">done</dd>`);
  expect(page.html).toContain(`tagged v1, stable`);
  expect(page.html).not.toContain('Cancel job');
  expect(page.html).toContain('<dt>Runs</dt><dd>1</dd>');
  // A source tag that is not there is refused with the form, before any job (user-experience review v2, 6).
  const missing = await visit(service, '/console/copy', {
    cookie: `ferry_csrf=${csrf}`,
    form: { ...fields, source: `${host}/ferry-test/multiarch:no-such-tag` },
  });
  expect(missing.status).toBe(404);
  expect(missing.html).toContain(`value="${host}/ferry-test/multiarch:no-such-tag"`);
  // A job that fails (a layer the source registry lost): its page gives the error's code and message.
  const broken = fixture.brokenImage;
  const failing = await visit(service, '/console/copy', {
    cookie: `ferry_csrf=${csrf}`,
    form: { ...fields, source: `${fixture.emptyRegistry}/${broken.repository}:${broken.tag}` },
  });
  const failedId = failing.headers.get('location')!.split('/').at(-1)!;
  const failed = await waitForJob(service, failedId, {}, 30);
  expect(failed.state).toBe('failed');
  const failedPage = await visit(service, `/console/jobs/${failedId}`);
  expect(failedPage.html).toContain(`<strong>${failed.error.code}</strong>: ${failed.error.message}`);
  expect((await judge(fixture.judge, 'raw', `${target}:stable`)).raw).toBe(fixture.skopeo.anonymous.multiarch!.raw);
  const jobs = await visit(service, '/console/jobs', { cookie: `ferry_csrf=${csrf}` });
  expect(jobs.html).toContain(`<a href="/console/jobs/${id}">${id}</a>`);
  // Cancelling a finished job is refused, with the reason.
  const late = await visit(service, `/console/jobs/${id}/cancel`, { cookie: `ferry_csrf=${csrf}`, form: { csrf } });
  expect([late.status, late.html.includes('<strong>CONFLICT</strong>')]).toEqual([409, true]);
});

it('a signed-in key without the copy grant sees the copy refused, naming the grant', async () => {
  const service = await signedInService();
  const jar = await signIn(service, 'reader-key');
  const csrf = /ferry_csrf=([\w-]+)/.exec(jar)![1]!;
  const refused = await visit(service, '/console/copy', {
    cookie: jar,
    form: { csrf, source: `${host}/ferry-test/v2s2:v1`, target: `${other}/console/never:v1` },
  });
  expect(refused.status).toBe(403);
  expect(refused.html).toContain(`<strong>FORBIDDEN</strong>: caller key:reader has no &quot;copy&quot; grant`);
});

it('rules you may use with a dry-run plan; the audit log with filters, for admins only', async () => {
  const staging = `${other}/${uniqueRepository('console/stage')}`;
  const prod = `${other}/${uniqueRepository('console/prod')}`;
  const service = makeService({
    registries: localRegistries(host, other),
    promotion: {
      rules: [
        {
          name: 'to-prod',
          source: { repository: staging, tags: { regex: '^v' } },
          targets: [{ repository: prod, tags: ['{tag}'] }],
        },
      ],
    },
  });
  const copied = await service.app.request('/v1/copy', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ source: `${host}/ferry-test/v2s2:v1`, target: `${staging}:v3` }),
  });
  expect(copied.status).toBe(200);
  const rules = await visit(service, '/console/rules');
  expect(rules.html).toContain('to-prod');
  expect(rules.html).toMatch(/<label for="source-to-prod">Source image<\/label><input id="source-to-prod"/);
  const plan = await visit(service, `/console/rules/to-prod/plan?source=${encodeURIComponent(`${staging}:v3`)}`);
  expect(plan.status, plan.html).toBe(200);
  expect(plan.html).toMatch(
    new RegExp(`<tr class="create"><td><code>${prod.replace(/[.]/g, '\\.')}</code></td><td>v3</td><td>create</td>`),
  );
  expect((await judge(fixture.judge, 'raw', `${prod}:v3`)).ok).toBe(false); // a dry run writes nothing
  const mismatch = await visit(
    service,
    `/console/rules/to-prod/plan?source=${encodeURIComponent(`${host}/ferry-test/v2s2:v1`)}`,
  );
  expect([mismatch.status, mismatch.html.includes('<strong>RULE_MISMATCH</strong>')]).toEqual([422, true]);
  const audit = await visit(service, '/console/audit?action=copy');
  expect(audit.html).toContain(
    `<td>copy</td><td><code>${host}/ferry-test/v2s2:v1@${fixture.skopeo.anonymous.v2s2!.digest} → ${staging}</code></td><td>ok</td>`,
  );
  expect((await visit(service, '/console/audit?action=rule.put')).html).not.toContain(staging);
  // Not an admin: no audit page.
  const signed = await signedInService();
  const jar = await signIn(signed, 'narrow-key');
  const refused = await visit(signed, '/console/audit', { cookie: jar });
  expect([refused.status, refused.html.includes('<strong>FORBIDDEN</strong>')]).toEqual([403, true]);
});

it('the sign-in form is read as API bodies are: bounded (open to anyone), and a bad path is a 400, not a crash', async () => {
  const service = await signedInService();
  const huge = await service.app.request('http://localhost/console/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `apiKey=${'a'.repeat(1024 * 1024)}`,
  });
  expect([huge.status, ((await huge.json()) as { code: string }).code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
  const anonymous = makeService({ registries: localRegistries(host) });
  const bad = await anonymous.app.request(`http://localhost/console/image/${host}/ferry-test/multiarch:%E0`);
  expect(bad.status).toBe(400);
});

it('behind Cloudflare Access: a verified assertion is the caller its claims grant; forged, foreign, expired or unconfigured ones are not', async () => {
  // A fake of the team's certs endpoint (Cloudflare's documented shape: RS256 JWKs under `keys`), so
  // nothing leaves the machine; Access's application token carries iss, aud [AUD tag], email, sub, iat, exp.
  const team = 'https://acme.cloudflareaccess.com';
  const aud = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9';
  const access = await generateKeyPair('RS256', { extractable: true });
  const stranger = await generateKeyPair('RS256', { extractable: true });
  const certsAsked: string[] = [];
  const fetchWithAccess: FetchLike = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.startsWith(team)) {
      certsAsked.push(url);
      const jwk = { ...(await exportJWK(access.publicKey)), kid: 'access-1', alg: 'RS256', use: 'sig' };
      return url === `${team}/cdn-cgi/access/certs`
        ? Response.json({ keys: [jwk] })
        : new Response('not found', { status: 404 });
    }
    return fetch(input, init);
  };
  const oidc = [
    {
      issuer: team,
      jwksUri: `${team}/cdn-cgi/access/certs`,
      audience: aud,
      algorithms: ['RS256'],
      maxTokenAgeSeconds: 86_400,
    },
  ];
  const callers = {
    oidc,
    grants: [
      {
        issuer: team,
        claims: { email: 'dev@acme.example' },
        actions: ['inspect'],
        repositories: [`${host}/ferry-test/release-*`],
      },
    ],
  };
  const service = makeService(
    { registries: localRegistries(host), console: { cloudflareAccess: { issuer: team } }, callers },
    { fetch: fetchWithAccess },
  );
  const token = (
    claims: Record<string, unknown>,
    key = access.privateKey,
    audience: string = aud,
    expires: string | number = '1h',
  ) =>
    new SignJWT({ email: 'dev@acme.example', type: 'app', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'access-1' })
      .setIssuer(team)
      .setAudience([audience])
      .setSubject('7335d417-61da-459d-899c-0a01c76a2f94')
      .setIssuedAt()
      .setExpirationTime(expires)
      .sign(key);
  const open = async (path: string, assertion?: string) => {
    const res = await service.app.request(`http://localhost${path}`, {
      redirect: 'manual',
      headers: assertion ? { 'cf-access-jwt-assertion': assertion } : {},
    });
    return { status: res.status, html: await res.text(), location: res.headers.get('location') };
  };
  const granted = `/console/image/${host}/ferry-test/release-a:v1`;

  const ok = await open(granted, await token({}));
  expect(ok.status, ok.html).toBe(200);
  expect(ok.html).toContain('dev@acme.example');
  expect(ok.html).toContain('linux/amd64');
  expect(certsAsked).toEqual([`${team}/cdn-cgi/access/certs`]);
  // Its claims grant release-* only: another repository is refused, naming the grant.
  const other = await open(`/console/image/${host}/ferry-test/multiarch:v1`, await token({}));
  expect(other.status).toBe(403);
  expect(other.html).toContain('inspect');
  // Someone else's email: signed by Access, but no grant.
  expect((await open(granted, await token({ email: 'intruder@elsewhere.example' }))).status).toBe(403);

  // Forged (another key), another application's audience, expired: each refused with why, nothing rendered.
  for (const [assertion, why] of [
    [await token({}, stranger.privateKey), 'signature'],
    [await token({}, access.privateKey, 'another-application'), 'aud'],
    [await token({}, access.privateKey, aud, Math.floor(Date.now() / 1000) - 600), 'expired'],
    ['eyJhbGciOiJub25lIn0.eyJlbWFpbCI6ImRldkBhY21lLmV4YW1wbGUifQ.', 'rejected'],
  ] as const) {
    const refused = await open(granted, assertion);
    expect(refused.status, why).toBe(401);
    expect(refused.html).toContain(why);
    expect(refused.html).not.toContain('linux/amd64');
  }

  // Without Access configured, the header is just a header anyone can send: it is never read.
  const plain = makeService(
    { registries: localRegistries(host), console: { sessionSecret: { secret: 'CONSOLE_SECRET' } }, callers },
    { fetch: fetchWithAccess, secrets: { CONSOLE_SECRET: SECRET } },
  );
  const ignored = await plain.app.request(`http://localhost${granted}`, {
    redirect: 'manual',
    headers: { 'cf-access-jwt-assertion': await token({}) },
  });
  expect(ignored.status).toBe(303);
  expect(ignored.headers.get('location')).toBe('/console/sign-in');
  expect(certsAsked).toHaveLength(1);

  // The configuration must name an issuer it verifies.
  expect(() =>
    makeService({ console: { cloudflareAccess: { issuer: 'https://other.cloudflareaccess.com' } }, callers }),
  ).toThrow(/console\.cloudflareAccess\.issuer/);
});

it('the image page: history with empty steps marked, the user, referrers grouped by kind, a raw manifest whose digests are links; tags with digests and age', async () => {
  const service = makeService({ registries: localRegistries(host) });
  const repository = uniqueRepository('ferry-test/console-image');
  const copied = await service.app.request('http://localhost/v1/copy', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ source: `${host}/ferry-test/release-a:v1`, target: `${host}/${repository}:v1` }),
  });
  expect(copied.status, await copied.clone().text()).toBe(200);
  const view = fixture.skopeo.anonymous['release-a']!;
  const subject = {
    digest: view.digest,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    size: Buffer.from(view.raw, 'base64').byteLength,
  };
  const json = (text: string) => ({ mediaType: 'application/json', bytes: new TextEncoder().encode(text) });
  await pushSignatureTag(host, repository, view.digest, [{ payload: new TextEncoder().encode('{}'), annotations: {} }]);
  await pushReferrer(host, repository, subject, 'application/spdx+json', json('{"spdxVersion":"SPDX-2.3"}'));
  await pushReferrer(host, repository, subject, 'application/vnd.in-toto+json', json('{}'));
  await pushReferrer(host, repository, subject, 'application/vnd.ferry.promotion.v1+json', json('{}'));

  const page = await visit(service, `/console/image/${host}/${repository}:v1`);
  expect(page.status, page.html).toBe(200);
  expect(page.headers.get('server-timing')).toMatch(/^render;dur=\d+(\.\d)?$/);
  const counts = Object.fromEntries(
    [...page.html.matchAll(/data-kind="(\w+)"><caption>[^(]*\((\d+)\)/g)].map((m) => [m[1], Number(m[2])]),
  );
  expect(counts).toEqual({ unverified: 1, sboms: 1, attestations: 1, promotions: 1 });
  expect(page.html).toContain(`tag ${view.digest.replace(':', '-')}.sig`);
  expect(page.html).toContain(`data-copy="${host}/${repository}:v1@${view.digest}"`);

  // One platform's image: its history, as the config has it, beside the layers.
  const amd = Object.values(view.images).find((i) => i.summary.Architecture === 'amd64')!;
  const image = await visit(service, `/console/image/${host}/${repository}:v1?platform=linux/amd64`);
  const history = (amd.config.history ?? []) as { created_by?: string; empty_layer?: boolean }[];
  const rows = [
    ...image.html.matchAll(/<tr( class="empty-layer")?><td>\d+<\/td><td>[^<]*<\/td><td><code>([^<]*)<\/code>/g),
  ];
  expect(rows.map((r) => [r[2]!.replace(/&quot;/g, '"'), !!r[1]])).toEqual(
    history.map((h) => [h.created_by ?? '', h.empty_layer === true]),
  );
  expect(history.some((h) => h.empty_layer)).toBe(true);
  expect(image.html).toContain('<dt>Created</dt><dd>2026-01-02T03:04:05Z</dd>');
  const rich = await visit(service, `/console/image/${host}/ferry-test/multiarch:v1?platform=linux/amd64`);
  expect(rich.html).toContain('<dt>User</dt><dd>ferry</dd>');

  // The raw manifest: formatted, every digest in it a link (children to their manifests).
  const raw = await visit(service, `/console/manifest/${host}/${repository}:v1`);
  expect(raw.status).toBe(200);
  const digests = new Set(
    [
      ...Buffer.from(view.raw, 'base64')
        .toString()
        .matchAll(/sha256:[0-9a-f]{64}/g),
    ].map((m) => m[0]),
  );
  const links = [...raw.html.matchAll(/<a href="([^"]*)">(sha256:[0-9a-f]{64})<\/a>/g)];
  expect(
    links.every(
      ([, href, digest]) => decodeURIComponent(href!) === `/console/manifest/${host}/${repository}@${digest}`,
    ),
  ).toBe(true);
  const linked = new Set(links.map((m) => m[2]));
  expect(linked).toEqual(digests);
  const child = await visit(service, `/console/manifest/${host}/${repository}@${[...digests][0]}`);
  const childDigests = [...new Set([...child.html.matchAll(/sha256:[0-9a-f]{64}/g)].map((m) => m[0]))].filter(
    (d) => d !== [...digests][0],
  );
  expect(childDigests.length).toBeGreaterThan(1);
  for (const d of childDigests)
    expect(child.html).toMatch(new RegExp(`<a href="/console/image/[^"]*#(config|layer-${d.slice(7)})">${d}</a>`));

  // The tags page: each tag's digest (as skopeo resolves it), kind and age.
  const tags = await visit(service, `/console/tags/${host}/ferry-test/release-a`);
  expect(tags.html).toMatch(
    new RegExp(`<a href="[^"]*release-a%3Av1">v1</a></td><td><code class="digest" title="${view.digest}">`),
  );
  expect(tags.html).toContain('index, 2 platforms');
  expect(tags.html).toMatch(
    /<time datetime="2026-01-02T03:04:05Z">\d+ (day|month|year)s? ago<\/time>|<td><\/td><\/tr>/,
  );
});

it('a running copy job names the blobs moving and their bytes; its page draws a bar for each', async () => {
  // A source served at 512 KiB/s: its 3 MiB layer takes seconds, long enough to be seen mid-blob.
  const slow = {
    insecure: true,
    headers: { 'x-ferry-fault': 'slow-blob-get', 'x-ferry-fault-arg': String(512 * 1024) },
  };
  const service = makeService(
    { registries: { [fixture.faultProxy]: slow, [other]: { insecure: true } } },
    { jobs: true },
  );
  const target = `${other}/${uniqueRepository('console/progress')}:v1`;
  const submitted = await service.app.request('http://localhost/v1/copy', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      source: `${fixture.faultProxy}/ferry-test/large:v1`,
      target,
      platforms: ['linux/amd64'],
      wait: false,
    }),
  });
  expect(submitted.status, await submitted.clone().text()).toBe(202);
  const { id } = (await submitted.json()) as { id: string };
  let seen: { blob: string; size: number; bytes: number } | undefined;
  let progress: { bytesDone?: number; bytesTotal?: number } = {};
  for (let i = 0; i < 100 && !seen; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const job = (await (await service.app.request(`http://localhost/v1/jobs/${id}`)).json()) as {
      progress: { active?: { blob: string; size: number; bytes: number }[]; bytesDone?: number; bytesTotal?: number };
    };
    seen = job.progress.active?.find((a) => a.bytes > 0 && a.bytes < a.size);
    progress = job.progress;
  }
  expect(seen, 'a blob part-way through').toBeDefined();
  expect(seen!.blob).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(progress.bytesTotal).toBeGreaterThanOrEqual(seen!.size);
  expect(progress.bytesDone).toBeGreaterThanOrEqual(seen!.bytes);
  const page = await visit(service, `/console/jobs/${id}`);
  expect(page.html).toMatch(
    /<ul id="job-blobs" aria-label="Blobs moving now"><li><progress max="\d+" value="\d+" aria-label="blob sha256:[0-9a-f]{64}"><\/progress> <code>sha256:[0-9a-f]{12}… [\d.]+ (B|KiB|MiB) of [\d.]+ (KiB|MiB)<\/code><\/li>/,
  );
  const cancelled = await service.app.request(`http://localhost/v1/jobs/${id}`, { method: 'DELETE' });
  expect(((await cancelled.json()) as { state: string }).state).toBe('cancelled');
}, 60_000);

it('a catalog page whose Link leads elsewhere is refused as every upstream URL is; nothing is sent there', async () => {
  for (const [link, code] of [
    ['http://10.0.0.1/v2/_catalog?last=x&n=100', 'ADDRESS_NOT_ALLOWED'],
    // Another configured registry is no exception (review v2, B1).
    [`http://${other}/v2/_catalog?last=x&n=100`, 'ADDRESS_NOT_ALLOWED'],
  ] as const) {
    const refused: string[] = [];
    const registries = {
      [fixture.faultProxy]: { insecure: true, headers: { 'x-ferry-fault': 'foreign-link', 'x-ferry-fault-arg': link } },
      [other]: { insecure: true },
    };
    const service = makeService({ registries }, { fetch: loopbackOnlyFetch(refused) });
    const page = await visit(service, `/console/catalog/${fixture.faultProxy}`);
    expect(page.status, page.html).toBeGreaterThanOrEqual(400);
    expect(page.html).toContain(`<strong>${code}</strong>`);
    expect(page.html).not.toContain('/console/tags/');
    expect(refused).toEqual([]);
    expect(service.requests.filter((r) => !r.url.includes(fixture.faultProxy))).toEqual([]);
  }
});

it('names a hostile registry lists are not linked: a catalog name or tag that is no name, a signature digest that is no digest', async () => {
  const hostile = (fault: string, arg: string) =>
    makeService({
      registries: {
        [fixture.faultProxy]: { insecure: true, headers: { 'x-ferry-fault': fault, 'x-ferry-fault-arg': arg } },
      },
    });
  const catalog = await visit(
    hostile('hostile-catalog', '../../hostile-name'),
    `/console/catalog/${fixture.faultProxy}`,
  );
  expect(catalog.status).toBe(200);
  expect(catalog.html).not.toContain('hostile-name');
  const tags = await visit(
    hostile('hostile-tags', '../../audit'),
    `/console/tags/${fixture.faultProxy}/ferry-test/release-a`,
  );
  expect(tags.status).toBe(200);
  expect(tags.html).toContain('<td>../../audit</td>');
  expect(tags.html).not.toMatch(/href="[^"]*\.\.\/\.\.\/audit/);
  expect(tags.html).toMatch(/release-a%3Av1">v1<\/a>/);
  const image = await visit(
    hostile('hostile-digest', 'sha256:../../../hostile-digest'),
    `/console/image/${fixture.faultProxy}/ferry-test/release-a:v1`,
  );
  expect(image.status).toBe(502);
  expect(image.html).toContain('<strong>UPSTREAM_PROTOCOL</strong>');
  expect(image.html).not.toContain('hostile-digest');
});
