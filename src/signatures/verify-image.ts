// Decides whether an image is signed by a signer a rule accepts: every signature found next to it is
// tried with every accepted signer until one verifies for exactly this digest. What did not verify is
// kept, with its reason, for the SIGNATURE_INVALID answer.

import { EncodingError, fromBase64, sha256, toHex } from './encoding.js';
import { PayloadError, pae, parseEnvelope, parseStatement, simpleSigningDigest, statementNames, valueAt, type Statement } from './payloads.js';
import type { PublicKey } from './public-keys.js';
import { Refusal } from './refusal.js';
import type { Attempt, Found, SignatureOutcome } from './found.js';

/** A signer of a rule, its material parsed. */
export type Signer = { label: string } & { kind: 'cosign-key'; key: PublicKey };


export interface Verdict {
  outcome?: SignatureOutcome;
  attempts: Attempt[];
}

/** The first signature that an accepted signer made over `digest`, or every reason none is. */
export async function verifyImageSignature(digest: string, found: Found[], signers: Signer[]): Promise<Verdict> {
  const attempts: Attempt[] = [];
  for (const item of found) {
    if (item.format === 'cosign-attestation') continue;
    for (const signer of signers) {
      try {
        if (item.format === 'none') throw new Refusal(item.reason);
        return { outcome: await verifyOne(digest, item, signer), attempts };
      } catch (error) {
        attempts.push({ where: item.where, signer: signer.label, reason: reasonOf(error) });
      }
      if (item.format === 'none') break; // the same reason for every signer
    }
  }
  return { attempts };
}

export interface AttestationPolicy {
  predicateType: string;
  signer: Signer;
  conditions?: Record<string, string | number | boolean>;
}

/** An attestation of the policy's predicate type, by its signer, about `digest`, meeting its conditions. */
export async function verifyAttestation(digest: string, found: Found[], policy: AttestationPolicy): Promise<Verdict> {
  const attempts: Attempt[] = [];
  for (const item of found) {
    if (item.format !== 'cosign-attestation') continue;
    try {
      const { outcome, statement } = await verifyCosignAttestation(digest, item.payload, policy.signer, item.where);
      if (statement.predicateType !== policy.predicateType) throw new Refusal(`predicate type is ${statement.predicateType}, not ${policy.predicateType}`);
      for (const [path, expected] of Object.entries(policy.conditions ?? {})) {
        const actual = valueAt(statement.predicate, path);
        if (actual !== expected) throw new Refusal(`predicate ${path} is ${JSON.stringify(actual) ?? 'absent'}, not ${JSON.stringify(expected)}`);
      }
      return { outcome, attempts };
    } catch (error) {
      attempts.push({ where: item.where, signer: policy.signer.label, reason: reasonOf(error) });
    }
  }
  return { attempts };
}

async function verifyOne(digest: string, item: Exclude<Found, { format: 'none' | 'cosign-attestation' }>, signer: Signer): Promise<SignatureOutcome> {
  if (item.format === 'cosign') {
    const signature = decode(item.signature, 'the signature annotation');
    if (!(await verifyWithKey(signer.key, item.payload, signature))) throw new Refusal(`the signature does not verify with ${signer.label}'s key (wrong key)`);
    const named = simpleSigningDigest(item.payload);
    if (named !== digest) throw new Refusal(`digest mismatch: the payload signs ${named}, not ${digest}`);
    return { signer: signer.label, kind: 'cosign-key', where: item.where, identity: await fingerprint(signer.key) };
  }
  throw new Refusal(`a ${item.format === 'sigstore-bundle' ? 'Sigstore bundle' : 'Notation signature'} is not something a cosign key signer checks`);
}

async function verifyCosignAttestation(digest: string, envelopeBytes: Uint8Array, signer: Signer, where: string): Promise<{ outcome: SignatureOutcome; statement: Statement }> {
  let envelope;
  try {
    envelope = parseEnvelope(JSON.parse(new TextDecoder().decode(envelopeBytes)));
  } catch (error) {
    throw new Refusal(error instanceof PayloadError ? error.message : 'the attestation is not a JSON DSSE envelope');
  }
  const signed = pae(envelope.payloadType, envelope.payload);
  let verified = false;
  for (const s of envelope.signatures) if (await verifyWithKey(signer.key, signed, s.sig)) verified = true;
  if (!verified) throw new Refusal(`the envelope's signature does not verify with ${signer.label}'s key (wrong key)`);
  const statement = parseStatement(envelope);
  if (!statementNames(statement, digest)) throw new Refusal(`digest mismatch: the statement's subjects do not name ${digest}`);
  return { outcome: { signer: signer.label, kind: 'cosign-key', where, identity: await fingerprint(signer.key) }, statement };
}

// cosign signs with SHA-256 whatever the curve; a P-384/P-521 key's own hash is tried too.
async function verifyWithKey(key: PublicKey, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (await key.verify(data, signature, key.algorithm === 'ed25519' ? undefined : 'SHA-256')) return true;
  return key.hash !== 'SHA-256' && key.algorithm !== 'ed25519' && key.verify(data, signature);
}

/** A key named by the SHA-256 of its SubjectPublicKeyInfo, as `cosign public-key` users compare them. */
export async function fingerprint(key: PublicKey): Promise<string> {
  return `sha256:${toHex(await sha256(key.spki))}`;
}

function decode(text: string, what: string): Uint8Array {
  try {
    return fromBase64(text, what);
  } catch (error) {
    throw new Refusal(error instanceof EncodingError ? error.message : `${what} is unreadable`);
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof Refusal || error instanceof PayloadError || error instanceof EncodingError) return error.message;
  throw error;
}
