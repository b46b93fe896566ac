import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_DASHBOARD_PORT, DEFAULT_PORTS, startEmulator, type StartedEmulator } from '../emulator/index.js';
import {
  WebPubSubServiceClient,
  createNegotiateHandler,
  createRelayAudience,
  createSasToken,
  createWebPubSubEventHandler,
  parseServiceBusConnectionString,
  redactSecrets,
  toNodeListener,
} from '../node/index.js';
import type { DevEmulatorOptions } from './options.js';

// The emulators inside the dev server, and the endpoints a page needs so that it never holds a
// key: a Web PubSub negotiate, a Relay SAS token, an Event Hubs SAS token, and the addresses. What
// an app's own server would do in production, with development shortcuts (see DevEmulatorOptions).

const RELAY_TOKEN_TTL_SECONDS = 300;
// The SDK renews a SAS on a fixed 45-minute timer (event-hubs withAuth.ts), so a token handed to it
// must outlive that; a page provider asks again before expiry on every attach anyway.
const EVENTHUBS_TOKEN_TTL_SECONDS = 3600;
// A Send+Listen policy for pages with a key made up at start: page tokens are never signed with
// the namespace's Manage key.
const EVENTHUBS_PAGE_POLICY = 'dev-page';
// Entity names the Relay token endpoint will sign for: short, no slashes (one hybrid connection each).
const RELAY_PATH = /^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$/;
const USER_ID = /^[\w.@-]{1,64}$/;
const FREE_PORTS = { relay: 0, webpubsub: 0, eventhubs: 0 };

/** What GET {apiBase}/config answers: where each emulator is, no keys. */
export interface DevConfig {
  webpubsub: { hub: string; broadcastEvent: string | null } | null;
  relay: { namespace: string; useDevelopmentEmulator: true } | null;
  eventhubs: { namespace: string; hub: string; useDevelopmentEmulator: true } | null;
}

export interface DevBackend {
  /** Handles `{apiBase}/*`; calls `next` for anything else. */
  handle(req: IncomingMessage, res: ServerResponse, next: () => void): void;
  /** One line per service, connection strings redacted. */
  describe(): string[];
  close(): Promise<void>;
}

export interface DevBackendOptions extends DevEmulatorOptions {
  /** The dev server's own origin: a Web PubSub event handler URL points back at it. */
  origin: string;
}

const isAddressInUse = (error: unknown) => (error as { code?: string })?.code === 'EADDRINUSE' || /EADDRINUSE/.test(String((error as Error)?.message));

export async function startDevBackend(options: DevBackendOptions): Promise<DevBackend> {
  const apiBase = (options.apiBase ?? '/api').replace(/\/+$/, '');
  const wanted = { relay: options.relay ?? true, webpubsub: options.webpubsub ?? true, eventhubs: options.eventhubs ?? true };
  const webPubSubHub = options.webPubSubHub ?? 'chat';
  const broadcastEvent = options.broadcastEvent ?? null;
  const eventHubName = options.eventHubName ?? 'eh1';
  const pagePolicyKey = randomBytes(32).toString('base64');
  const start = (ports: typeof DEFAULT_PORTS) =>
    startEmulator({
      ...(wanted.relay ? { relay: { port: ports.relay } } : {}),
      ...(wanted.webpubsub
        ? { webpubsub: { port: ports.webpubsub, hubs: broadcastEvent ? { [webPubSubHub]: { eventHandlers: [{ urlTemplate: `${options.origin}${apiBase}/eventhandler`, userEventPattern: broadcastEvent }] } } : {} } }
        : {}),
      ...(wanted.eventhubs ? { eventhubs: { port: ports.eventhubs, policies: [{ name: EVENTHUBS_PAGE_POLICY, key: pagePolicyKey, rights: ['Send', 'Listen'] as ('Send' | 'Listen')[] }] } } : {}),
      ...(options.dashboard === false ? {} : { dashboard: { port: ports === FREE_PORTS ? 0 : DEFAULT_DASHBOARD_PORT, fallbackToFreePort: true } }),
    });
  let emulator: StartedEmulator;
  let note = '';
  if (options.ports === 'free') emulator = await start(FREE_PORTS);
  else {
    try {
      emulator = await start(DEFAULT_PORTS);
    } catch (error) {
      if (!isAddressInUse(error)) throw error;
      // Most likely `azure-realtime emulator` already runs; keep this dev server's emulators apart.
      note = 'default ports busy (is `azure-realtime emulator` running?): using free ports';
      emulator = await start(FREE_PORTS);
    }
  }

  // Anything that fails after the emulators started closes them again.
  let routes: Routes;
  try {
    routes = routesFor(emulator, { apiBase, webPubSubHub, broadcastEvent, eventHubName, pagePolicyKey });
  } catch (error) {
    await emulator.close();
    throw error;
  }

  const fail = (res: ServerResponse, error: unknown) => {
    if (res.headersSent) res.destroy();
    else sendJson(res, 500, { error: redactSecrets(String((error as Error)?.message ?? error)) });
  };

  return {
    handle(req, res, next) {
      const url = new URL(req.url ?? '/', 'http://dev.invalid');
      const path = url.pathname.replace(/\/+$/, '');
      const route = path.startsWith(`${apiBase}/`) ? routes.get(path.slice(apiBase.length)) : undefined;
      if (!route) return next();
      try {
        void Promise.resolve(route(url, req, res)).catch((error: unknown) => fail(res, error));
      } catch (error) {
        fail(res, error);
      }
    },
    describe: () => [
      ...Object.entries(emulator.info()).map(([name, info]) => `${name.padEnd(10)} ${redactSecrets(String(info?.connectionString ?? ''))}`),
      ...(emulator.dashboard ? [`dashboard  ${emulator.dashboard.url}`] : []),
      ...(note ? [note] : []),
    ],
    close: () => emulator.close(),
  };
}

