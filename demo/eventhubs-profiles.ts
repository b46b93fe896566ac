import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin } from 'vite';
import { createSasToken, parseServiceBusConnectionString, redactSecrets } from 'azure-realtime/node';

// Dev-server side of the Event Hubs panel's connection settings: which namespace and hub the
// panel talks to. The keys stay here; the page only picks a profile (and, for Azure, the hub)
// and gets tokens for it. Profiles: `emulator` (the dev server's own, served by azureRealtime's
// endpoints) and, when DEMO_EVENTHUBS_AZURE holds a connection string with a key, `azure`.
// The choice is kept for the whole dev server (every tab follows it after a reload).
//   GET /api/eventhubs-settings  → { profiles: [{ id, label }], active: { profile, namespace, hub } }
//   PUT /api/eventhubs-settings  ← { profile, hub? } (JSON) → the same answer
//   GET /api/eventhubs-token     → for the azure profile, a SAS for its hub (60 min); else azureRealtime's

const HUB_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,255}$/;
const TOKEN_TTL_SECONDS = 3600;

interface AzureProfile {
  namespace: string;
  keyName: string;
  key: string;
  hub: string;
}

export interface EventHubsSettings {
  profiles: Array<{ id: 'emulator' | 'azure'; label: string }>;
  /** `namespace: null` for the emulator: the page takes it from /api/config. */
  active: { profile: 'emulator' | 'azure'; namespace: string | null; hub: string | null };
}

function azureProfile(connectionString: string | undefined): AzureProfile | undefined {
  if (!connectionString) return undefined;
  const parsed = parseServiceBusConnectionString(connectionString);
  if (!parsed.sharedAccessKeyName || !parsed.sharedAccessKey) throw new TypeError('expected DEMO_EVENTHUBS_AZURE to hold SharedAccessKeyName and SharedAccessKey');
  return { namespace: parsed.host, keyName: parsed.sharedAccessKeyName, key: parsed.sharedAccessKey, hub: parsed.entityPath ?? process.env.DEMO_EVENTHUBS_AZURE_HUB ?? 'eh1' };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > 4096) req.destroy(new Error('body too large'));
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(text));
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', reject);
  });
}

/** Put it before azureRealtime() in `plugins`, so its middleware sees /api/eventhubs-token first. */
export function eventHubsProfilesPlugin(): Plugin {
  const azure = azureProfile(process.env.DEMO_EVENTHUBS_AZURE);
  let active: 'emulator' | 'azure' = 'emulator';
  let azureHub = azure?.hub ?? '';
  const settings = (): EventHubsSettings => ({
    profiles: [{ id: 'emulator', label: 'local emulator' }, ...(azure ? [{ id: 'azure' as const, label: `Azure: ${azure.namespace}` }] : [])],
    active: active === 'azure' && azure ? { profile: 'azure', namespace: azure.namespace, hub: azureHub } : { profile: 'emulator', namespace: null, hub: null },
  });

  const update = async (req: IncomingMessage, res: ServerResponse) => {
    // JSON only: a cross-site form cannot send it without a preflight the dev server never grants.
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return sendJson(res, 415, { error: 'expected application/json' });
    const body = (await readJson(req).catch(() => undefined)) as { profile?: unknown; hub?: unknown } | undefined;
    if (body?.profile !== 'emulator' && !(body?.profile === 'azure' && azure)) return sendJson(res, 400, { error: `expected profile emulator${azure ? ' or azure' : ' (set DEMO_EVENTHUBS_AZURE for azure)'}` });
    if (body.profile === 'azure' && body.hub !== undefined) {
      if (typeof body.hub !== 'string' || !HUB_NAME.test(body.hub)) return sendJson(res, 400, { error: 'expected hub to be an Event Hubs name' });
      azureHub = body.hub;
    }
    active = body.profile;
    sendJson(res, 200, settings());
  };

  const token = async (res: ServerResponse) => {
    const expiresAt = Math.floor(Date.now() / 1000) + TOKEN_TTL_SECONDS;
    sendJson(res, 200, { token: await createSasToken({ resourceUri: `sb://${azure!.namespace}/${azureHub}`, keyName: azure!.keyName, key: azure!.key, expiresAt }), expiresAt });
  };

  return {
    name: 'demo:eventhubs-profiles',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? '').split('?')[0];
        const fail = (error: unknown) => sendJson(res, 500, { error: redactSecrets(String((error as Error)?.message ?? error)) });
        if (path === '/api/eventhubs-settings') {
          if (req.method === 'GET') return sendJson(res, 200, settings());
          if (req.method === 'PUT') return void update(req, res).catch(fail);
          return sendJson(res, 405, { error: 'expected GET or PUT' });
        }
        if (path === '/api/eventhubs-token' && active === 'azure' && req.method === 'GET') return void token(res).catch(fail);
        next();
      });
    },
  };
}
