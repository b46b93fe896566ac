import { bodyToPayload, payloadToBody, type MessagePayload } from '../../core/webpubsub/frames.js';
import type { ClientConnection } from './client-connection.js';

// User events (webpubsub note §5): a blocking POST; a 200 body goes back to the caller as a server
// message typed by its Content-Type, a non-2xx drops the connection.

export type UserEventOutcome = 'delivered' | 'unhandled' | 'failed';

export async function forwardUserEvent(connection: ClientConnection, event: string, payload: MessagePayload): Promise<UserEventOutcome> {
  const { upstream, hub, log } = connection.context;
  if (!upstream.handlerFor(hub.name, { user: event })) {
    log(`webpubsub: no event handler for user event ${JSON.stringify(event)} on hub ${hub.name}; dropped`);
    return 'unhandled';
  }
  const { contentType, body } = payloadToBody(payload);
  const response = await upstream.send(hub.name, { user: event }, connection.upstreamIdentity(), body, contentType);
  if (!response || response.status < 200 || response.status > 299) {
    log(`webpubsub: user event ${JSON.stringify(event)} of connection ${connection.id} got status ${response?.status ?? 'none'}`);
    return 'failed';
  }
  if (response.state !== undefined) connection.upstreamState = response.state || undefined;
  if (response.status === 200 && response.body.length > 0) {
    try {
      connection.reply(bodyToPayload(response.contentType ?? 'application/octet-stream', response.body));
    } catch (error) {
      log(`webpubsub: user event response for ${connection.id} not forwarded: ${(error as Error).message}`);
    }
  }
  return 'delivered';
}
