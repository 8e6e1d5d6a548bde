// The incremental digester agrees with Web Crypto whatever the chunking.

import { expect, it } from 'vitest';
import { computeDigest, createSha256Digester } from '../../src/registry/digest.js';
import { Sha256 } from '../../src/registry/sha256.js';

function bytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + (i >> 8)) & 255;
  return out;
}

it.each([0, 1, 55, 56, 63, 64, 65, 1000, 100_000])('%i bytes in uneven chunks', async (n) => {
  const data = bytes(n);
  const hash = new Sha256();
  const digester = createSha256Digester();
  for (let i = 0; i < n;) {
    const step = 1 + ((i * 7) % 97);
    hash.update(data.subarray(i, i + step));
    await digester.update(data.subarray(i, i + step));
    i += step;
  }
  const expected = await computeDigest(data);
  expect(`sha256:${hash.digestHex()}`).toBe(expected);
  expect(await digester.digest()).toBe(expected);
});
