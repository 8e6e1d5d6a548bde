// Issue 34, outbound events: a sink receives what happened as a CloudEvent 1.0 (structured JSON) signed as
// Standard Webhooks says. Judged by independent implementations: the `standardwebhooks` reference library
// verifies each delivery, the `cloudevents` SDK parses it. A completed copy and a promotion refused for its
// signature each arrive once; a receiver that answers 500 three times gets the event on the fourth attempt;
// a sink at a private address is refused when the configuration is read.

import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { Metrics, prometheusText } from '../../src/metrics/index.js';
import { isAppError } from '../../src/errors.js';
import { computeDigest } from '../../src/registry/digest.js';
import { localRegistries } from '../support/configs.js';
import { uniqueRepository } from '../support/copying.js';
import { makeKey } from '../support/cosign-signing.js';
import { makeService, type TestService } from '../support/service.js';
import { answering, startReceiver, verifiedEvents, type Delivery, type Receiver } from '../support/event-receiver.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const SECRET = `whsec_${Buffer.from('a receiver secret of 32 bytes!!!').toString('base64')}`;
const OLD_SECRET = `whsec_${Buffer.from('the secret before the rotation..').toString('base64')}`;
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

const receivers: Receiver[] = [];
afterAll(() => receivers.forEach((r) => r.close()));
const receiver = async (statuses: number[] = []) => {
  const started = await startReceiver(answering(statuses));
  receivers.push(started);
  return started;
};

let sink: Receiver;
let service: TestService;
let staging: string;
beforeAll(async () => {
  sink = await receiver();
  staging = uniqueRepository('events/staging');
  service = makeService({
    registries: localRegistries(source, target),
    events: {
      retry: { firstSeconds: 0.05 },
      sinks: { audit: { url: sink.url, secrets: [OLD_SECRET, SECRET], allowPrivateAddresses: true } },
    },
    promotion: {
      rules: [
        {
          name: 'signed',
          source: { repository: `${target}/${staging}` },
          targets: [{ repository: `${target}/${uniqueRepository('events/prod')}`, tags: ['{tag}'] }],
          records: 'off',
          verify: { signers: [{ kind: 'cosign-key', publicKey: (await makeKey()).pem }] },
        },
      ],
    },
  });
});

/** Every delivery verified by the reference library and parsed by the CloudEvents SDK. */
const received = (deliveries: Delivery[]) => verifiedEvents(deliveries, SECRET);

it('a completed copy and a promotion refused for its signature each arrive once, signed and well formed', async () => {
  const copied = await service.app.request('/v1/copy', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      traceparent: `00-${TRACE}-00f067aa0ba902b7-01`,
    },
    body: JSON.stringify({ source: `${source}/ferry-test/release-a:v1`, target: `${target}/${staging}:1.0.0` }),
  });
  expect(copied.status).toBe(200);
  const refused = await service.app.request('/v1/promote', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ source: `${target}/${staging}:1.0.0`, rule: 'signed', dryRun: false }),
  });
  expect(((await refused.json()) as { code: string }).code).toBe('SIGNATURE_MISSING');
  await service.settle();
  const events = received(sink.got);
  expect(events.map((e) => e.type).sort()).toEqual(['dev.ferry.copy.completed', 'dev.ferry.promotion.refused']);
  const copy = events.find((e) => e.type === 'dev.ferry.copy.completed')!;
  expect(copy.subject).toBe(`${source}/ferry-test/release-a`);
  expect(copy.data.results[0]).toMatchObject({ target: `${target}/${staging}`, tags: ['1.0.0'] });
  // The trace the client sent (its log lines carry it too: test/http/traceable-requests.test.ts).
  expect(copy.traceparent).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
  const promotion = events.find((e) => e.type === 'dev.ferry.promotion.refused')!;
  expect(promotion.data).toMatchObject({ rule: 'signed', code: 'SIGNATURE_MISSING' });
  // Signed with both secrets (a receiver mid-rotation accepts either); no credential in any delivery.
  expect(sink.got[0]!.headers['webhook-signature']!.split(' ')).toHaveLength(2);
  new Webhook(OLD_SECRET).verify(sink.got[0]!.body, sink.got[0]!.headers);
  expect(sink.got.map((d) => d.body).join()).not.toMatch(/password|authorization/i);
});

