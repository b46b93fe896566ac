import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_PORTS, startEmulator, type StartedEmulator } from 'azure-realtime/emulator';
import {
  WebPubSubServiceClient,
  createNegotiateHandler,
  createRelayAudience,
  createSasToken,
  createWebPubSubEventHandler,
  parseServiceBusConnectionString,
  redactSecrets,
  toNodeListener,
} from 'azure-realtime/node';

// The server half of the demo: the emulators in-process, and the three endpoints a real app's
// server would own. Keys stay here; the page only ever gets short-lived tokens and client URLs.

export const DEMO_HUB = 'chat';
/** The Web PubSub user event the page sends for "send to all"; the event handler broadcasts it. */
export const BROADCAST_EVENT = 'broadcast';
const RELAY_TOKEN_TTL_SECONDS = 300;
/** The emulator's default hub; the dashboard panel sends to it and reads it. */
export const EVENTHUBS_HUB = 'eh1';
// The SDK renews a SAS on a fixed 45-minute timer (event-hubs withAuth.ts), so a token handed to it
// must outlive that; our page provider also asks again before expiry on every attach.
const EVENTHUBS_TOKEN_TTL_SECONDS = 3600;
// A Send+Listen policy for the page, with a key made up at start: the page's tokens are never
// signed with the namespace's Manage key.
const EVENTHUBS_PAGE_POLICY = 'demo-dashboard';
// Entity names the token endpoint will sign for: short, no slashes (one hybrid connection each).
const RELAY_PATH = /^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$/;
const USER_ID = /^[\w.@-]{1,64}$/;

export interface DemoBackendOptions {
  /** The dev server's own origin: the Web PubSub hub's event handler URL points back at it. */
  origin: string;
  /** Also start the Event Hubs emulator (the dashboard panel uses it; `npm start` offers it to other apps). */
  eventhubs?: boolean;
  /** 'default': the CLI's ports, falling back to free ones when busy (default); 'free': free ports. */
  ports?: 'default' | 'free';
}

export interface DemoBackend {
  /** Handles `/api/*`; calls `next` for anything else. */
  handle(req: IncomingMessage, res: ServerResponse, next: () => void): void;
  /** One line per service, connection strings redacted. */
  describe(): string[];
  close(): Promise<void>;
}

// DEFAULT_PORTS are the CLI's, so `npm start` serves the connection strings the README documents;
// FREE_PORTS (0) when those are taken or for tests.
const FREE_PORTS = { relay: 0, webpubsub: 0, eventhubs: 0 };

