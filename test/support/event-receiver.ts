// A receiver of Ferry's events on the loopback interface, and the independent judges of what it got: the
// `standardwebhooks` reference library verifies each delivery's signature, the `cloudevents` SDK parses it.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HTTP } from 'cloudevents';
import { Webhook } from 'standardwebhooks';

export interface Delivery {
  headers: Record<string, string>;
  body: string;
  /** What the receiver answered. */
  status: number;
}

export interface Receiver {
  url: string;
  got: Delivery[];
  close(): void;
}

/** Starts a receiver at `<url>/hook`; `answer` picks each status (200 by default) from what came before. */
export async function startReceiver(
  answer: (delivery: Omit<Delivery, 'status'>, before: Delivery[]) => number = () => 200,
): Promise<Receiver> {
  const got: Delivery[] = [];
  const server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    const delivery = { headers: request.headers as Record<string, string>, body };
    const status = answer(delivery, got);
    got.push({ ...delivery, status });
    response.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    got,
    close: () => server.close(),
  };
}

/** A receiver answering `statuses` in turn, then 200. */
export const answering = (statuses: number[]) => () => statuses.shift() ?? 200;

export interface ReceivedEvent {
  id: string;
  type: string;
  subject?: string;
  traceparent?: string;
  data: any;
}

/** Each delivery verified with `secret` (throws unless signed with it, its timestamp fresh), then parsed. */
export function verifiedEvents(deliveries: Omit<Delivery, 'status'>[], secret: string): ReceivedEvent[] {
  return deliveries.map((d) => {
    new Webhook(secret).verify(d.body, d.headers);
    return HTTP.toEvent({ headers: d.headers, body: d.body }) as unknown as ReceivedEvent;
  });
}

/** A Standard Webhooks secret of these 32 characters' bytes. */
export const whsec = (bytes: string) => `whsec_${Buffer.from(bytes).toString('base64')}`;
