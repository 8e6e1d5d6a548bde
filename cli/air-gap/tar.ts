// The tar format as skopeo's archives use it: reading an archive's table of entries (offsets into the file,
// so an entry is streamed from its place and nothing is unpacked), and writing entries one after another,
// a layer's length told after its bytes when it was not known before (a decompressed layer).

import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { AirGapError } from './errors.js';

const BLOCK = 512;

export interface TarEntry {
  /** Where the entry's bytes begin in the file. */
  offset: number;
  size: number;
}

function field(header: Buffer, start: number, length: number): string {
  const raw = header.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('utf8');
}

function octal(header: Buffer, start: number, length: number): number {
  // GNU's base-256 form for sizes of 8 GiB and more: the high bit of the first byte set.
  if (header[start]! & 0x80) {
    let value = 0;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + header[i]!;
    return value;
  }
  const text = field(header, start, length).trim();
  return text ? parseInt(text, 8) : 0;
}

/** The `path` record of a PAX extended header (Go's archive/tar writes one for long names). */
function paxPath(records: Buffer): string | undefined {
  let at = 0;
  let path: string | undefined;
  while (at < records.length) {
    const space = records.indexOf(0x20, at);
    if (space < 0) break;
    const length = parseInt(records.subarray(at, space).toString('ascii'), 10);
    if (!(length > 0)) break;
    const record = records.subarray(space + 1, at + length - 1).toString('utf8');
    const equals = record.indexOf('=');
    if (record.slice(0, equals) === 'path') path = record.slice(equals + 1);
    at += length;
  }
  return path;
}

const normalize = (name: string) => name.replace(/^(\.\/)+/, '').replace(/^\/+/, '');

/**
 * Every regular file of a tar archive by name, and symbolic links resolved to the file they name (older
 * `docker save` archives link layers). Reads headers only: an archive of gigabytes is indexed in a few reads.
 */
export async function readTarIndex(file: FileHandle, what: string): Promise<Map<string, TarEntry>> {
  const entries = new Map<string, TarEntry>();
  const links = new Map<string, string>();
  const { size: total } = await file.stat();
  const header = Buffer.alloc(BLOCK);
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= total) {
    await file.read(header, 0, BLOCK, offset);
    if (offset === 0 && header[0] === 0x1f && header[1] === 0x8b)
      throw new AirGapError(`${what} is gzip-compressed: an archive here is a plain tar (gunzip it first)`);
    if (header.every((b) => b === 0)) break;
    if (field(header, 257, 5) !== 'ustar' && offset === 0) throw new AirGapError(`${what} is not a tar archive`);
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] || 0x30);
    const data = offset + BLOCK;
    const prefix = field(header, 345, 155);
    const name = normalize(longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100)));
    longName = undefined;
    if (data + size > total) throw new AirGapError(`${what} ends inside its entry ${name}: the archive is cut short`);
    if (type === 'x' || type === 'L') {
      const body = Buffer.alloc(size);
      await file.read(body, 0, size, data);
      longName = type === 'L' ? body.toString('utf8').replace(/\0+$/, '') : paxPath(body);
    } else if (type === '0' || type === '7') entries.set(name, { offset: data, size });
    else if (type === '2' || type === '1') {
      const linked = field(header, 157, 100);
      // A symbolic link is relative to its own directory; a hard link names the archive's path.
      const base = type === '2' && name.includes('/') ? name.slice(0, name.lastIndexOf('/') + 1) : '';
      links.set(name, normalize(resolvePath(base + linked)));
    }
    offset = data + Math.ceil(size / BLOCK) * BLOCK;
  }
  for (const [name, linked] of links) {
    const entry = entries.get(linked);
    if (entry) entries.set(name, entry);
  }
  return entries;
}

function resolvePath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '..') parts.pop();
    else if (part && part !== '.') parts.push(part);
  }
  return parts.join('/');
}

/** A ustar header of a regular file, owned by root, with a fixed time: the archive depends only on content. */
export function tarHeader(name: string, size: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name over 100 bytes: ${name}`);
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100);
  block.write('0000644\0', 100);
  block.write('0000000\0', 108);
  block.write('0000000\0', 116);
  if (size < 8 ** 11) block.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  else {
    // Over 8 GiB: the base-256 form (GNU, read by Go and by GNU tar).
    block[124] = 0x80;
    let rest = size;
    for (let i = 135; i > 124; i--, rest = Math.floor(rest / 256)) block[i] = rest % 256;
  }
  block.write('00000000000\0', 136);
  block.write('        ', 148);
  block.write('0', 156);
  block.write('ustar\0', 257);
  block.write('00', 263);
  let sum = 0;
  for (const b of block) sum += b;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}

/** Appends entries to an archive file; streamed ones keep the file's writes in order with backpressure. */
export class TarWriter {
  #offset = 0;

  constructor(readonly file: FileHandle) {}

  async #write(bytes: Uint8Array, position = this.#offset): Promise<void> {
    let done = 0;
    while (done < bytes.byteLength) {
      const { bytesWritten } = await this.file.write(bytes, done, bytes.byteLength - done, position + done);
      done += bytesWritten;
    }
    if (position === this.#offset) this.#offset += bytes.byteLength;
  }

  async #pad(size: number): Promise<void> {
    const rest = (BLOCK - (size % BLOCK)) % BLOCK;
    if (rest) await this.#write(Buffer.alloc(rest));
  }

  async bytes(name: string, bytes: Uint8Array): Promise<void> {
    await this.#write(tarHeader(name, bytes.byteLength));
    await this.#write(bytes);
    await this.#pad(bytes.byteLength);
  }

  /**
   * An entry read from `body`. With `size` the header goes first; without, a placeholder goes first and the
   * header is written over it once the bytes are counted (a file can be written out of order; a pipe could not).
   */
  async stream(name: string, body: Readable, size?: number): Promise<number> {
    const at = this.#offset;
    await this.#write(size === undefined ? Buffer.alloc(BLOCK) : tarHeader(name, size));
    let count = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      await this.#write(chunk);
      count += chunk.byteLength;
    }
    if (size !== undefined && count !== size)
      throw new AirGapError(`${name}: ${count} bytes where ${size} were expected`);
    await this.#write(tarHeader(name, count), at);
    await this.#pad(count);
    return count;
  }

  /** The two zero blocks that end an archive. */
  async end(): Promise<void> {
    await this.#write(Buffer.alloc(2 * BLOCK));
  }
}
