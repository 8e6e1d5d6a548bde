// A docker-archive: holds one image as `docker save` writes it: manifest.json, the config as <hex>.json and
// each layer uncompressed as <diff id>.tar. The layers the copy brought (compressed, as the registry had
// them) are decompressed into the archive and checked against the config's diff ids on the way.

import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { isIndexMediaType, parseManifest } from '../../src/registry/manifest.js';
import { AirGapError } from './errors.js';
import type { OciLayoutWriter } from './layout-writer.js';
import { TarWriter } from './tar.js';

const MAX_CONFIG = 32 * 1024 * 1024;

async function whole(stream: Readable, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > limit) throw new AirGapError(`${what} is over ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** `from` into `to`, an error of either ending the pair (pipe() alone leaves a failed source unnoticed). */
function piped(from: Readable, to: Transform): Transform {
  from.on('error', (error) => to.destroy(error));
  return from.pipe(to);
}

/** The layer's tar bytes: as they are, or gunzipped; zstd needs a decompressor Node 20 lacks. */
function uncompressed(stream: Readable, mediaType: string, digest: string): Readable {
  if (mediaType.endsWith('+zstd') || mediaType.endsWith('.zstd'))
    throw new AirGapError(
      `the layer ${digest} is zstd-compressed: a docker-archive holds layers uncompressed; Node 20 has no zstd`,
    );
  if (mediaType.endsWith('gzip') || mediaType.endsWith('.tar.gzip')) return piped(stream, createGunzip());
  return stream;
}

/**
 * Writes the image the copy named (`tag`) in `layout` as a docker archive at `file`; `repoTag` is the name
 * `docker load` gives it. Returns what the archive holds, for the user.
 */
export async function writeDockerArchive(
  layout: OciLayoutWriter,
  tag: string,
  file: string,
  repoTag: string | undefined,
): Promise<{ config: string; layers: number }> {
  const image = await layout.manifest(tag);
  if (!image) throw new AirGapError('the copy wrote no image');
  if (isIndexMediaType(image.mediaType)) throw new AirGapError('a docker-archive holds one platform: give --platform');
  const manifest = parseManifest(image.bytes, image.mediaType);
  const configBlob = await layout.blob(manifest.config!.digest);
  const config = await whole(configBlob!.open(), MAX_CONFIG, 'the image configuration');
  const diffIds = (JSON.parse(config.toString('utf8')) as { rootfs?: { diff_ids?: string[] } }).rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length)
    throw new AirGapError(`the configuration lists ${diffIds.length} diff ids for ${manifest.layers.length} layers`);
  const handle = await open(file, 'wx');
  try {
    const tar = new TarWriter(handle);
    const written = new Set<string>();
    const layers: string[] = [];
    for (const [i, layer] of manifest.layers.entries()) {
      const diffId = diffIds[i]!;
      const name = `${diffId.replace(/^sha256:/, '')}.tar`;
      layers.push(name);
      if (written.has(name)) continue;
      const blob = await layout.blob(layer.digest);
      if (!blob) throw new AirGapError(`the layer ${layer.digest} was not copied`);
      const hash = createHash('sha256');
      const hashing = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      });
      await tar.stream(name, piped(uncompressed(blob.open(), layer.mediaType, layer.digest), hashing));
      if (`sha256:${hash.digest('hex')}` !== diffId)
        throw new AirGapError(`the layer ${layer.digest} does not uncompress to its diff id ${diffId}`);
      written.add(name);
    }
    const configName = `${manifest.config!.digest.replace(/^sha256:/, '')}.json`;
    await tar.bytes(configName, config);
    const listing = [{ Config: configName, RepoTags: repoTag ? [repoTag] : [], Layers: layers }];
    await tar.bytes('manifest.json', Buffer.from(JSON.stringify(listing)));
    await tar.end();
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { config: manifest.config!.digest, layers: manifest.layers.length };
}
