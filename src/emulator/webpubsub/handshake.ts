import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { JwtPayload } from '../../core/jwt.js';
import { HUB_NAME_PATTERN } from '../../core/webpubsub/client-token.js';
import { isReliableSubprotocol } from '../../core/webpubsub/frames.js';
import { rejectUpgrade } from '../host/replies.js';
import type { Upgrader } from '../host/upgrade.js';
import { acceptedHosts, claimsForConnectEvent, extractClientToken, stringList, verifyClientToken } from './auth.js';
import { ClientConnection, newConnectionId } from './client-connection.js';
import { CLOSE_POLICY } from './close-codes.js';
import type { ConnectionContext, ConnectionCounters, ConnectionLimits, SimpleMode } from './connection-types.js';
import type { HubRegistry, HubState } from './hub-state.js';
import type { HubSettings } from './options.js';
import { subprotocolNamed } from './subprotocols.js';
import type { Upstream } from './upstream.js';

// The client WebSocket handshake (docs/protocol/webpubsub.md §1, §4, §5): token check → 401, blocking
// `connect` event (4xx passes through), subprotocol choice, or recovery of a reliable session.
// Everything is checked before the upgrade, and nothing is stored for a hub until a connection is added.

export interface HandshakeEnvironment {
  upgrader: Upgrader;
  hubs: HubRegistry;
  upstream: Upstream;
  accessKey: string;
  port: number;
  settingsFor: (hub: string) => HubSettings | undefined;
  recoveryWindowMs: number;
  limits: ConnectionLimits;
  counters: ConnectionCounters;
  log: (line: string) => void;
}

const REFUSED_CLOSE_GRACE_MS = 1000;
const SEND_EVENT_MODE: SimpleMode = { mode: 'sendEvent' };

/** One context per hub, shared by its connections (they differ only in their own fields). */
const contexts = new WeakMap<HubState, ConnectionContext>();

function contextFor(env: HandshakeEnvironment, hub: HubState): ConnectionContext {
  let context = contexts.get(hub);
  if (!context) contexts.set(hub, (context = { hub, upstream: env.upstream, log: env.log, recoveryWindowMs: env.recoveryWindowMs, limits: env.limits, counters: env.counters }));
  return context;
}

function hubFromPath(url: URL): string | undefined {
  const match = /^\/client\/hubs\/([^/]+)\/?$/i.exec(url.pathname);
  if (match) return decodeURIComponent(match[1]!);
  if (/^\/client\/?$/i.test(url.pathname)) return url.searchParams.get('hub') ?? undefined;
  return undefined;
}

/**
 * Upgrades with the host's upgrader, which runs `onOpen` before any frame is read: every listener
 * is on before bytes that arrived with the handshake are parsed.
 */
function accept(env: HandshakeEnvironment, req: IncomingMessage, socket: Duplex, head: Buffer, subprotocol: string | undefined, onOpen: (ws: WebSocket) => void): void {
  // The known names as the module's own strings (equal to the offered ones): the socket keeps the
  // name for its life, and one shared string beats a copy per connection.
  const protocol = subprotocolNamed(subprotocol)?.name ?? subprotocol;
  void env.upgrader.upgrade(req, socket, head, { ...(protocol ? { protocol } : {}), onOpen }).catch((error: Error) => env.log(`webpubsub: upgrade not completed: ${error.message}`));
}

