// KV is a cache: when every KV operation fails (an outage, a spent Free-plan quota), copies and inspections
// still succeed, uncached, and the failures are logged once per request and kind, not thrown.

import { expect, inject, it } from 'vitest';
import type { KvStore } from '../../src/kv/store.js';
import { uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { registryEntry } from '../support/configs.js';

const fixture = inject('fixture');
const source = fixture.registries.token;
const target = fixture.targets.anonymous.host;

class BrokenKv implements KvStore {
  calls = 0;
  #fail(): never {
    this.calls++;
    throw new Error('KV GET failed: 503 Service Unavailable');
  }
  async get(): Promise<string | null> {
    return this.#fail();
  }
  async put(): Promise<void> {
    return this.#fail();
  }
  async delete(): Promise<void> {
    return this.#fail();
  }
  async list(): Promise<never> {
    return this.#fail();
  }
}

it('with every KV operation failing, inspect and copy succeed and say so in the log', async () => {
  const kv = new BrokenKv();
  const service = makeService(
    {
      registries: {
        [source.host]: registryEntry(source),
        [target]: { insecure: true },
      },
    },
    { kv },
  );
  const inspected = await service.get(`/v1/inspect/${source.host}/ferry-test/multiarch:v1`);
  expect(inspected.status, JSON.stringify(inspected.body) + service.logs.join('\n')).toBe(200);
  expect(inspected.body.digest).toBe(fixture.skopeo.token.multiarch!.digest);

  const repository = uniqueRepository('kv-down/app');
  const logsBeforeCopy = service.logs.length;
  const copied = await service.app.request('/v1/copy', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ source: `${source.host}/ferry-test/multiarch:v1`, target: `${target}/${repository}:v1` }),
  });
  expect(copied.status, await copied.clone().text()).toBe(200);
  expect(((await copied.json()) as { digest: string }).digest).toBe(fixture.skopeo.token.multiarch!.digest);
  await service.settle();
  expect(kv.calls).toBeGreaterThan(0);
  const warnings = service.logs
    .slice(logsBeforeCopy)
    .filter((l) => l.includes('cache read failed') || l.includes('cache write failed'));
  expect(warnings.length).toBeGreaterThan(0);
  // One line per request and kind of failure: within the copy, no line repeats.
  expect(new Set(warnings).size).toBe(warnings.length);
  // Uncached: a second inspect asks the registry again.
  service.requests.length = 0;
  expect((await service.get(`/v1/inspect/${source.host}/ferry-test/multiarch:v1`)).status).toBe(200);
  expect(service.requests.some((r) => r.url.includes('/manifests/'))).toBe(true);
}, 60_000);
