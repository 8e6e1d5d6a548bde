// One conformance case of sigstore-conformance's bundle-verify suite, verified by src/signatures: shared
// by the vitest test (Node, workerd) and the runner that Deno and Bun execute, so all four runtimes run
// the same cases the same way. `file(case, name)` gives a file of the case's directory, or undefined.

import { compilePattern } from '../../src/patterns.js';
import { sha256, utf8 } from '../../src/encoding.js';
import { KeyError, parsePublicKeyPem } from '../../src/signatures/public-keys.js';
import { Refusal } from '../../src/signatures/refusal.js';
import { verifyBundle } from '../../src/signatures/sigstore-bundle.js';
import { parseTrustedRoot, TrustedRootError } from '../../src/signatures/trusted-root.js';

const DEFAULT_IDENTITY =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';

export type CaseFile = (name: string, leaf: string) => string | undefined;

export interface CaseResult {
  name: string;
  ok: boolean;
  reason?: string;
}

/** Runs a case; `publicGood` is the trusted root of cases that bring none; `artifact` the suite's a.txt. */
export async function runConformanceCase(
  name: string,
  file: CaseFile,
  publicGood: string,
  defaultArtifact: string,
): Promise<CaseResult> {
  try {
    const root = await parseTrustedRoot(file(name, 'trusted_root.json') ?? publicGood);
    const artifact = utf8(file(name, 'artifact') ?? defaultArtifact);
    const keyPem = file(name, 'key.pub');
    const identity = (file(name, 'identity') ?? DEFAULT_IDENTITY).trim();
    const exact = compilePattern(`^${identity.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}$`);
    let bundle: unknown;
    try {
      bundle = JSON.parse(file(name, 'bundle.sigstore.json')!);
    } catch {
      return { name, ok: false, reason: 'the bundle is not JSON' };
    }
    await verifyBundle(
      bundle,
      { bytes: artifact, sha256: await sha256(artifact) },
      {
        root,
        ...(keyPem
          ? { key: await parsePublicKeyPem(keyPem) }
          : { identity: (san: string) => exact.found(san), issuer: (file(name, 'issuer') ?? DEFAULT_ISSUER).trim() }),
      },
    );
    return { name, ok: true };
  } catch (error) {
    if (error instanceof Refusal || error instanceof TrustedRootError || error instanceof KeyError)
      return { name, ok: false, reason: error.message };
    throw error;
  }
}

/** Right when a happy case verified and a `_fail` case was refused. */
export const asExpected = (result: CaseResult) => result.ok === !result.name.endsWith('_fail');
