import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { MAX_LISTENERS_PER_ENTITY } from '../../core/relay/protocol.js';
import { stripHcSegment } from '../../core/relay/wire-rules.js';
import { authorize } from './auth.js';
import type { RelayContext } from './handler-context.js';
import { ListenerSession } from './control-channel.js';
import { handshakeProblem } from './handshake-check.js';
import { pathSegments, type EntityMatch, type HybridConnection } from './entities.js';
import type { RendezvousAction } from './rendezvous.js';
import { describeFailure, rejectUpgrade } from './replies.js';
import { handleSenderConnect } from './sender-connect.js';
import { closeSocket } from './sockets.js';

// Every WebSocket upgrade lands here: `/$hc/{path}?sb-hc-action=listen|connect|accept|request`
// (docs/protocol/relay.md §1.2–1.5). Handshake failures are plain HTTP statuses: 400 bad action, 401 token
// missing/invalid/expired, 403 wrong claim or audience, 404 unknown path; rendezvous addresses
// that are unknown, used or expired get 403.

function tokenFrom(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers['servicebusauthorization'];
  return (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('sb-hc-token') ?? undefined;
}

/** The request target as a URL, or undefined when it is none (`//` makes `new URL` throw). */
function parseTarget(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://relay.invalid');
  } catch {
    return undefined;
  }
}

/** `rendezvousOnly`: the rendezvous port, which serves accept/request addresses and nothing else. */
export async function routeUpgrade(ctx: RelayContext, req: IncomingMessage, socket: Duplex, head: Buffer, rendezvousOnly = false): Promise<void> {
  socket.on('error', () => {});
  const url = parseTarget(req.url);
  if (!url) {
    rejectUpgrade(socket, 400, describeFailure('The request target is malformed.', 'relay'));
    return;
  }
  const pathname = (req.url ?? '/').split('?')[0]!;
  const ns = ctx.registry.namespaceFor(req.headers.host);
  const tracker = `sb://${ns.host}${stripHcSegment(pathname)}`;
  const problem = handshakeProblem(req);
  if (problem) {
    rejectUpgrade(socket, problem.status, describeFailure(problem.message, tracker));
    return;
  }
  const segments = pathSegments(pathname);
  if (!segments || segments[0]?.toLowerCase() !== '$hc') {
    rejectUpgrade(socket, 400, describeFailure('WebSocket upgrades are accepted on /$hc/{path} only.', tracker));
    return;
  }
  const action = url.searchParams.get('sb-hc-action')?.toLowerCase();
  if (action === 'accept' || action === 'request') {
    arriveAtRendezvous(ctx, req, socket, head, url, action, tracker);
    return;
  }
  if (rendezvousOnly) {
    rejectUpgrade(socket, 400, describeFailure('This address serves rendezvous (sb-hc-action=accept or request) only.', tracker));
    return;
  }
  if (action !== 'listen' && action !== 'connect') {
    rejectUpgrade(socket, 400, describeFailure('sb-hc-action must be listen, connect, accept or request.', tracker));
    return;
  }
  const match = ns.resolve(segments.slice(1));
  if (!match) {
    rejectUpgrade(socket, 404, describeFailure('Endpoint does not exist.', tracker));
    return;
  }
  if (action === 'listen') await acceptListener(ctx, req, socket, head, url, match, tracker);
  else await acceptSender(ctx, req, socket, head, url, match, tracker);
}

function arriveAtRendezvous(ctx: RelayContext, req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, action: RendezvousAction, tracker: string): void {
  const entry = ctx.rendezvous.take(url.searchParams.get('sb-hc-id') ?? '', action);
  if (!entry) {
    rejectUpgrade(socket, 403, describeFailure('The rendezvous address is invalid, already used or expired.', tracker));
    return;
  }
  entry.arrive({ req, socket, head, url });
}

async function acceptListener(ctx: RelayContext, req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, match: EntityMatch, tracker: string): Promise<void> {
  if (match.suffix !== '') {
    rejectUpgrade(socket, 404, describeFailure('Endpoint does not exist.', tracker));
    return;
  }
  const outcome = await authorize({ entity: match.entity, token: tokenFrom(req, url), claim: 'Listen', hostHeader: req.headers.host });
  if (!outcome.ok) {
    rejectUpgrade(socket, outcome.status, describeFailure(outcome.message, tracker));
    return;
  }
  const entity = match.entity.namespace.adopt(match.entity);
  try {
    await acceptAdopted(ctx, req, socket, head, url, entity, tracker, outcome.token?.expiresAt);
  } finally {
    entity.arrived();
  }
}

async function acceptAdopted(
  ctx: RelayContext,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  url: URL,
  entity: HybridConnection,
  tracker: string,
  tokenExpiresAt: number | undefined,
): Promise<void> {
  // The service's answer to a 26th listener is not documented; 403 (quota) is our guess [U].
  if (entity.listeners.size >= MAX_LISTENERS_PER_ENTITY) {
    rejectUpgrade(socket, 403, describeFailure(`QuotaExceeded: at most ${MAX_LISTENERS_PER_ENTITY} listeners per hybrid connection.`, tracker));
    return;
  }
  const ws = await ctx.upgrade(req, socket, head);
  if (entity.deleted) {
    closeSocket(ws, 1001, 'The hybrid connection was deleted');
    return;
  }
  const session = new ListenerSession({
    ws,
    stream: socket,
    entity,
    host: req.headers.host ?? '127.0.0.1',
    trackingId: url.searchParams.get('sb-hc-id') ?? randomUUID(),
    tokenExpiresAt,
    exchanges: ctx.exchanges,
    backlogBytes: ctx.listenerBacklogBytes,
    renew: (token) => authorize({ entity, token, claim: 'Listen', hostHeader: req.headers.host }),
    log: ctx.log,
  });
  ctx.log(`relay: listener ${session.trackingId} online on ${entity.name} (${entity.listeners.size} online)`);
}

async function acceptSender(ctx: RelayContext, req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, match: EntityMatch, tracker: string): Promise<void> {
  if (match.entity.spec.requiresClientAuthorization) {
    const outcome = await authorize({ entity: match.entity, token: tokenFrom(req, url), claim: 'Send', hostHeader: req.headers.host });
    if (!outcome.ok) {
      rejectUpgrade(socket, outcome.status, describeFailure(outcome.message, tracker));
      return;
    }
  }
  handleSenderConnect(ctx, req, socket, head, match, tracker);
}