it('a receiver that fails three times gets the event on the fourth attempt, once', async () => {
  const flaky = await receiver([500, 500, 500]);
  const retried = makeService({
    registries: localRegistries(source, target),
    events: {
      retry: { firstSeconds: 0.05 },
      sinks: { flaky: { url: flaky.url, secrets: [SECRET], allowPrivateAddresses: true, kinds: ['copy'] } },
    },
  });
  const metrics = (retried.deps.metrics = new Metrics());
  const copied = await retried.app.request('/v1/copy', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      source: `${source}/ferry-test/release-a:v1`,
      target: `${target}/${uniqueRepository('events/flaky')}:v1`,
    }),
  });
  expect(copied.status).toBe(200);
  await retried.settle();
  expect(flaky.got).toHaveLength(4);
  const ids = new Set(flaky.got.map((d) => d.headers['webhook-id']));
  expect(ids.size).toBe(1); // the same event each time: a receiver can drop repeats by its id
  expect(received(flaky.got.slice(-1)).map((e) => e.type)).toEqual(['dev.ferry.copy.completed']);
  // Three attempts to try again, one delivered: as GET /metrics counts them.
  const text = prometheusText(metrics);
  expect(text).toContain('ferry_event_deliveries_total{sink="flaky",outcome="retried"} 3');
  expect(text).toContain('ferry_event_deliveries_total{sink="flaky",outcome="delivered"} 1');
  const dead = await retried.app.request('/v1/events/dead?sink=flaky');
  expect(await dead.json()).toEqual({ deadLetters: [] });
});

it('a sink at a private address, or over plain http, is refused when the configuration is read', () => {
  for (const url of ['http://10.0.0.5/hook', 'https://127.0.0.1/hook', 'https://metadata.google.internal/x']) {
    try {
      parseConfig(
        { callers: { anonymous: true }, events: { sinks: { s: { url, secrets: [SECRET] } } } },
        () => undefined,
      );
      expect.unreachable(url);
    } catch (error) {
      expect(isAppError(error) && error.code).toBe('INVALID_CONFIG');
      expect(JSON.stringify((error as { details?: unknown }).details)).toContain('events.sinks.s.url');
    }
  }
  expect(() =>
    parseConfig(
      {
        callers: { anonymous: true },
        events: { sinks: { s: { url: 'https://hooks.example.com/x', secrets: ['x'] } } },
      },
      () => undefined,
    ),
  ).toThrow();
});

it('an event no attempt delivered is a dead letter, listed only to admins of the repositories it is about', async () => {
  const down = await receiver([500, 500]);
  const key = async (k: string) => (await computeDigest(new TextEncoder().encode(k))).slice(7);
  const dead = makeService({
    registries: localRegistries(source, target),
    callers: {
      apiKeys: [
        { name: 'ours', sha256: await key('ours-key-0123456789') },
        { name: 'theirs', sha256: await key('theirs-key-0123456789') },
      ],
      grants: [
        { apiKey: 'ours', actions: ['admin'], repositories: [`${source}/**`, `${target}/**`] },
        { apiKey: 'theirs', actions: ['admin'], repositories: ['registry.example.com/**'] },
      ],
    },
    events: {
      retry: { firstSeconds: 0.05, attempts: 2 },
      sinks: { down: { url: down.url, secrets: [SECRET], allowPrivateAddresses: true } },
    },
  });
  const as = (k: string) => ({ authorization: `Bearer ${k}` });
  const copied = await dead.app.request('/v1/copy', {
    method: 'POST',
    headers: { ...as('ours-key-0123456789'), 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      source: `${source}/ferry-test/release-a:v1`,
      target: `${target}/${uniqueRepository('events/dead')}:v1`,
    }),
  });
  expect(copied.status).toBe(200);
  await dead.settle();
  expect(down.got).toHaveLength(2);
  const list = async (k: string) =>
    (await (await dead.app.request('/v1/events/dead?sink=down', { headers: as(k) })).json()) as {
      deadLetters: { event: { type: string }; attempts: number; last: string }[];
    };
  expect((await list('ours-key-0123456789')).deadLetters).toEqual([
    expect.objectContaining({
      event: expect.objectContaining({ type: 'dev.ferry.copy.completed' }),
      attempts: 2,
      last: 'HTTP 500',
    }),
  ]);
  expect((await list('theirs-key-0123456789')).deadLetters).toEqual([]);
  const unknown = await dead.app.request('/v1/events/dead?sink=nope', { headers: as('ours-key-0123456789') });
  expect(unknown.status).toBe(404);
});
