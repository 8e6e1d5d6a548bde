// /v1/inspect and /v1/manifest agree with skopeo on every test image, under every auth mode.

import { describe, expect, inject, it } from 'vitest';
import { AUTH_MODES, configFor, localRegistries } from '../support/configs.js';
import type { Fixture, OtherImplementation, SkopeoImageView, SkopeoView } from '../support/fixture.js';
import { makeService } from '../support/service.js';
import { computeDigest } from '../../src/registry/digest.js';

const fixture = inject('fixture');
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

function expectSameImage(ferry: any, view: SkopeoImageView) {
  const { summary, config } = view;
  // skopeo 1.9 lists layer digests only; sizes and media types come from the raw manifest it read.
  const rawLayers = JSON.parse(new TextDecoder().decode(fromBase64(view.raw))).layers as {
    digest: string;
    mediaType: string;
    size: number;
  }[];
  expect(ferry.kind).toBe('image');
  expect(ferry.digest).toBe(summary.Digest);
  expect(ferry.layers.map((l: any) => l.digest)).toEqual(summary.Layers);
  expect(ferry.layers).toEqual(rawLayers.map((l) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size })));
  expect(ferry.totalSize).toBe(rawLayers.reduce((s, l) => s + l.size, 0));
  expect(ferry.config.os).toBe(summary.Os);
  expect(ferry.config.architecture).toBe(summary.Architecture);
  expect(ferry.config.variant).toBe(config.variant); // skopeo 1.9's summary has no Variant
  expect(ferry.config.created).toBe(config.created);
  expect(ferry.config.author).toBe(config.author);
  expect(ferry.config.labels).toEqual(summary.Labels ?? {});
  expect(ferry.config.env).toEqual(summary.Env ?? []);
  expect(ferry.config.entrypoint).toEqual(config.config?.Entrypoint ?? null);
  expect(ferry.config.cmd).toEqual(config.config?.Cmd ?? null);
  expect(ferry.config.workingDir).toBe(config.config?.WorkingDir || undefined);
  expect(ferry.config.exposedPorts).toEqual(Object.keys(config.config?.ExposedPorts ?? {}).sort());
  expect(ferry.config.historyLength).toBe((config.history ?? []).length);
  expect(ferry.config.user).toBe(config.config?.User || undefined);
  // skopeo --config shows the config as stored: the history in build order, empty_layer marking steps without a layer.
  const history = (config.history ?? []) as {
    created?: string;
    created_by?: string;
    comment?: string;
    empty_layer?: boolean;
  }[];
  expect(ferry.config.history).toEqual(
    history.map((h) => ({
      ...(h.created ? { created: h.created } : {}),
      ...(h.created_by ? { createdBy: h.created_by } : {}),
      ...(h.comment ? { comment: h.comment } : {}),
      emptyLayer: h.empty_layer === true,
    })),
  );
}

type TestService = ReturnType<typeof makeService>;
type TestImage = Fixture['images'][number];

async function expectInspectMatches(service: TestService, host: string, image: TestImage, view: SkopeoView) {
  const top = await service.get(`/v1/inspect/${host}/${image.repository}:${image.tag}`);
  expect(top.status, JSON.stringify(top.body)).toBe(200);
  expect(top.body.digest).toBe(view.digest);
  expect(top.body.mediaType).toBe(view.mediaType);
  expect(top.body.reference).toBe(`${host}/${image.repository}:${image.tag}@${view.digest}`);
  const raw = JSON.parse(new TextDecoder().decode(fromBase64(view.raw)));
  if (top.body.kind === 'index') {
    expect(top.body.manifests.map((m: any) => m.digest)).toEqual(raw.manifests.map((m: any) => m.digest));
    expect(top.body.manifests.map((m: any) => m.annotations)).toEqual(raw.manifests.map((m: any) => m.annotations));
    expect(top.body.annotations).toEqual(raw.annotations);
  } else {
    expectSameImage(top.body, view.images[view.digest]!);
  }
  for (const [digest, imageView] of Object.entries(view.images)) {
    const child = await service.get(`/v1/inspect/${host}/${image.repository}@${digest}`);
    expect(child.status, JSON.stringify(child.body)).toBe(200);
    expectSameImage(child.body, imageView);
  }
}

describe.each(AUTH_MODES)('inspect under %s auth', (mode) => {
  const host = fixture.registries[mode].host;

  it.each(fixture.images.map((i) => [i.name, i] as const))(
    '%s: digest, children, layers and config match skopeo',
    async (_name, image) => {
      await expectInspectMatches(makeService(configFor(fixture, mode)), host, image, fixture.skopeo[mode][image.name]!);
    },
  );

  it.each(fixture.images.map((i) => [i.name, i] as const))(
    '%s: /v1/manifest returns the registry bytes, hashing to the digest',
    async (_name, image) => {
      const service = makeService(configFor(fixture, mode));
      const view = fixture.skopeo[mode][image.name]!;
      const res = await service.get(`/v1/manifest/${host}/${image.repository}:${image.tag}`);
      expect(res.status).toBe(200);
      expect(res.bytes).toEqual(fromBase64(view.raw));
      expect(await computeDigest(res.bytes)).toBe(view.digest);
      expect(res.headers.get('docker-content-digest')).toBe(view.digest);
      expect(res.headers.get('content-type')).toBe(view.mediaType);
    },
  );
});

// The same images on the other implementations: what skopeo saw on distribution 2.8 is what Ferry reads there.
describe.each(Object.keys(fixture.implementations) as OtherImplementation[])('inspect on %s', (implementation) => {
  const host = fixture.implementations[implementation].host;

  it.each(fixture.images.map((i) => [i.name, i] as const))(
    '%s: digest, children, layers and config match skopeo',
    async (_name, image) => {
      const service = makeService({ registries: localRegistries(host) });
      await expectInspectMatches(service, host, image, fixture.skopeo.anonymous[image.name]!);
    },
  );
});

// The shapes pushed over the API, on every implementation: the manifest's own bytes, and its layers as listed.
describe.each([
  ['distribution-2.8', fixture.registries.anonymous.host],
  ...Object.entries(fixture.implementations).map(([name, { host }]) => [name, host]),
])('shapes inspected on %s', (_implementation, host) => {
  it.each(fixture.shapes.map((s) => [s.name, s] as const))('%s: digest, bytes and layers', async (_name, shape) => {
    const service = makeService({ registries: localRegistries(host!) });
    const raw = JSON.parse(new TextDecoder().decode(fromBase64(shape.raw)));
    const top = await service.get(`/v1/inspect/${host}/${shape.repository}:${shape.tag}`);
    expect(top.status, JSON.stringify(top.body)).toBe(200);
    expect(top.body.digest).toBe(shape.digest);
    expect(top.body.layers).toEqual(
      raw.layers.map((l: any) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size })),
    );
    const bytes = await service.get(`/v1/manifest/${host}/${shape.repository}:${shape.tag}`);
    expect(bytes.bytes).toEqual(fromBase64(shape.raw));
  });
});