type Route = (url: URL, req: IncomingMessage, res: ServerResponse) => unknown;
type Routes = Map<string, Route>;

interface RouteSettings {
  apiBase: string;
  webPubSubHub: string;
  broadcastEvent: string | null;
  eventHubName: string;
  pagePolicyKey: string;
}

/** The endpoints, by path below apiBase, for the services that run. */
function routesFor(emulator: StartedEmulator, { apiBase, webPubSubHub, broadcastEvent, eventHubName, pagePolicyKey }: RouteSettings): Routes {
  const routes: Routes = new Map();
  const config: DevConfig = { webpubsub: null, relay: null, eventhubs: null };

  const webpubsub = emulator.services.webpubsub;
  if (webpubsub) {
    const service = new WebPubSubServiceClient(webpubsub.connectionString, webPubSubHub);
    config.webpubsub = { hub: webPubSubHub, broadcastEvent };
    // Development only: the user names themselves (?user=). A real app reads its session here (null → 401).
    const negotiate = toNodeListener(
      createNegotiateHandler({
        serviceClient: service,
        authenticate: (request) => {
          const userId = new URL(request.url).searchParams.get('user') ?? '';
          return USER_ID.test(userId) ? { userId, roles: ['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup'] } : null;
        },
      }),
    );
    routes.set('/negotiate', (_url, req, res) => negotiate(req, res));
    if (broadcastEvent) {
      // Clients cannot send to all; this user event, delivered signed to the handler, is sent to
      // every connection of the hub as { from, data }, as the Web PubSub chat samples do.
      const events = toNodeListener(
        createWebPubSubEventHandler({
          hub: webPubSubHub,
          connectionString: webpubsub.connectionString,
          path: `${apiBase}/eventhandler`,
          handleUserEvent: async ({ context, data }) => {
            await service.sendToAll({ from: context.userId ?? 'anonymous', data });
          },
        }),
      );
      routes.set('/eventhandler', (_url, req, res) => events(req, res));
    }
  }

  const relay = emulator.services.relay;
  if (relay) {
    const namespace = `${relay.host}:${relay.port}`;
    const { sharedAccessKeyName: keyName, sharedAccessKey: key } = parseServiceBusConnectionString(relay.connectionString);
    if (!keyName || !key) throw new Error('expected the Relay emulator connection string to carry a key');
    config.relay = { namespace, useDevelopmentEmulator: true };
    routes.set('/relay-token', async (url, req, res) => {
      if (req.method !== 'GET') return sendJson(res, 405, { error: 'expected GET' });
      const path = url.searchParams.get('path') ?? '';
      if (!RELAY_PATH.test(path)) return sendJson(res, 400, { error: 'expected ?path= an entity name (letters, digits, . _ -)' });
      const expiresAt = Math.floor(Date.now() / 1000) + RELAY_TOKEN_TTL_SECONDS;
      sendJson(res, 200, { token: await createSasToken({ resourceUri: createRelayAudience(namespace, path), keyName, key, expiresAt }), expiresAt });
    });
  }

  const eventhubs = emulator.services.eventhubs;
  if (eventhubs) {
    const namespace = `${eventhubs.host}:${eventhubs.port}`;
    config.eventhubs = { namespace, hub: eventHubName, useDevelopmentEmulator: true };
    routes.set('/eventhubs-token', async (_url, req, res) => {
      if (req.method !== 'GET') return sendJson(res, 405, { error: 'expected GET' });
      const expiresAt = Math.floor(Date.now() / 1000) + EVENTHUBS_TOKEN_TTL_SECONDS;
      const token = await createSasToken({ resourceUri: `sb://${namespace}/${eventHubName}`, keyName: EVENTHUBS_PAGE_POLICY, key: pagePolicyKey, expiresAt });
      sendJson(res, 200, { token, expiresAt });
    });
  }
  routes.set('/config', (_url, req, res) => (req.method === 'GET' ? sendJson(res, 200, config) : sendJson(res, 405, { error: 'expected GET' })));
  // A service left out answers its endpoints with 404 and why, not with Vite's index.html.
  const absent: Array<[string, string]> = [['/negotiate', 'webpubsub'], ['/eventhandler', 'webpubsub'], ['/relay-token', 'relay'], ['/eventhubs-token', 'eventhubs']];
  for (const [route, service] of absent) {
    if (!routes.has(route)) routes.set(route, (_url, _req, res) => sendJson(res, 404, { error: `the dev server runs without this endpoint (emulator: { ${service}: false }${route === '/eventhandler' ? ' or no broadcastEvent' : ''})` }));
  }

  return routes;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