export async function startDemoBackend(options: DemoBackendOptions): Promise<DemoBackend> {
  const pagePolicyKey = randomBytes(32).toString('base64');
  const start = (ports: typeof DEFAULT_PORTS) =>
    startEmulator({
      relay: { port: ports.relay },
      webpubsub: {
        port: ports.webpubsub,
        hubs: { [DEMO_HUB]: { eventHandlers: [{ urlTemplate: `${options.origin}/api/eventhandler`, userEventPattern: BROADCAST_EVENT }] } },
      },
      ...(options.eventhubs
        ? { eventhubs: { port: ports.eventhubs, policies: [{ name: EVENTHUBS_PAGE_POLICY, key: pagePolicyKey, rights: ['Send', 'Listen'] as ('Send' | 'Listen')[] }] } }
        : {}),
    });
  let emulator: StartedEmulator;
  let note = '';
  if (options.ports === 'free') emulator = await start(FREE_PORTS);
  else {
    try {
      emulator = await start(DEFAULT_PORTS);
    } catch (error) {
      if ((error as { code?: string })?.code !== 'EADDRINUSE' && !/EADDRINUSE/.test(String((error as Error)?.message))) throw error;
      // Most likely `npm run emulator` already runs; the demo keeps its own emulators apart.
      note = 'default ports busy (is `npm run emulator` running?): using free ports';
      emulator = await start(FREE_PORTS);
    }
  }
  // Both were asked for above, and startEmulator either starts every service asked for or throws.
  const relay = emulator.services.relay!;
  const webpubsub = emulator.services.webpubsub!;
  const relayNamespace = `${relay.host}:${relay.port}`;
  const { sharedAccessKeyName: keyName, sharedAccessKey: key } = parseServiceBusConnectionString(relay.connectionString);
  if (!keyName || !key) {
    await emulator.close();
    throw new Error('expected the Relay emulator connection string to carry a key');
  }
  const service = new WebPubSubServiceClient(webpubsub.connectionString, DEMO_HUB);

  // Demo only: the user names themselves. A real app reads its session here (null → 401).
  const negotiate = toNodeListener(
    createNegotiateHandler({
      serviceClient: service,
      authenticate: (request) => {
        const userId = new URL(request.url).searchParams.get('user') ?? '';
        return USER_ID.test(userId) ? { userId, roles: ['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup'] } : null;
      },
    }),
  );

  // Upstream CloudEvents from the emulator, signature-checked; "send to all" is a user event the
  // server turns into sendToAll, as in the Web PubSub chat samples (a client cannot send to all itself).
  const events = toNodeListener(
    createWebPubSubEventHandler({
      hub: DEMO_HUB,
      connectionString: webpubsub.connectionString,
      path: '/api/eventhandler',
      handleUserEvent: async ({ context, data }) => {
        const text = typeof (data as { text?: unknown })?.text === 'string' ? (data as { text: string }).text.slice(0, 2000) : '';
        await service.sendToAll({ kind: 'broadcast', from: context.userId ?? 'anonymous', text });
      },
    }),
  );

  const relayToken = async (url: URL, res: ServerResponse) => {
    const path = url.searchParams.get('path') ?? '';
    if (!RELAY_PATH.test(path)) return sendJson(res, 400, { error: 'expected ?path= an entity name (letters, digits, . _ -)' });
    const expiresAt = Math.floor(Date.now() / 1000) + RELAY_TOKEN_TTL_SECONDS;
    const token = await createSasToken({
      resourceUri: createRelayAudience(relayNamespace, path),
      keyName,
      key,
      expiresAt,
    });
    sendJson(res, 200, { token, expiresAt });
  };

  const eventhubs = emulator.services.eventhubs;
  const eventhubsNamespace = eventhubs ? `${eventhubs.host}:${eventhubs.port}` : undefined;
  const eventhubsToken = async (res: ServerResponse) => {
    if (!eventhubsNamespace) return sendJson(res, 404, { error: 'the Event Hubs emulator is not running (DEMO_EVENTHUBS=0)' });
    // Demo only: anyone who can load the page gets a token. A real app checks its session first.
    const expiresAt = Math.floor(Date.now() / 1000) + EVENTHUBS_TOKEN_TTL_SECONDS;
    const token = await createSasToken({ resourceUri: `sb://${eventhubsNamespace}/${EVENTHUBS_HUB}`, keyName: EVENTHUBS_PAGE_POLICY, key: pagePolicyKey, expiresAt });
    sendJson(res, 200, { token, expiresAt });
  };

  const config = {
    hub: DEMO_HUB,
    broadcastEvent: BROADCAST_EVENT,
    relay: { namespace: relayNamespace, useDevelopmentEmulator: true },
    eventhubs: eventhubsNamespace ? { namespace: eventhubsNamespace, hub: EVENTHUBS_HUB, useDevelopmentEmulator: true } : null,
  };

  return {
    handle(req, res, next) {
      const url = new URL(req.url ?? '/', 'http://demo.invalid');
      const route = url.pathname.replace(/\/+$/, '');
      try {
        if (route === '/api/negotiate') return negotiate(req, res);
        if (route === '/api/eventhandler') return events(req, res);
        if (route === '/api/relay-token' && req.method === 'GET') {
          return void relayToken(url, res).catch((error: unknown) => sendJson(res, 500, { error: redactSecrets(String((error as Error)?.message ?? error)) }));
        }
        if (route === '/api/eventhubs-token' && req.method === 'GET') {
          return void eventhubsToken(res).catch((error: unknown) => sendJson(res, 500, { error: redactSecrets(String((error as Error)?.message ?? error)) }));
        }
        if (route === '/api/config' && req.method === 'GET') return sendJson(res, 200, config);
      } catch (error) {
        return sendJson(res, 500, { error: redactSecrets(String((error as Error)?.message ?? error)) });
      }
      next();
    },
    describe: () => [
      ...Object.entries(emulator.info()).map(([name, info]) => `${name.padEnd(10)} ${redactSecrets(String(info?.connectionString ?? ''))}`),
      ...(note ? [note] : []),
    ],
    close: () => emulator.close(),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
