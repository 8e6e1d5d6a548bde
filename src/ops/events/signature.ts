// Standard Webhooks signatures: `webhook-signature` is "v1,<base64 HMAC-SHA256 of id.timestamp.body>" for each
// of the sink's secrets (space-separated, so a receiver rotating its secret accepts either).

import { toBase64 } from '../../encoding.js';

export async function signatureHeaders(
  keys: Uint8Array[],
  id: string,
  timestampSeconds: number,
  body: string,
): Promise<Record<string, string>> {
  const signed = new TextEncoder().encode(`${id}.${timestampSeconds}.${body}`);
  const signatures = await Promise.all(
    keys.map(async (key) => {
      const hmac = await crypto.subtle.importKey(
        'raw',
        key as Uint8Array<ArrayBuffer>,
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign'],
      );
      return `v1,${toBase64(new Uint8Array(await crypto.subtle.sign('HMAC', hmac, signed)))}`;
    }),
  );
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signatures.join(' '),
  };
}
