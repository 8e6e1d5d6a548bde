// Every test image copied between two registries under every auth mode arrives byte-exact, and skopeo can
// pull all of it back (it verifies every digest); a repeated copy moves nothing.

import { describe, expect, inject, it } from 'vitest';
import { AUTH_MODES, registryEntry } from '../support/configs.js';
import { blobTraffic, judge, runCopy, uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';
import type { AuthMode } from '../support/fixture.js';

const fixture = inject('fixture');

function copyConfig(mode: AuthMode) {
  return {
    registries: {
      [fixture.registries[mode].host]: registryEntry(fixture.registries[mode]),
      [fixture.targets[mode].host]: registryEntry(fixture.targets[mode]),
    },
  };
}

describe.each(AUTH_MODES)('copy under %s auth', (mode) => {
  const source = fixture.registries[mode];
  const target = fixture.targets[mode];
  const creds = target.username ? `${target.username}:${target.password}` : undefined;

  it.each(fixture.images.map((i) => [i.name, i] as const))(
    '%s: byte-exact at the target, skopeo pulls it, a repeat moves nothing',
    async (_name, image) => {
      const repository = uniqueRepository(`copied/${image.name}`);
      const service = makeService(copyConfig(mode));
      const run = await runCopy(service, {
        source: `${source.host}/${image.repository}:${image.tag}`,
        target: `${target.host}/${repository}:v1`,
        tags: ['stable'],
      });
      expect(run.final.type, JSON.stringify(run.final)).toBe('done');
      const view = fixture.skopeo[mode][image.name]!;
      expect(run.final.result).toMatchObject({
        digest: view.digest,
        mediaType: view.mediaType,
        tags: ['v1', 'stable'],
      });
      expect(run.events.find((e) => e.type === 'plan')).toBeDefined();

      for (const tag of ['v1', 'stable']) {
        const raw = await judge(fixture.judge, 'raw', `${target.host}/${repository}:${tag}`, creds);
        expect(raw.ok, raw.error).toBe(true);
        expect(raw.raw).toBe(view.raw);
      }
      const pulled = await judge(fixture.judge, 'copy-all', `${target.host}/${repository}:v1`, creds);
      expect(pulled.ok, pulled.error).toBe(true);

      const again = makeService(copyConfig(mode));
      const repeat = await runCopy(again, {
        source: `${source.host}/${image.repository}:${image.tag}`,
        target: `${target.host}/${repository}:v1`,
        tags: ['stable'],
      });
      expect(repeat.final.type).toBe('done');
      expect(blobTraffic(again)).toEqual({ gets: 0, puts: 0, manifestPuts: 0 });
    },
  );
});
