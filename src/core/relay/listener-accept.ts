import { RealtimeError } from '../errors.js';
import type { ListenerContext } from './listener-context.js';
import { closeQuietly, openSocket } from './sockets.js';
import type { AcceptResult, RelayAcceptRequest } from './listener-types.js';
import type { AcceptMessage } from './protocol.js';
import { createRelayRejectUrl, relayAppUrl } from './app-url.js';

// The WebSocket accept path (docs/protocol/relay.md §1.3): the app's hook sees the sender's headers, then the
// listener dials the rendezvous `address` to accept, or `address&sb-hc-statusCode=…` to reject.

export type { AcceptHandler, AcceptResult, RelayAcceptRequest, RelayConnection } from './listener-types.js';

export function toAcceptRequest(message: AcceptMessage, namespace: string, secure: boolean): RelayAcceptRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.connectHeaders)) headers[name.toLowerCase()] = value;
  const offered = headers['sec-websocket-protocol'];
  return {
    id: message.id,
    url: relayAppUrl(message.address, namespace, secure),
    headers,
    protocols: offered ? offered.split(',').map((p) => p.trim()).filter(Boolean) : [],
    ...(message.remoteEndpoint ? { remoteEndpoint: message.remoteEndpoint } : {}),
  };
}

// .NET: default rejection 400 "Rejected by user code", 502 when the AcceptHandler throws (docs/protocol/relay.md §1.3).
async function decide(ctx: ListenerContext, request: RelayAcceptRequest): Promise<{ protocol?: string } | { status: number; statusDescription: string }> {
  if (!ctx.wantsConnections()) return { status: 501, statusDescription: 'This listener takes no WebSocket connections' };
  let result: AcceptResult;
  try {
    result = ctx.acceptHandler ? await ctx.acceptHandler(request) : true;
  } catch (cause) {
    ctx.onError(new RealtimeError('service', 'the accept handler threw', { cause }));
    return { status: 502, statusDescription: 'Accept handler failed' };
  }
  if (result === true) return request.protocols[0] ? { protocol: request.protocols[0] } : {};
  if (typeof result === 'object' && result !== null && 'protocol' in result) return { protocol: result.protocol };
  if (typeof result === 'object' && result !== null && 'status' in result) {
    return { status: result.status, statusDescription: result.statusDescription ?? 'Rejected by user code' };
  }
  return { status: 400, statusDescription: 'Rejected by user code' };
}

export async function handleAccept(ctx: ListenerContext, message: AcceptMessage): Promise<void> {
  const request = toAcceptRequest(message, ctx.namespace, ctx.secure);
  const decision = await decide(ctx, request);
  if ('status' in decision) {
    await reject(ctx, message.address, decision.status, decision.statusDescription);
    return;
  }
  try {
    const protocols = decision.protocol ? [decision.protocol] : undefined;
    const socket = await openSocket(ctx.WebSocket, message.address, { protocols, timeoutMs: ctx.connectTimeoutMs, timers: ctx.timers });
    ctx.onConnection({ socket, request });
  } catch (error) {
    ctx.onError(error as RealtimeError);
  }
}

/** The reject dial is meant to fail with 410 Gone; anything else is reported (docs/protocol/relay.md §1.3). */
async function reject(ctx: ListenerContext, address: string, status: number, description: string): Promise<void> {
  try {
    const url = createRelayRejectUrl(address, status, description);
    const socket = await openSocket(ctx.WebSocket, url, { timeoutMs: ctx.connectTimeoutMs, timers: ctx.timers });
    closeQuietly(socket);
    ctx.onError(new RealtimeError('protocol', `rejecting connection with ${status} was accepted by the service instead`));
  } catch (error) {
    const status = (error as RealtimeError).status;
    if (status !== undefined && status !== 410) ctx.onError(error as RealtimeError);
  }
}
