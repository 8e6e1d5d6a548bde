// `ferry sync import`: a skopeo sync YAML and a regsync YAML become sync sets that the configuration schema
// takes, selecting what the tools select; what has no counterpart is said, never dropped silently.

import { expect, it } from 'vitest';
import { fromRegsync, fromSkopeo } from '../../cli/sync-import.js';
import { parseConfig } from '../../src/config/parse.js';
import { selectSyncTags } from '../../src/ops/sync/index.js';

// As skopeo-sync(1) shows its YAML source.
const SKOPEO = `
registry.example.com:
  images:
    busybox: []
    redis:
      - "1.0"
      - "2.0"
      - "sha256:0000000000000000000000000000000000000000000000000000000000000000"
  images-by-tag-regex:
    nginx: ^1\\.13\\.[12]-alpine-perl$
  images-by-semver:
    alpine: ">= 3.12.0, < 3.14"
  credentials:
    username: john
    password: this is a secret
  tls-verify: true
quay.io:
  tls-verify: false
  images:
    coreos/etcd:
      - latest
`;

// As regsync's README shows its configuration.
const REGSYNC = `
version: 1
creds:
  - registry: registry:5000
    tls: disabled
defaults:
  interval: 60m
sync:
  - source: busybox:latest
    target: registry:5000/library/busybox:latest
    type: image
  - source: alpine
    target: registry:5000/library/alpine
    type: repository
    tags:
      allow:
        - "latest"
        - "3\\\\.\\\\d+"
      deny:
        - "3\\\\.1"
    schedule: "15 3 * * *"
`;

const valid = (syncs: unknown[]) => parseConfig({ syncs, allowPublicRegistries: true }).syncs;

it('a skopeo sync YAML becomes a set per registry and selection, with the destination given', () => {
  const { syncs, notes } = fromSkopeo(SKOPEO, 'mirror.acme.dev/mirror', { name: 'skopeo' });
  expect(syncs).toEqual([
    {
      name: 'skopeo-1',
      sources: [{ registry: 'registry.example.com', repositories: ['busybox'] }],
      target: { registry: 'mirror.acme.dev', path: 'mirror/{repository}' },
      tags: {},
    },
    {
      name: 'skopeo-2',
      sources: [{ registry: 'registry.example.com', repositories: ['redis'] }],
      target: { registry: 'mirror.acme.dev', path: 'mirror/{repository}' },
      tags: { regex: '^(?:1\\.0|2\\.0)$' },
    },
    {
      name: 'skopeo-3',
      sources: [{ registry: 'registry.example.com', repositories: ['nginx'] }],
      target: { registry: 'mirror.acme.dev', path: 'mirror/{repository}' },
      tags: { regex: '^1\\.13\\.[12]-alpine-perl$' },
    },
    {
      name: 'skopeo-4',
      sources: [{ registry: 'registry.example.com', repositories: ['alpine'] }],
      target: { registry: 'mirror.acme.dev', path: 'mirror/{repository}' },
      tags: { semver: '>= 3.12.0 < 3.14' },
    },
    {
      name: 'skopeo-5',
      sources: [{ registry: 'quay.io', repositories: ['coreos/etcd'] }],
      target: { registry: 'mirror.acme.dev', path: 'mirror/{repository}' },
      tags: { regex: '^(?:latest)$' },
    },
  ]);
  expect(valid(syncs)).toHaveLength(5);
  expect(notes.join('\n')).toMatch(/registry\.example\.com: credentials are not carried over/);
  expect(notes.join('\n')).toMatch(/redis: digests .* are no tags/);
  expect(notes.join('\n')).not.toContain('this is a secret');
  // The selections take what skopeo takes.
  expect(selectSyncTags(['1.0', '2.0', '1.0.1', '3.0'], syncs[1]!.tags!)).toEqual(['1.0', '2.0']);
  expect(selectSyncTags(['3.11.9', '3.12.0', '3.13.5', '3.14.0'], syncs[3]!.tags!)).toEqual(['3.12.0', '3.13.5']);
});

it('keeps the source registry in the path with --scoped, as skopeo sync --scoped does', () => {
  const { syncs } = fromSkopeo(SKOPEO, 'mirror.acme.dev', { scoped: true, name: 's' });
  expect(syncs[0]!.target).toEqual({ registry: 'mirror.acme.dev', path: '{registry}/{repository}' });
});

it('a regsync YAML becomes a set per sync entry, its allow and deny whole-tag patterns and its schedule kept', () => {
  const { syncs, notes } = fromRegsync(REGSYNC, { name: 'regsync' });
  expect(syncs).toEqual([
    {
      name: 'regsync-1',
      sources: [{ registry: 'registry-1.docker.io', repositories: ['library/busybox'] }],
      target: { registry: 'registry:5000', path: 'library/busybox' },
      tags: { regex: '^(?:latest)$' },
      schedule: '0 */1 * * *',
    },
    {
      name: 'regsync-2',
      sources: [{ registry: 'registry-1.docker.io', repositories: ['library/alpine'] }],
      target: { registry: 'registry:5000', path: 'library/alpine' },
      tags: { regex: '^(?:latest|3\\.\\d+)$', exclude: '^(?:3\\.1)$' },
      schedule: '15 3 * * *',
    },
  ]);
  expect(valid(syncs)).toHaveLength(2);
  expect(notes).toEqual([expect.stringContaining('creds are not carried over')]);
  expect(selectSyncTags(['latest', '3.1', '3.18', '3.18.4', 'edge'], syncs[1]!.tags!)).toEqual(['3.18', 'latest']);
});
