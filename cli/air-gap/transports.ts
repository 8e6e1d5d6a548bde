// skopeo's air-gap transports on the command line: oci:DIR[:NAME], oci-archive:FILE[:NAME] and
// docker-archive:FILE[:NAME:TAG|:@INDEX]. Each end is opened as a loopback registry; what the copy wrote
// is made the user's (an archive renamed into place) only once the copy succeeded.

import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { DockerArchiveReader, familiar } from './docker-archive-reader.js';
import { writeDockerArchive } from './docker-archive-writer.js';
import { AirGapError } from './errors.js';
import { ArchiveFiles, DirectoryFiles, type Files } from './files.js';
import { OciLayoutWriter } from './layout-writer.js';
import { LOOPBACK_REPOSITORY, serveLoopback, type LoopbackRegistry } from './loopback-registry.js';
import { packLayout } from './oci-archive-writer.js';
import { OciLayoutReader } from './oci-layout.js';
import { isTag } from './store.js';

export type AirGapKind = 'oci' | 'oci-archive' | 'docker-archive';

export interface AirGapSpec {
  kind: AirGapKind;
  path: string;
  /** The image's name inside: a ref name, or for docker-archive NAME:TAG or @INDEX. */
  name?: string;
}

/** `oci:DIR:NAME` and the like, split at the first colon after the path as skopeo splits them. */
export function parseAirGap(argument: string): AirGapSpec | undefined {
  const match = /^(oci|oci-archive|docker-archive):(.*)$/s.exec(argument);
  if (!match) return undefined;
  const [, kind, rest] = match as unknown as [string, AirGapKind, string];
  const colon = rest.indexOf(':');
  const path = colon < 0 ? rest : rest.slice(0, colon);
  const name = colon < 0 ? undefined : rest.slice(colon + 1);
  if (!path) throw new AirGapError(`${kind}: needs a path (${kind}:PATH)`, 'INVALID_REFERENCE');
  return { kind, path, ...(name ? { name } : {}) };
}

export const describe = (spec: AirGapSpec) => `${spec.kind}:${spec.path}`;

export interface OpenedEnd {
  spec: AirGapSpec;
  registry: LoopbackRegistry;
  /** The loopback reference the copy takes: HOST/image, with :TAG or @DIGEST. */
  reference: string;
  /** The copy succeeded: the target made the user's; a sentence for the user, when there is one to say. */
  complete(): Promise<string | undefined>;
  /** The copy failed, or only looked: nothing of it stays. */
  abandon(): Promise<void>;
}

const repository = (registry: LoopbackRegistry) => `${registry.host}/${LOOPBACK_REPOSITORY}`;

/** The source end: the image read in place, from the directory or from inside the archive. */
export async function openSource(spec: AirGapSpec, wholeRepository: boolean): Promise<OpenedEnd> {
  const what = describe(spec);
  let files: Files;
  if (spec.kind === 'oci') {
    if (!existsSync(spec.path) || !statSync(spec.path).isDirectory())
      throw new AirGapError(`${what}: no such directory`, 'NOT_FOUND');
    files = new DirectoryFiles(spec.path);
  } else files = await ArchiveFiles.open(spec.path);
  try {
    let store;
    let chosen: string;
    if (spec.kind === 'docker-archive') {
      const reader = await DockerArchiveReader.open(files as ArchiveFiles, what, spec.name);
      store = reader;
      chosen = `:${reader.tag}`;
    } else {
      const reader = new OciLayoutReader(files, what);
      store = reader;
      chosen = wholeRepository ? '' : await reader.choose(spec.name);
    }
    const registry = await serveLoopback(store, what);
    const done = async () => {
      await registry.close();
      await files.close();
    };
    return {
      spec,
      registry,
      reference: `${repository(registry)}${chosen}`,
      complete: async () => (await done(), undefined),
      abandon: done,
    };
  } catch (error) {
    await files.close();
    throw error;
  }
}

/** The target end: a layout written in place (oci:), or in a work directory beside the archive to be. */
export async function openTarget(spec: AirGapSpec, wholeRepository: boolean): Promise<OpenedEnd> {
  const what = describe(spec);
  let tag = spec.name;
  if (spec.kind === 'docker-archive') tag = spec.name ? familiar(spec.name).split(':').pop() : 'latest';
  if (tag !== undefined && !isTag(tag))
    throw new AirGapError(
      `${what}: "${tag}" cannot be a tag (letters, digits, _ . -; 128 at most)`,
      'INVALID_REFERENCE',
    );
  if (spec.kind === 'oci') {
    const layout = new OciLayoutWriter(resolve(spec.path), what);
    await layout.index(); // a directory holding an invalid index.json is refused before anything moves
    const registry = await serveLoopback(layout, what);
    return {
      spec,
      registry,
      reference: `${repository(registry)}${tag && !wholeRepository ? `:${tag}` : ''}`,
      complete: async () => {
        await registry.close();
        await layout.complete();
        return undefined;
      },
      abandon: async () => {
        await registry.close();
        await layout.abandon();
      },
    };
  }
  const file = resolve(spec.path);
  if (existsSync(file) && statSync(file).isDirectory()) throw new AirGapError(`${what} is a directory`);
  // Beside the archive: the same disk, so the finished archive is renamed into place, never copied.
  const work = join(dirname(file), `.${basename(file)}.ferry-${randomBytes(6).toString('hex')}`);
  await mkdir(work);
  const layout = new OciLayoutWriter(join(work, 'layout'), what);
  const registry = await serveLoopback(layout, what);
  const abandon = async () => {
    await registry.close();
    await rm(work, { recursive: true, force: true });
  };
  return {
    spec,
    registry,
    reference: `${repository(registry)}${tag && !wholeRepository ? `:${tag}` : ''}`,
    complete: async () => {
      try {
        await registry.close();
        await layout.complete();
        const packed = join(work, 'archive.tar');
        let note: string | undefined;
        if (spec.kind === 'oci-archive') await packLayout(join(work, 'layout'), packed);
        else {
          const name = spec.name ? familiar(spec.name) : undefined;
          const held = await writeDockerArchive(layout, layout.written.at(-1)?.tag ?? tag!, packed, name);
          note =
            `${what}: ${name ?? 'an unnamed image'} (config ${held.config}, ${held.layers} layers uncompressed; ` +
            `a docker archive keeps no manifest, so the image's manifest digests change)`;
        }
        await rename(packed, file);
        return note;
      } finally {
        await abandon();
      }
    },
    abandon,
  };
}
