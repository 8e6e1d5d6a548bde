// Sigstore's own conformance cases (test/fixtures/sigstore-conformance, origin noted there): every
// bundle-verify case verified by src/signatures/sigstore-bundle.ts on Node and workerd; each happy case
// is accepted, each `_fail` case refused. Cases without their own trusted root use the public-good
// root (test/fixtures/sigstore-public-good).

import { describe, expect, it } from 'vitest';
import { compilePattern } from '../src/patterns.js';
import { sha256, utf8 } from '../src/signatures/encoding.js';
import { KeyError, parsePublicKeyPem } from '../src/signatures/public-keys.js';
import { Refusal } from '../src/signatures/refusal.js';
import { verifyBundle } from '../src/signatures/sigstore-bundle.js';
import { parseTrustedRoot, TrustedRootError } from '../src/signatures/trusted-root.js';
import publicGood from './fixtures/sigstore-public-good/trusted_root.json?raw';

const files = import.meta.glob('./fixtures/sigstore-conformance/bundle-verify/**/*', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
const PREFIX = './fixtures/sigstore-conformance/bundle-verify/';
const DEFAULT_IDENTITY = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';

const cases = [...new Set(Object.keys(files).map((p) => p.slice(PREFIX.length).split('/')).filter((p) => p.length === 2).map((p) => p[0]!))].sort();
const file = (name: string, leaf: string) => files[`${PREFIX}${name}/${leaf}`];

async function run(name: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const root = await parseTrustedRoot(file(name, 'trusted_root.json') ?? publicGood);
    const artifact = utf8(file(name, 'artifact') ?? files[`${PREFIX}a.txt`]!);
    const keyPem = file(name, 'key.pub');
    const identity = (file(name, 'identity') ?? DEFAULT_IDENTITY).trim();
    const anchored = compilePattern(`^${identity.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}$`);
    let bundle: unknown;
    try {
      bundle = JSON.parse(file(name, 'bundle.sigstore.json')!);
    } catch {
      return { ok: false, reason: 'the bundle is not JSON' };
    }
    await verifyBundle(bundle, { bytes: artifact, sha256: await sha256(artifact) }, {
      root,
      ...(keyPem ? { key: await parsePublicKeyPem(keyPem) } : { identity: (san: string) => anchored.found(san), issuer: (file(name, 'issuer') ?? DEFAULT_ISSUER).trim() }),
    });
    return { ok: true };
  } catch (error) {
    if (error instanceof Refusal || error instanceof TrustedRootError || error instanceof KeyError) return { ok: false, reason: error.message };
    throw error;
  }
}

describe('sigstore-conformance bundle-verify', () => {
  it('has the suite\'s cases', () => expect(cases.length).toBeGreaterThanOrEqual(69));
  it.each(cases)('%s', async (name) => {
    const result = await run(name);
    if (name.endsWith('_fail')) expect(result.ok, 'should be refused').toBe(false);
    else expect(result, JSON.stringify(result)).toEqual({ ok: true });
  });
});
