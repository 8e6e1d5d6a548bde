// The signed documents: cosign's simple-signing payload, DSSE envelopes and the in-toto statements they
// carry. Each names the image it is about; that must be the digest being promoted.

import { concatBytes, EncodingError, fromBase64, toHex, utf8 } from '../encoding.js';

export class PayloadError extends Error {}

/** The digest a cosign simple-signing payload signs ("critical.image.docker-manifest-digest"). */
export function simpleSigningDigest(payload: Uint8Array): string {
  const doc = parseJson(payload, 'simple-signing payload') as {
    critical?: { type?: unknown; image?: { 'docker-manifest-digest'?: unknown } };
  };
  if (doc?.critical?.type !== 'cosign container image signature')
    throw new PayloadError('the payload is not a cosign container image signature');
  const digest = doc.critical.image?.['docker-manifest-digest'];
  if (typeof digest !== 'string') throw new PayloadError('the payload names no docker-manifest-digest');
  return digest;
}

export interface Envelope {
  payloadType: string;
  payload: Uint8Array;
  signatures: { keyid?: string; sig: Uint8Array }[];
}

export function parseEnvelope(doc: unknown): Envelope {
  const e = doc as { payloadType?: unknown; payload?: unknown; signatures?: unknown };
  if (
    typeof e?.payloadType !== 'string' ||
    typeof e.payload !== 'string' ||
    !Array.isArray(e.signatures) ||
    !e.signatures.length
  ) {
    throw new PayloadError('not a DSSE envelope (payloadType, payload, signatures)');
  }
  try {
    return {
      payloadType: e.payloadType,
      payload: fromBase64(e.payload, 'the envelope payload'),
      signatures: e.signatures.map((s: { keyid?: unknown; sig?: unknown }, i) => {
        if (typeof s?.sig !== 'string') throw new PayloadError(`signatures[${i}] has no sig`);
        return {
          ...(typeof s.keyid === 'string' && s.keyid ? { keyid: s.keyid } : {}),
          sig: fromBase64(s.sig, `signatures[${i}].sig`),
        };
      }),
    };
  } catch (error) {
    if (error instanceof EncodingError) throw new PayloadError(error.message);
    throw error;
  }
}

/** DSSE's pre-authentication encoding: what an envelope's signatures sign. */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = utf8(payloadType);
  return concatBytes(utf8(`DSSEv1 ${type.length} `), type, utf8(` ${payload.length} `), payload);
}

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface Statement {
  predicateType: string;
  subjects: { name?: string; digest: Record<string, string> }[];
  predicate: unknown;
}

export function parseStatement(envelope: Envelope): Statement {
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE)
    throw new PayloadError(`the envelope carries ${envelope.payloadType}, not an in-toto statement`);
  const doc = parseJson(envelope.payload, 'in-toto statement') as {
    _type?: unknown;
    subject?: unknown;
    predicateType?: unknown;
    predicate?: unknown;
  };
  if (typeof doc?._type !== 'string' || !doc._type.startsWith('https://in-toto.io/Statement/'))
    throw new PayloadError('not an in-toto statement');
  if (!Array.isArray(doc.subject) || typeof doc.predicateType !== 'string')
    throw new PayloadError('the statement has no subject or predicateType');
  const subjects = doc.subject.filter(
    (s): s is Statement['subjects'][number] =>
      typeof s === 'object' && s !== null && typeof (s as { digest?: unknown }).digest === 'object',
  );
  return { predicateType: doc.predicateType, subjects, predicate: doc.predicate };
}

/** True when a subject of the statement is `digest` ("sha256:<hex>"). */
export function statementNames(statement: Statement, digest: string): boolean {
  const [algorithm, hex] = digest.split(':');
  return statement.subjects.some((s) => s.digest[algorithm!]?.toLowerCase() === hex);
}

/** The in-toto subject digest of raw bytes, as statements write it. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource)));
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new PayloadError(`the ${what} is not JSON`);
  }
}

/** The value at a dotted path ("builder.id", "runDetails.builder.id") of a predicate. */
export function valueAt(document: unknown, path: string): unknown {
  let at = document;
  for (const key of path.split('.')) {
    if (typeof at !== 'object' || at === null || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}
