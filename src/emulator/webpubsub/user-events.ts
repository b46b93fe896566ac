import { bodyToPayload, payloadToBody, type AckError, type MessagePayload } from '../../core/webpubsub/frames.js';
import type { UserEventSource } from './connection-types.js';
import type { UpstreamResponse } from './upstream.js';

// User events (docs/protocol/webpubsub.md §5): a blocking POST; a 200 body goes back to the caller as a server
// message typed by its Content-Type, a non-2xx drops the connection. `invoke` (§4, newer) gets the
// same POST but answers with an invokeResponse instead.

export type UserEventOutcome = 'delivered' | 'unhandled' | 'failed';

async function callUpstream(connection: UserEventSource, event: string, payload: MessagePayload | undefined): Promise<UpstreamResponse | 'unhandled'> {
  const { upstream, hub, log } = connection.context;
  if (!upstream.handlerFor(hub.name, { user: event })) {
    log(`webpubsub: no event handler for user event ${JSON.stringify(event)} on hub ${hub.name}; dropped`);
    return 'unhandled';
  }
  // [?] An invoke without data goes up as an empty text/plain body.
  const { contentType, body } = payload ? payloadToBody(payload) : { contentType: 'text/plain', body: new Uint8Array() };
  const response = (await upstream.send(hub.name, { user: event }, connection.upstreamIdentity(), body, contentType))!;
  if (response.status >= 200 && response.status <= 299 && response.state !== undefined) connection.upstreamState = response.state || undefined;
  return response;
}

/** The response body as a payload, or undefined when there is none or it does not decode. */
function responsePayload(connection: UserEventSource, response: UpstreamResponse): MessagePayload | undefined {
  if (response.status !== 200 || response.body.length === 0) return undefined;
  try {
    return bodyToPayload(response.contentType ?? 'application/octet-stream', response.body);
  } catch (error) {
    connection.context.log(`webpubsub: user event response for ${connection.id} not forwarded: ${(error as Error).message}`);
    return undefined;
  }
}

export async function forwardUserEvent(connection: UserEventSource, event: string, payload: MessagePayload): Promise<UserEventOutcome> {
  const response = await callUpstream(connection, event, payload);
  if (response === 'unhandled') return 'unhandled';
  if (response.status < 200 || response.status > 299) {
    connection.context.log(`webpubsub: user event ${JSON.stringify(event)} of connection ${connection.id} got status ${response.status}`);
    return 'failed';
  }
  const reply = responsePayload(connection, response);
  if (reply) connection.reply(reply);
  return 'delivered';
}

export type InvokeResult = { success: true; payload?: MessagePayload } | { success: false; error: AckError };

export async function invokeUserEvent(connection: UserEventSource, event: string, payload: MessagePayload | undefined): Promise<InvokeResult> {
  const response = await callUpstream(connection, event, payload);
  // [?] Error names for invoke are not documented beyond {name, message}; these follow the ack names.
  if (response === 'unhandled') return { success: false, error: { name: 'NotFound', message: `No event handler for event ${event}` } };
  if (response.status < 200 || response.status > 299) {
    return { success: false, error: { name: 'InternalServerError', message: `The event handler returned status ${response.status}` } };
  }
  const reply = responsePayload(connection, response);
  return reply ? { success: true, payload: reply } : { success: true };
}
