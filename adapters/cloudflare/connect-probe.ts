// What stopped a request that got no answer, asked of a socket: workerd's fetch reports a refused or
// unreachable address as "Network connection lost", as it does a connection that dropped midway. Only after
// a request failed for good, to the address it was already allowed to reach.

// @ts-expect-error -- 'cloudflare:sockets' exists only inside workerd; the root tsconfig has no Workers types.
import { connect } from 'cloudflare:sockets';

const PROBE_MS = 3000;

interface Socket {
  opened: Promise<unknown>;
  close(): Promise<void>;
}

/** "cannot connect to host:port …" when no connection opens there; undefined when one does. */
export async function explainNetworkFailure(url: URL): Promise<string | undefined> {
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const address = `${url.hostname}:${port}`;
  let socket: Socket | undefined;
  try {
    socket = connect({ hostname: url.hostname.replace(/^\[|\]$/g, ''), port }) as Socket;
    const timer = new Promise((_, reject) => setTimeout(() => reject(new Error('no answer')), PROBE_MS));
    await Promise.race([socket.opened, timer]);
    return undefined;
  } catch {
    return `cannot connect to ${address}: connection refused, or nothing reachable there`;
  } finally {
    void socket?.close().catch(() => undefined);
  }
}
