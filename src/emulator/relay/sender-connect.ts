import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { encodeControlMessage } from '../../core/relay/protocol.js';
import { bridge } from './bridge.js';
import { appQuery, rawHeaderMap, rawQueryOf } from './forwarded-request.js';
import type { RelayContext } from './handler-context.js';
import type { EntityMatch } from './entities.js';
import type { RendezvousArrival } from './rendezvous.js';
import { describeFailure, rejectUpgrade } from './replies.js';
import { closeSocket } from './sockets.js';

// Sender WebSocket (docs/protocol/relay.md §1.4) → `accept` on one listener's control channel (§1.3) → the
// listener dials the single-use address, or dials it with sb-hc-statusCode to reject. The
// sender's own handshake stays open until then, so a rejection reaches it as an HTTP status.

function offeredProtocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  return (header ?? '').split(',').map((p) => p.trim()).filter(Boolean);
}

// ServiceBusAuthorization is dropped from connectHeaders: the doc says "all headers" [U], but
// forwarding a sender's credential to the listener would leak it.
const dropFromConnectHeaders = (name: string) => name === 'servicebusauthorization';

export function handleSenderConnect(ctx: RelayContext, req: IncomingMessage, socket: Duplex, head: Buffer, match: EntityMatch, systemTracker: string): void {
  const { entity, suffix } = match;
  const listener = entity.pickListener();
  if (!listener) {
    rejectUpgrade(socket, 404, describeFailure('There are no listeners connected for the endpoint.', systemTracker));
    return;
  }
  const url = new URL(req.url ?? '/', 'http://relay.invalid');
  let settled = false;
  const pending = {
    kind: 'connecting' as const,
    terminate: () => {
      settled = true;
      ctx.rendezvous.cancel(entry);
      rejectUpgrade(socket, 404, describeFailure('Endpoint does not exist.', systemTracker));
    },
  };
  const entry = ctx.rendezvous.create({
    action: 'accept',
    scheme: ctx.scheme,
    host: listener.host,
    path: `${encodeURIComponent(entity.name)}${suffix}`,
    appQuery: appQuery(rawQueryOf(req.url)),
    ...(url.searchParams.get('sb-hc-id') ? { trackingId: url.searchParams.get('sb-hc-id')! } : {}),
    lifetimeMs: ctx.rendezvousTimeoutMs,
    arrive: (arrival) => {
      settled = true;
      entity.attachments.delete(pending);
      void completeRendezvous(ctx, req, socket, head, match, arrival, systemTracker);
    },
    expire: () => {
      settled = true;
      entity.attachments.delete(pending);
      rejectUpgrade(socket, 504, describeFailure('The listener did not accept the connection in time.', systemTracker));
    },
  });
  entity.attachments.add(pending);
  socket.once('close', () => {
    entity.attachments.delete(pending);
    if (!settled) ctx.rendezvous.cancel(entry);
  });
  const remote = req.socket.remoteAddress ? { remoteEndpoint: { address: req.socket.remoteAddress, port: req.socket.remotePort ?? 0 } } : {};
  listener.sendText(
    encodeControlMessage({
      type: 'accept',
      address: entry.address,
      id: entry.id,
      connectHeaders: rawHeaderMap(req, dropFromConnectHeaders),
      ...remote,
    }),
  );
  ctx.log(`relay: accept ${entry.id} sent to listener ${listener.trackingId} for ${entity.name}`);
}

function rejectionStatus(raw: string): number {
  const code = Number(raw);
  return Number.isInteger(code) && code >= 400 && code <= 599 ? code : 400;
}

async function completeRendezvous(
  ctx: RelayContext,
  senderReq: IncomingMessage,
  senderSocket: Duplex,
  senderHead: Buffer,
  match: EntityMatch,
  arrival: RendezvousArrival,
  systemTracker: string,
): Promise<void> {
  const rejectCode = arrival.url.searchParams.get('sb-hc-statusCode');
  if (rejectCode !== null) {
    // The rejecting connect "fails on purpose" with 410 Gone; the sender gets the listener's status (docs/protocol/relay.md §1.3).
    const description = arrival.url.searchParams.get('sb-hc-statusDescription') ?? 'Rejected by the listener';
    rejectUpgrade(senderSocket, rejectionStatus(rejectCode), description);
    rejectUpgrade(arrival.socket, 410, 'Gone: the connection was rejected');
    return;
  }
  if (senderSocket.destroyed) {
    rejectUpgrade(arrival.socket, 410, 'Gone: the sender is no longer connected');
    return;
  }
  // The listener picks the subprotocol by offering exactly one; the sender gets it if it asked for it.
  const picked = offeredProtocols(arrival.req)[0];
  const agreed = picked !== undefined && offeredProtocols(senderReq).includes(picked) ? picked : undefined;
  let listenerWs: WebSocket | undefined;
  try {
    listenerWs = await ctx.upgrade(arrival.req, arrival.socket, arrival.head, agreed);
    if (senderSocket.destroyed) {
      closeSocket(listenerWs, 1001, 'The sender went away');
      return;
    }
    const senderWs = await ctx.upgrade(senderReq, senderSocket, senderHead, agreed);
    bridge(senderWs, listenerWs, match.entity, ctx.log);
  } catch (error) {
    ctx.log(`relay: rendezvous upgrade failed: ${(error as Error).message}`);
    if (listenerWs) closeSocket(listenerWs, 1001, 'The sender went away');
    rejectUpgrade(senderSocket, 500, describeFailure('The rendezvous could not be completed.', systemTracker));
  }
}
