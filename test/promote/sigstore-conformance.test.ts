// Sigstore's own conformance cases (test/fixtures/sigstore-conformance, origin noted there): every
// bundle-verify case verified by src/signatures/sigstore-bundle.ts on Node and workerd (Deno and Bun:
// test/promote/signatures-on-every-runtime.node.test.ts); each happy case is accepted, each `_fail` case refused.
// Cases without their own trusted root use the public-good root (test/fixtures/sigstore-public-good).

import { describe, expect, it } from 'vitest';
import { runConformanceCase } from '../support/sigstore-cases.js';
import publicGood from '../fixtures/sigstore-public-good/trusted_root.json?raw';

const files = import.meta.glob('../fixtures/sigstore-conformance/bundle-verify/**/*', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;
const PREFIX = '../fixtures/sigstore-conformance/bundle-verify/';
const cases = [
  ...new Set(
    Object.keys(files)
      .map((p) => p.slice(PREFIX.length).split('/'))
      .filter((p) => p.length === 2)
      .map((p) => p[0]!),
  ),
].sort();
const file = (name: string, leaf: string) => files[`${PREFIX}${name}/${leaf}`];

describe('sigstore-conformance bundle-verify', () => {
  it("has the suite's cases", () => expect(cases.length).toBeGreaterThanOrEqual(69));
  it.each(cases)('%s', async (name) => {
    const result = await runConformanceCase(name, file, publicGood, files[`${PREFIX}a.txt`]!);
    if (name.endsWith('_fail')) expect(result.ok, 'should be refused').toBe(false);
    else expect(result, JSON.stringify(result)).toEqual({ name, ok: true });
  });
});
