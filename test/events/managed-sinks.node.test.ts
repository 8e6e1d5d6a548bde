// Issue 34, sinks through the API: an admin adds a sink about repositories it administers, never wider; it is
// told only what its author may see (a copy naming a repository the author cannot read is not told), as grants
// are now; its secrets (and a Slack webhook's path) are sealed at rest and never answered; what only the
// operator may allow (private addresses, environment secrets, configured sinks) is refused.

import { afterAll, expect, inject, it } from 'vitest';
import { makeState } from '@test-runtime';
import { toBase64 } from '../../src/encoding.js';
import { computeDigest } from '../../src/registry/digest.js';
import type { StateStore } from '../../src/state/store.js';
import { localRegistries } from '../support/configs.js';
import { uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { startReceiver, verifiedEvents, whsec } from '../support/event-receiver.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const SECRET = whsec('a receiver secret of 32 bytes!!!');
const SEALING_KEY = toBase64(crypto.getRandomValues(new Uint8Array(32)));
const A = uniqueRepository('events/team-a');
const B = uniqueRepository('events/team-b');
const hash = async (k: string) => (await computeDigest(new TextEncoder().encode(k))).slice(7);

const { url, got, close } = await startReceiver();
afterAll(close);

/** A Ferry whose alice administers team A (and reads the source); `aliceAdmin: false`: her grant was narrowed. */
async function ferry(options: { state: StateStore; privateSinks?: boolean; aliceAdmin?: boolean }) {
  const service = makeService(
    {
      registries: localRegistries(source, target),
      managedRegistries: { keys: [{ kid: 'k1', key: { secret: 'SEALING_KEY' } }] },
      events: {
        ...(options.privateSinks === false ? {} : { managedSinks: { allowPrivateAddresses: true } }),
        sinks: { configured: { url: 'https://hooks.example.com/ferry', secrets: [SECRET] } },
      },
      callers: {
        apiKeys: [
          { name: 'ops', sha256: await hash('ops-key-0123456789') },
          { name: 'alice', sha256: await hash('alice-key-0123456789') },
          { name: 'bob', sha256: await hash('bob-key-0123456789') },
        ],
        grants: [
          { apiKey: 'ops', actions: ['admin'], repositories: [`${source}/**`, `${target}/**`] },
          ...(options.aliceAdmin === false
            ? []
            : [{ apiKey: 'alice', actions: ['admin' as const], repositories: [`${target}/${A}/**`] }]),
          { apiKey: 'alice', actions: ['inspect'], repositories: [`${source}/**`] },
          { apiKey: 'bob', actions: ['admin'], repositories: [`${target}/${B}/**`] },
        ],
      },
    },
    { secrets: { SEALING_KEY }, state: options.state },
  );
  const call = async (who: string, method: string, path: string, body?: unknown) => {
    const res = await service.app.request(path, {
      method,
      headers: { authorization: `Bearer ${who}-key-0123456789`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
  };
  const copy = async (from: string, to: string) => {
    const res = await call('ops', 'POST', '/v1/copy', { source: from, target: to });
    expect(res.status, res.text).toBe(200);
    await service.settle();
  };
  return { service, call, copy };
}

const state = makeState();
const sinkOfAlice = { url, secrets: [SECRET], repositories: [`${target}/${A}/**`], allowPrivateAddresses: true };

it('an admin adds a sink about repositories it administers; wider, unnamed or configured ones are refused', async () => {
  const { service, call } = await ferry({ state });
  const put = await call('alice', 'PUT', '/v1/events/sinks/alice-a', sinkOfAlice);
  expect(put.status, put.text).toBe(200);
  expect(put.body).toMatchObject({ name: 'alice-a', origin: 'api', author: 'key:alice', secrets: 1 });
  const wider = await call('alice', 'PUT', '/v1/events/sinks/alice-all', {
    ...sinkOfAlice,
    repositories: [`${target}/**`],
  });
  expect([wider.status, wider.body.code]).toEqual([403, 'FORBIDDEN']);
  expect(wider.body.missingGrant).toEqual({ action: 'admin', repository: `${target}/**` });
  const others = await call('alice', 'PUT', '/v1/events/sinks/alice-b', {
    ...sinkOfAlice,
    repositories: [`${target}/${B}/**`],
  });
  expect(others.status).toBe(403);
  const unnamed = await call('alice', 'PUT', '/v1/events/sinks/alice-x', {
    url,
    secrets: [SECRET],
    allowPrivateAddresses: true,
  });
  expect([unnamed.status, unnamed.body.code]).toEqual([400, 'INVALID_REQUEST']);
  const fromEnv = await call('alice', 'PUT', '/v1/events/sinks/alice-x', {
    ...sinkOfAlice,
    secrets: [{ secret: 'SEALING_KEY' }],
  });
  expect([fromEnv.status, fromEnv.body.code]).toEqual([400, 'INVALID_REQUEST']);
  const configured = await call('ops', 'PUT', '/v1/events/sinks/configured', { ...sinkOfAlice });
  expect([configured.status, configured.body.code]).toEqual([409, 'CONFLICT']);

  // Bob administers none of it: he neither sees nor removes it.
  expect((await call('bob', 'GET', '/v1/events/sinks/alice-a')).status).toBe(404);
  expect((await call('bob', 'DELETE', '/v1/events/sinks/alice-a')).status).toBe(404);
  expect((await call('bob', 'GET', '/v1/events/sinks')).body.sinks).toEqual([]);
  const listed = (await call('alice', 'GET', '/v1/events/sinks')).body.sinks;
  expect(listed.map((s: { name: string }) => s.name)).toEqual(['alice-a']);
  expect((await call('ops', 'GET', '/v1/events/sinks')).body.sinks.map((s: { name: string }) => s.name)).toEqual([
    'alice-a',
  ]); // the configured sink, about every repository, is for admins of everything

  // A Slack webhook's URL is a credential: stored sealed, shown by its origin.
  const slack = 'https://hooks.slack.com/services/T0001/B0001/slack-path-secret';
  const chat = await call('alice', 'PUT', '/v1/events/sinks/alice-chat', {
    url: slack,
    format: 'slack',
    repositories: [`${target}/${A}/**`],
  });
  expect(chat.status, chat.text).toBe(200);
  expect(chat.body.url).toBe('https://hooks.slack.com/…');

  // No secret in any answer, nor in the store in the clear.
  const answers = [
    put.text,
    chat.text,
    JSON.stringify(listed),
    (await call('alice', 'GET', '/v1/events/sinks/alice-chat')).text,
  ];
  const stored = [(await state.get('eventSinks|alice-a'))!.value, (await state.get('eventSinks|alice-chat'))!.value];
  for (const text of [...answers, ...stored]) {
    expect(text).not.toContain(SECRET.slice(6));
    expect(text).not.toContain('slack-path-secret');
  }
  expect((await call('alice', 'DELETE', '/v1/events/sinks/alice-chat')).status).toBe(204);
  await service.settle();
});

it('a sink is told only what its author may see, as grants are now', async () => {
  const { copy, call } = await ferry({ state });
  const release = `${source}/ferry-test/release-a:v1`;
  await copy(release, `${target}/${A}/app:v1`); // told
  await copy(release, `${target}/${B}/app:v1`); // not about team A
  await copy(`${target}/${B}/app:v1`, `${target}/${A}/from-b:v1`); // names team B, which alice cannot read
  const events = verifiedEvents(got, SECRET);
  expect(events.map((e) => [e.type, e.data.results[0].target])).toEqual([
    ['dev.ferry.copy.completed', `${target}/${A}/app`],
  ]);
  expect(got.map((d) => d.body).join()).not.toMatch(/password|authorization|whsec_/i);

  // Alice's admin grant narrowed (another instance, the same store): her sink is told nothing more.
  const narrowed = await ferry({ state, aliceAdmin: false });
  await narrowed.copy(release, `${target}/${A}/app:v2`);
  expect(got).toHaveLength(1);

  // Removed: nothing more either.
  expect((await call('alice', 'DELETE', '/v1/events/sinks/alice-a')).status).toBe(204);
  expect((await call('alice', 'GET', '/v1/events/sinks/alice-a')).status).toBe(404);
  await copy(release, `${target}/${A}/app:v3`);
  expect(got).toHaveLength(1);
});

it('a sink added through the API reaches public addresses only, unless the operator allows more', async () => {
  const { call } = await ferry({ state: makeState(), privateSinks: false });
  for (const body of [
    sinkOfAlice,
    { ...sinkOfAlice, allowPrivateAddresses: undefined },
    { ...sinkOfAlice, url: 'https://10.0.0.5/hook', allowPrivateAddresses: undefined },
    { ...sinkOfAlice, url: 'https://relay.internal/hook', allowPrivateAddresses: undefined },
  ]) {
    const refused = await call('alice', 'PUT', '/v1/events/sinks/alice-a', body);
    expect([refused.status, refused.body.code], JSON.stringify(body)).toEqual([403, 'ADDRESS_NOT_ALLOWED']);
  }
  const ok = await call('alice', 'PUT', '/v1/events/sinks/alice-a', {
    ...sinkOfAlice,
    url: 'https://hooks.example.com/ferry',
    allowPrivateAddresses: undefined,
  });
  expect(ok.status, ok.text).toBe(200);
});
