// An oci-archive: is an OCI layout in a tar file (skopeo's format): the layout written by the copy is
// packed file by file, streamed, into the archive.

import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DirectoryFiles } from './files.js';
import { TarWriter } from './tar.js';

/** Packs the layout in `dir` into a new archive at `file` (the caller renames it into place). */
export async function packLayout(dir: string, file: string): Promise<void> {
  const files = new DirectoryFiles(dir);
  const handle = await open(file, 'wx');
  try {
    const tar = new TarWriter(handle);
    for (const name of ['oci-layout', 'index.json'])
      await tar.stream(name, files.open(name), (await stat(join(dir, name))).size);
    for (const algorithm of (await readdir(join(dir, 'blobs'))).sort())
      for (const hex of (await readdir(join(dir, 'blobs', algorithm))).sort()) {
        const path = `blobs/${algorithm}/${hex}`;
        await tar.stream(path, files.open(path), (await stat(join(dir, path))).size);
      }
    await tar.end();
    await handle.sync();
  } finally {
    await handle.close();
  }
}