export async function handleClientUpgrade(env: HandshakeEnvironment, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  let url: URL;
  let hubName: string | undefined;
  try {
    url = new URL(`http://emulator${req.url?.startsWith('/') ? req.url : '/'}`);
    if (!/^\/client(\/|$)/i.test(url.pathname)) return rejectUpgrade(socket, 404);
    hubName = hubFromPath(url);
  } catch {
    return rejectUpgrade(socket, 400, 'Malformed request URL');
  }
  if (!hubName || !HUB_NAME_PATTERN.test(hubName)) return rejectUpgrade(socket, 400, 'Invalid hub name');
  const hubKey = hubName.toLowerCase(); // hub names are case-insensitive (§1)
  const requested = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);

  const recoverId = url.searchParams.get('awps_connection_id');
  if (recoverId !== null) {
    // Recovery authenticates by reconnection token; the original access token may have expired. The
    // session is looked up and the token compared before the upgrade; a refusal is still an upgrade
    // closed with 1008, the documented answer that makes clients stop recovering (§4 "Recovery").
    const subprotocol = requested.find(isReliableSubprotocol) ?? requested[0];
    const token = url.searchParams.get('awps_reconnection_token') ?? '';
    const connection = env.hubs.find(hubKey)?.connections.get(recoverId);
    const session = connection instanceof ClientConnection && connection.canRecover(subprotocol, token) ? connection : undefined;
    accept(env, req, socket, head, subprotocol, (ws) => {
      if (session?.tryRecover(ws, socket, token)) return;
      env.log(`webpubsub: recovery of connection ${recoverId} refused`);
      ws.close(CLOSE_POLICY, 'Session cannot be recovered');
      // A peer that never answers the close would hold the socket for ws's 30 s close timeout.
      setTimeout(() => ws.terminate(), REFUSED_CLOSE_GRACE_MS).unref();
    });
    return;
  }

  let claims: JwtPayload = {};
  const token = extractClientToken(req, url);
  if (token) {
    try {
      claims = await verifyClientToken(token, env.accessKey, hubKey, acceptedHosts(req, env.port));
    } catch (error) {
      env.log(`webpubsub: client token rejected on hub ${hubKey}: ${(error as Error).message}`);
      return rejectUpgrade(socket, 401, 'Unauthorized');
    }
  } else if (!env.settingsFor(hubKey)?.allowAnonymous) {
    return rejectUpgrade(socket, 401, 'Unauthorized');
  }

  const id = newConnectionId();
  let userId = typeof claims.sub === 'string' ? claims.sub : undefined;
  const roles = stringList(claims.role);
  const groups = stringList(claims['webpubsub.group']);
  let subprotocol = requested.find((p) => subprotocolNamed(p) !== undefined);
  let state: string | undefined;

  if (env.upstream.handlerFor(hubKey, { system: 'connect' })) {
    const body = {
      claims: claimsForConnectEvent(claims),
      query: Object.fromEntries([...new Set(url.searchParams.keys())].filter((k) => k !== 'access_token').map((k) => [k, url.searchParams.getAll(k)])),
      headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'authorization').map(([k, v]) => [k, Array.isArray(v) ? v : [String(v)]])),
      subprotocols: requested,
      clientCertificates: [],
    };
    const response = await env.upstream.send(hubKey, { system: 'connect' }, { connectionId: id, ...(userId === undefined ? {} : { userId }) }, new TextEncoder().encode(JSON.stringify(body)), 'application/json; charset=utf-8');
    if (!response || response.status < 200 || response.status > 299) {
      const status = response && response.status >= 400 && response.status < 500 ? response.status : 500;
      return rejectUpgrade(socket, status, 'Rejected by the connect event handler');
    }
    state = response.state || undefined;
    if (response.status === 200 && response.body.length > 0) {
      try {
        const decision = JSON.parse(new TextDecoder().decode(response.body)) as Record<string, unknown>;
        if (typeof decision.userId === 'string') userId = decision.userId;
        groups.push(...stringList(decision.groups));
        roles.push(...stringList(decision.roles));
        // Only subprotocols this emulator speaks.
        if (typeof decision.subprotocol === 'string' && requested.includes(decision.subprotocol) && subprotocolNamed(decision.subprotocol)) subprotocol = decision.subprotocol;
      } catch {
        return rejectUpgrade(socket, 500, 'Invalid connect event response');
      }
    }
  }
  if (socket.destroyed) return;

  const mode = url.searchParams.get('webpubsub_mode');
  const group = url.searchParams.get('group');
  const simpleMode: SimpleMode = mode?.toLowerCase() === 'sendtogroup' && group ? { mode: 'sendToGroup', group } : SEND_EVENT_MODE;
  accept(env, req, socket, head, subprotocol, (ws) => {
    const context = contextFor(env, env.hubs.acquire(hubKey));
    const connection = new ClientConnection(context, { id, userId, roles, groups, subprotocol: subprotocolNamed(subprotocol), simpleMode, state });
    connection.attach(ws, socket);
    void env.upstream.send(hubKey, { system: 'connected' }, connection.upstreamIdentity(), new TextEncoder().encode('{}'), 'application/json; charset=utf-8');
  });
}
