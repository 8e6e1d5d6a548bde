// The fetch of the Deno and Bun entries: a request carrying the address Ferry's egress check approved
// (ConnectionInit.address, src/registry/egress.ts) connects there and nowhere else, while the name stays
// what the Host header, TLS's server name and the certificate check use. Every other request is the
// runtime's own fetch.

import type { FetchLike } from '../src/deps.js';
import type { ConnectionInit } from '../src/registry/options.js';
import { nodeFetch } from './node-fetch.js';

/**
 * Deno: its node:https takes a `lookup`, so a pinned request goes through Ferry's node fetch. (Deno's own
 * fetch cannot: a `tcp` proxy of Deno.createHttpClient sends plain HTTP to that socket, with no TLS to the
 * registry, and an address in the URL would have TLS check the address instead of the name.)
 */
export const denoFetch: FetchLike = (input, init?: ConnectionInit) =>
  init?.address ? nodeFetch(input, init) : fetch(input, init);

/** Bun: its fetch connects to the address in the URL and takes the name for Host and `tls.serverName`. */
export const bunFetch: FetchLike = async (input, init?: ConnectionInit) => {
  if (!init?.address || input instanceof Request) return fetch(input, init);
  const url = new URL(String(input));
  const { address, ...rest } = init;
  const direct = new URL(url);
  direct.hostname = address.includes(':') ? `[${address}]` : address;
  const headers = new Headers(rest.headers);
  headers.set('host', url.host);
  const pinned = { ...rest, headers, ...(url.protocol === 'https:' ? { tls: { serverName: url.hostname } } : {}) };
  const response = await fetch(direct, pinned as RequestInit);
  // Whoever reads the answer sees the URL it asked for.
  Object.defineProperty(response, 'url', { value: url.toString() });
  return response;
};
