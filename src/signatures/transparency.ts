// Transparency-log evidence in a Sigstore bundle: the Merkle inclusion proof (RFC 9162) up to a
// checkpoint the log signed (a C2SP signed note: Rekor v1 signs with ECDSA, Rekor v2 with Ed25519), and
// Rekor v1's signed entry timestamp (the log's promise, over the entry and its integration time).

import { concatBytes, equalBytes, fromBase64, toHex, utf8 } from '../encoding.js';
import type { TrustedLog } from './trusted-root.js';
import { Refusal } from './refusal.js';

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', concatBytes(...parts) as BufferSource));
}

export const leafHash = (entry: Uint8Array) => sha256(new Uint8Array([0]), entry);

/** RFC 9162 §2.1.3.2: does `proof` lead from the leaf at `index` of a tree of `size` to `root`? */
export async function verifyInclusion(
  leaf: Uint8Array,
  index: bigint,
  size: bigint,
  proof: Uint8Array[],
  root: Uint8Array,
): Promise<void> {
  if (index < 0n || index >= size) throw new Refusal(`inclusion proof: index ${index} is outside a tree of ${size}`);
  let fn = index;
  let sn = size - 1n;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) throw new Refusal('inclusion proof: more hashes than the tree has levels');
    if (fn % 2n === 1n || fn === sn) {
      r = await sha256(new Uint8Array([1]), p, r);
      while (fn % 2n === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = await sha256(new Uint8Array([1]), r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n || !equalBytes(r, root)) throw new Refusal('inclusion proof: the hashes do not lead to the root hash');
}

export interface Checkpoint {
  origin: string;
  size: bigint;
  rootHash: Uint8Array;
}

/**
 * A checkpoint (signed note) that `log` signed: some signature line (not necessarily the first: witnesses
 * cosign) carries the log's key hint (the first 4 bytes of its log id) and verifies over the note's text.
 * Other lines are ignored.
 */
export async function verifyCheckpoint(envelope: string, log: TrustedLog): Promise<Checkpoint> {
  const split = envelope.indexOf('\n\n');
  if (split === -1) throw new Refusal('checkpoint: no signatures');
  const text = envelope.slice(0, split + 1);
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new Refusal('checkpoint: expected origin, tree size and root hash');
  const [origin, sizeLine, rootLine] = lines as [string, string, string];
  if (!origin || /^\d+$/.test(origin)) throw new Refusal('checkpoint: no origin line');
  if (!/^\d+$/.test(sizeLine)) throw new Refusal('checkpoint: no tree size');
  let rootHash: Uint8Array;
  try {
    rootHash = fromBase64(rootLine, 'checkpoint root hash');
  } catch {
    throw new Refusal('checkpoint: no root hash');
  }
  if (rootHash.length !== 32) throw new Refusal('checkpoint: no root hash');
  const hint = log.logId.subarray(0, 4);
  for (const line of envelope.slice(split + 2).split('\n')) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) continue;
    let signed: Uint8Array;
    try {
      signed = fromBase64(m[2]!);
    } catch {
      continue;
    }
    // Lines are told apart by key hint (Rekor v1 names itself without the origin's tree id).
    if (signed.length < 5 || !equalBytes(signed.subarray(0, 4), hint)) continue;
    if (await log.key.verify(utf8(text), signed.subarray(4), log.key.algorithm === 'ed25519' ? undefined : 'SHA-256')) {
      return { origin, size: BigInt(sizeLine), rootHash };
    }
  }
  throw new Refusal(`checkpoint: no signature by the log ${log.baseUrl}`);
}

/** Rekor v1's signed entry timestamp over {body, integratedTime, logID, logIndex} (canonical JSON). */
export async function verifySignedEntryTimestamp(
  set: Uint8Array,
  body: string,
  integratedTime: bigint,
  logIndex: bigint,
  log: TrustedLog,
): Promise<void> {
  // Canonical JSON, keys in order (the numbers are bigints, which JSON.stringify refuses).
  const logId = JSON.stringify(toHex(log.logId));
  const canonical =
    `{"body":${JSON.stringify(body)},"integratedTime":${integratedTime},` + `"logID":${logId},"logIndex":${logIndex}}`;
  if (!(await log.key.verify(utf8(canonical), set, 'SHA-256')))
    throw new Refusal('the signed entry timestamp does not verify with the log key');
}
