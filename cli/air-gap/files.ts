// Where a layout's files lie: a directory (oci:) or the entries of a tar archive read in place
// (oci-archive:, docker-archive:). Either way a file is streamed from disk, never held whole.

import { createReadStream } from 'node:fs';
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AirGapError } from './errors.js';
import { readTarIndex, type TarEntry } from './tar.js';

export interface Files {
  size(path: string): Promise<number | undefined>;
  open(path: string, start?: number): Readable;
  /** A small file whole (an index, a manifest, a config): refused over `limit` bytes. */
  bytes(path: string, limit: number): Promise<Buffer | undefined>;
  close(): Promise<void>;
}

const tooLarge = (path: string, limit: number) =>
  new AirGapError(`${path} is over ${limit} bytes: not an index, manifest or configuration`);

export class DirectoryFiles implements Files {
  constructor(readonly dir: string) {}

  async size(path: string): Promise<number | undefined> {
    try {
      const found = await stat(join(this.dir, path));
      return found.isFile() ? found.size : undefined;
    } catch {
      return undefined;
    }
  }

  open(path: string, start = 0): Readable {
    return createReadStream(join(this.dir, path), { start });
  }

  async bytes(path: string, limit: number): Promise<Buffer | undefined> {
    const size = await this.size(path);
    if (size === undefined) return undefined;
    if (size > limit) throw tooLarge(path, limit);
    return readFile(join(this.dir, path));
  }

  async close(): Promise<void> {}
}

export class ArchiveFiles implements Files {
  private constructor(
    readonly path: string,
    readonly handle: FileHandle,
    readonly entries: Map<string, TarEntry>,
  ) {}

  static async open(path: string): Promise<ArchiveFiles> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      throw new AirGapError(`cannot read ${path}: ${(error as Error).message}`);
    }
    try {
      return new ArchiveFiles(path, handle, await readTarIndex(handle, path));
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async size(path: string): Promise<number | undefined> {
    return this.entries.get(path)?.size;
  }

  open(path: string, start = 0): Readable {
    const entry = this.entries.get(path)!;
    if (start >= entry.size) return Readable.from([]);
    // Its own descriptor per stream: reads of several blobs at once do not share a file position.
    return createReadStream(this.path, { start: entry.offset + start, end: entry.offset + entry.size - 1 });
  }

  async bytes(path: string, limit: number): Promise<Buffer | undefined> {
    const entry = this.entries.get(path);
    if (!entry) return undefined;
    if (entry.size > limit) throw tooLarge(path, limit);
    const buffer = Buffer.alloc(entry.size);
    await this.handle.read(buffer, 0, entry.size, entry.offset);
    return buffer;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
