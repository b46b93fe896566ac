// Checks run inside each runtime against the BUILT package, imported by name.
import * as main from 'azure-realtime';
import * as browser from 'azure-realtime/browser';
import vectors from '../fixtures/official-vectors.json' with { type: 'json' };
import { eventHubsChecks } from './smoke-eventhubs.mjs';
import { relayChecks } from './smoke-relay.mjs';
import { webPubSubChecks } from './smoke-webpubsub.mjs';

const NH_VECTOR = 'SharedAccessSignature sr=endpoint%2Fhub&sig=EGsjmHg%2FOKM5bYk5pU7ZpN5ExQRuT3VCwXuCftrmUZw%3D&se=1&skn=keyName';
const JWT_IO =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

/**
 * `env.WPS_CONNECTION_STRING`, `env.RELAY_CONNECTION_STRING`, `env.EVENTHUBS_CONNECTION_STRING`: the
 * emulators that scripts/smoke-runtimes.mjs started.
 */
export async function runSmoke(env = {}) {
  const results = [];
  const check = async (name, fn) => {
    try {
      // `true` passes; `{ note }` passes and says which of the allowed outcomes was seen; anything else fails.
      const detail = await fn();
      const ok = detail === true || typeof detail?.note === 'string';
      results.push({ name, ok, detail: detail === true ? undefined : String(detail?.note ?? detail) });
    } catch (error) {
      results.push({ name, ok: false, detail: String(error?.message ?? error) });
    }
  };
  for (const [label, api] of [['azure-realtime', main], ['azure-realtime/browser', browser]]) {
    await check(`${label}: public SAS vector`, async () => {
      const token = await api.createSasToken({ resourceUri: 'endpoint/hub', keyName: 'keyName', key: 'keyVal', expiresAt: 1 });
      return token === NH_VECTOR || token;
    });
    await check(`${label}: hyco-https vectors`, async () => {
      for (const v of vectors.relay) {
        const expected = api.parseSasToken(v.token);
        const ours = await api.createSasToken({ resourceUri: api.sasResourceUri(v.uri), keyName: v.keyName, key: v.key, expiresAt: expected.expiresAt });
        if (ours !== v.token) return `mismatch for ${v.uri}`;
      }
      return true;
    });
    await check(`${label}: @azure/web-pubsub client tokens`, async () => {
      for (const v of vectors.webpubsub) {
        const { endpoint, accessKey } = api.parseWebPubSubConnectionString(v.connectionString);
        const ours = await api.mintClientAccessToken({ endpoint, accessKey, hub: v.hub, now: v.now, ...v.options });
        if (ours.url !== v.result.url) return `mismatch for ${JSON.stringify(v.options)}`;
      }
      return true;
    });
    await check(`${label}: jwt.io HS256 vector and verify`, async () => {
      const token = await api.signJwt({ sub: '1234567890', name: 'John Doe', iat: 1516239022 }, 'your-256-bit-secret');
      if (token !== JWT_IO) return 'signature differs';
      const payload = await api.verifyJwt(token, 'your-256-bit-secret', { requireExpiry: false });
      return payload.name === 'John Doe' || 'verify returned the wrong payload';
    });
    await check(`${label}: SAS verify rejects a forged token with a typed error`, async () => {
      const token = await api.createSasToken({ resourceUri: 'http://ns/hc', keyName: 'k', key: 'v', ttlSeconds: 60 });
      const error = await api.verifySasToken(token.replace(/sig=[^&]+/, 'sig=AAAA'), { getKey: () => 'v' }).then(() => 'accepted', (e) => e);
      return (api.isRealtimeError(error) && error.code === 'unauthorized') || `got ${error}`;
    });
  }
  await check('noble HMAC equals the runtime HMAC', async () => {
    const a = await main.createSasToken({ resourceUri: 'http://ns/x', keyName: 'k', key: 'v', expiresAt: 2, hmac: main.nobleHmac });
    const b = await main.createSasToken({ resourceUri: 'http://ns/x', keyName: 'k', key: 'v', expiresAt: 2 });
    return a === b || 'differ';
  });
  if (env.WPS_CONNECTION_STRING) await webPubSubChecks(check, env.WPS_CONNECTION_STRING);
  else results.push({ name: 'Web PubSub against the emulator', ok: false, detail: 'no WPS_CONNECTION_STRING given' });
  if (env.RELAY_CONNECTION_STRING) {
    // The main entry binds `ws` where it resolves to the node build (Node, Deno, Bun); the browser
    // entry uses the runtime's global WebSocket, so each runtime shows how both bindings fare.
    // NodeWebSocket is exported by the node build only: it names which build 'azure-realtime' resolved to.
    const mainBinding = main.NodeWebSocket ? 'node build, ws' : 'browser build, global WebSocket';
    await relayChecks(check, env.RELAY_CONNECTION_STRING, main, `azure-realtime (${mainBinding})`);
    await relayChecks(check, env.RELAY_CONNECTION_STRING, browser, 'azure-realtime/browser (global WebSocket)');
  } else results.push({ name: 'Relay against the emulator', ok: false, detail: 'no RELAY_CONNECTION_STRING given' });
  if (env.EVENTHUBS_CONNECTION_STRING) {
    // Default transport first (TCP where the SDK's node build loads, WebSocket in workerd); then, where
    // the SDK would pick TCP, the runtime's global WebSocket passed as webSocketOptions.webSocket.
    await eventHubsChecks(check, env.EVENTHUBS_CONNECTION_STRING);
    if (main.NodeWebSocket && typeof globalThis.WebSocket === 'function') {
      await eventHubsChecks(check, env.EVENTHUBS_CONNECTION_STRING, 'azure-realtime/eventhubs (global WebSocket as webSocketOptions.webSocket)', {
        webSocketOptions: { webSocket: globalThis.WebSocket },
      });
    }
  } else results.push({ name: 'Event Hubs against the emulator', ok: false, detail: 'no EVENTHUBS_CONNECTION_STRING given' });
  return results;
}
