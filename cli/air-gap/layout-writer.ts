// Writing an OCI image layout as a registry takes a push: blobs land under a temporary name and are renamed
// into place once their digest checks out; a manifest is refused while a blob it names is missing;
// index.json is replaced whole (written beside, then renamed) when a tag is written. A copy that fails takes
// back the blobs it added, so the layout is as it was.

import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { parseManifest } from '../../src/registry/manifest.js';
import { AirGapError } from './errors.js';
import { DirectoryFiles } from './files.js';
import { OciLayoutReader, REF_NAME, type LayoutDescriptor, type LayoutIndex } from './oci-layout.js';
import { blobPath, isTag, sha256Of, type BlobUpload, type StoreWriter } from './store.js';

const LAYOUT_FILE = JSON.stringify({ imageLayoutVersion: '1.0.0' });
const UPLOADS = '.ferry-uploads';

/** A registry's refusal of a push, with the distribution error code it answers with. */
export class PushRefused extends Error {
  constructor(
    readonly code: 'BLOB_UNKNOWN' | 'DIGEST_INVALID' | 'MANIFEST_INVALID',
    message: string,
  ) {
    super(message);
  }
}

export class OciLayoutWriter extends OciLayoutReader implements StoreWriter {
  readonly writer = this;
  readonly #dir: string;
  readonly #existed: boolean;
  /** Blobs this copy added (taken back if it fails before any image was named). */
  readonly #added = new Set<string>();
  /** Tags written, in order, and the last manifest pushed (a push names its top manifest last). */
  readonly written: { tag: string; digest: string }[] = [];
  #last: LayoutDescriptor | undefined;

  constructor(dir: string, what: string) {
    super(new DirectoryFiles(dir), what);
    this.#dir = dir;
    this.#existed = existsSync(dir);
  }

  override async index(): Promise<LayoutIndex> {
    if (!existsSync(join(this.#dir, 'index.json'))) return { schemaVersion: 2, manifests: [] };
    return super.index();
  }

  async #ready(): Promise<void> {
    await mkdir(join(this.#dir, UPLOADS), { recursive: true });
    if (!existsSync(join(this.#dir, 'oci-layout'))) await writeFile(join(this.#dir, 'oci-layout'), LAYOUT_FILE);
  }

  async upload(): Promise<BlobUpload> {
    await this.#ready();
    const temporary = join(this.#dir, UPLOADS, randomBytes(12).toString('hex'));
    const hash: Hash = createHash('sha256');
    let received = 0;
    return {
      append: async (body: Readable) => {
        const counting = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            hash.update(chunk);
            received += chunk.byteLength;
            done(null, chunk);
          },
        });
        await pipeline(body, counting, createWriteStream(temporary, { flags: 'a' }));
        return received;
      },
      commit: async (digest: string) => {
        if (!existsSync(temporary)) await writeFile(temporary, ''); // an empty blob, never appended to
        const actual = `sha256:${hash.digest('hex')}`;
        if (actual !== digest) {
          await unlink(temporary).catch(() => undefined);
          throw new PushRefused('DIGEST_INVALID', `the bytes received are ${actual}, not ${digest}`);
        }
        await this.#keep(digest, temporary);
      },
      cancel: () => unlink(temporary).catch(() => undefined),
    };
  }

  /** Moves a checked temporary file into place as the blob `digest` (unless the layout has it already). */
  async #keep(digest: string, temporary: string): Promise<void> {
    const path = join(this.#dir, blobPath(digest));
    if (existsSync(path)) {
      await unlink(temporary);
      return;
    }
    await mkdir(dirname(path), { recursive: true });
    await rename(temporary, path);
    this.#added.add(path);
  }

  async putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    const digest = sha256Of(bytes);
    const byDigest = reference.includes(':');
    if (byDigest && reference !== digest)
      throw new PushRefused('DIGEST_INVALID', `the manifest is ${digest}, not ${reference}`);
    if (!byDigest && !isTag(reference)) throw new PushRefused('MANIFEST_INVALID', `"${reference}" is not a tag`);
    let parsed;
    try {
      parsed = parseManifest(bytes, mediaType);
    } catch (error) {
      throw new PushRefused('MANIFEST_INVALID', (error as Error).message);
    }
    const children = [...parsed.manifests, ...(parsed.config ? [parsed.config] : []), ...parsed.layers];
    // A foreign layer (with urls) is fetched from elsewhere by design: registries do not hold it either.
    for (const child of children.filter((c) => !(c as { urls?: unknown }).urls))
      if ((await this.files.size(blobPath(child.digest))) === undefined)
        throw new PushRefused('BLOB_UNKNOWN', `the manifest names ${child.digest}, which is not here`);
    await this.#ready();
    const temporary = join(this.#dir, UPLOADS, randomBytes(12).toString('hex'));
    await writeFile(temporary, bytes);
    await this.#keep(digest, temporary);
    const descriptor: LayoutDescriptor = { mediaType, digest, size: bytes.byteLength };
    this.#last = descriptor;
    if (!byDigest) {
      await this.#name(reference, descriptor);
      this.written.push({ tag: reference, digest });
    }
    return digest;
  }

  /** Points `tag` at the manifest in index.json, in place of an image of that name (skopeo's rule). */
  async #name(tag: string | undefined, descriptor: LayoutDescriptor): Promise<void> {
    const index = await this.index();
    const manifests = index.manifests.filter((m) => tag === undefined || m.annotations?.[REF_NAME] !== tag);
    manifests.push(tag === undefined ? descriptor : { ...descriptor, annotations: { [REF_NAME]: tag } });
    const temporary = join(this.#dir, UPLOADS, 'index.json');
    await writeFile(temporary, JSON.stringify({ ...index, schemaVersion: 2, manifests }));
    await rename(temporary, join(this.#dir, 'index.json'));
  }

  /**
   * The copy succeeded: an image pushed by digest only (a digest source, no name given) is listed without a
   * name, as skopeo lists it, so the layout can still give it out.
   */
  async complete(): Promise<void> {
    if (!this.written.length && this.#last) {
      const listed = (await this.index()).manifests.some((m) => m.digest === this.#last!.digest);
      if (!listed) await this.#name(undefined, this.#last);
    }
    await this.close();
  }

  /** The copy failed: blobs it added go, unless an image was named (a sync's earlier tags stand). */
  async abandon(): Promise<void> {
    if (!this.written.length) for (const path of this.#added) await rm(path, { force: true });
    await this.close();
    if (!this.#existed && !this.written.length) await rm(this.#dir, { recursive: true, force: true });
  }

  async close(): Promise<void> {
    await rm(join(this.#dir, UPLOADS), { recursive: true, force: true });
    // An empty algorithm directory left by abandon is no part of a layout.
    const blobs = join(this.#dir, 'blobs');
    if (existsSync(blobs))
      for (const name of await readdir(blobs))
        if ((await stat(join(blobs, name))).isDirectory() && !(await readdir(join(blobs, name))).length)
          await rm(join(blobs, name), { recursive: true });
  }
}
