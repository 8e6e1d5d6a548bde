// Security review B12 (requests): with anonymous callers (the local default), Ferry serves this machine's
// user only: a cross-site "simple" POST, a foreign Origin and a DNS-rebound Host are refused before any
// route runs. Webhooks prove themselves and are not affected.

import { describe, expect, inject, it } from 'vitest';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const copyBody = JSON.stringify({ source: `${source}/ferry-test/v2s2:v1`, target: `${target}/exfil/app:v1` });

describe('anonymous callers: this machine only', () => {
  const service = () => makeService({ registries: localRegistries(source, target) });

  it('a text/plain POST (a browser sends it cross-site without asking) is 415; nothing is copied', async () => {
    const svc = service();
    const res = await svc.app.request('http://127.0.0.1:8787/v1/copy', {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      body: copyBody,
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { code: string }).code).toBe('UNSUPPORTED_CONTENT_TYPE');
    expect(svc.requests).toEqual([]);
  });

  it('a foreign Origin or Sec-Fetch-Site is 403, even with a JSON body', async () => {
    const svc = service();
    for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }] as Record<
      string,
      string
    >[]) {
      const res = await svc.app.request('http://127.0.0.1:8787/v1/copy', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: copyBody,
      });
      expect(res.status).toBe(403);
    }
    expect(svc.requests).toEqual([]);
    const same = await svc.app.request('http://127.0.0.1:8787/v1/inspect/' + `${source}/ferry-test/v2s2:v1`, {
      headers: { origin: 'http://127.0.0.1:8787' },
    });
    expect(same.status).toBe(200);
  });

  it('a Host that is not a loopback name (DNS rebinding) is 403, unless anonymous access beyond loopback is acknowledged', async () => {
    expect((await service().app.request('http://evil.example:8787/v1/audit')).status).toBe(403);
    expect((await service().app.request('http://localhost:8787/v1/audit')).status).toBe(200);
    const acknowledged = makeService({
      registries: {},
      callers: {
        anonymous: true,
        anonymousBeyondLoopback: 'I understand that anyone who can reach Ferry can use every grant',
      },
    });
    expect((await acknowledged.app.request('http://ferry.example.com/v1/audit')).status).toBe(200);
  });

  it('webhooks are not callers: a receiver is reached on any host', async () => {
    const svc = makeService(
      {
        registries: {},
        webhooks: {
          receivers: { reg: { format: 'distribution', registry: target, secret: 'closed-default-secret-1' } },
        },
      },
      { jobs: true },
    );
    const res = await svc.app.request('http://ferry.example.com/v1/webhooks/reg', {
      method: 'POST',
      headers: { authorization: 'Bearer closed-default-secret-1', 'content-type': 'text/plain' },
      body: '{"events":[]}',
    });
    expect(res.status).toBe(202);
  });
});
