// /v1/inspect and /v1/manifest agree with skopeo on every test image, under every auth mode.

import { describe, expect, inject, it } from 'vitest';
import { AUTH_MODES, configFor } from '../support/configs.js';
import type { SkopeoImageView } from '../support/fixture.js';
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

describe.each(AUTH_MODES)('inspect under %s auth', (mode) => {
  const host = fixture.registries[mode].host;

  it.each(fixture.images.map((i) => [i.name, i] as const))(
    '%s: digest, children, layers and config match skopeo',
    async (_name, image) => {
      const service = makeService(configFor(fixture, mode));
      const view = fixture.skopeo[mode][image.name]!;
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
