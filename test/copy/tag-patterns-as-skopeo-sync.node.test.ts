// Tag patterns mean what skopeo sync's `images-by-tag-regex` means: an unanchored search. For a repository
// with tags v1.0, v1.1, v10, 1.0-v1 and latest, each pattern selects the same tags in Ferry as in skopeo
// sync (run here: YAML source, a dir destination whose entries name the tags it took).

import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, inject, it } from 'vitest';
import { runCopy, uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { skopeo } from '../support/skopeo.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const registry = fixture.targets.anonymous.host;
const TAGS = ['v1.0', 'v1.1', 'v10', '1.0-v1', 'latest'];

async function skopeoSyncTags(repository: string, pattern: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-sync-'));
  try {
    const yaml = join(dir, 'sync.yaml');
    writeFileSync(
      yaml,
      `${registry}:\n  tls-verify: false\n  images-by-tag-regex:\n    ${repository}: '${pattern.replaceAll("'", "''")}'\n`,
    );
    const out = join(dir, 'out');
    await skopeo(['sync', '--src', 'yaml', '--dest', 'dir', yaml, out]);
    // dir destination: one directory per image taken, holding its manifest.json, named <name>:<tag>.
    const name = repository.split('/').at(-1)!;
    const images = (readdirSync(out, { recursive: true }) as string[])
      .filter((p) => p.endsWith('manifest.json'))
      .map((p) => p.split('/').at(-2)!);
    return images
      .filter((d) => d.startsWith(`${name}:`))
      .map((d) => d.slice(name.length + 1))
      .sort();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

it.each(['^v1\\.', 'v1', '^v1\\.[0-9]+$'])(
  'pattern %s selects the tags skopeo sync selects',
  async (pattern) => {
    const repository = uniqueRepository('patterns/app');
    const service = makeService({ registries: localRegistries(source, registry) });
    const [first, ...rest] = TAGS;
    const staged = await runCopy(
      service,
      { source: `${source}/ferry-test/v2s2:v1`, target: `${registry}/${repository}:${first}`, tags: rest },
      'application/json',
    );
    expect(staged.status).toBe(200);

    const copied = await runCopy(
      service,
      {
        source: `${registry}/${repository}`,
        target: `${registry}/${uniqueRepository('patterns/copy')}`,
        tags: { regex: pattern },
      },
      'application/json',
    );
    expect(copied.status, JSON.stringify(copied.final)).toBe(200);
    const ferry = (copied.final.results as { tags: string[] }[]).flatMap((r) => r.tags).sort();
    expect(ferry.length).toBeGreaterThan(0);
    expect(ferry).toEqual(await skopeoSyncTags(repository, pattern));
  },
  60_000,
);
