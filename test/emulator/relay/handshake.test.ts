import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRelayEmulator } from '../../../src/emulator/relay/index.js';
import { closed, failedStatus, open, startEmulator, token, wsBase } from './helpers.js';

// Handshake answers of the listener and sender endpoints (relay note §1.2, §1.4, §2).
const LISTEN_KEY = 'bGlzdGVuLW9ubHkta2V5LTAwMDAwMDAwMDAwMDAwMDA=';
const SEND_KEY = 'c2VuZC1vbmx5LWtleS0wMDAwMDAwMDAwMDAwMDAwMDA=';
const ENTITY_KEY = 'ZW50aXR5LXNlbmQta2V5LTAwMDAwMDAwMDAwMDAwMDA=';
const SECONDARY_KEY = 'c2Vjb25kYXJ5LWtleS0wMDAwMDAwMDAwMDAwMDAwMDA=';

let emulator: RunningRelayEmulator;
let closedEmulator: RunningRelayEmulator;

beforeAll(async () => {
  emulator = await startEmulator({
    config: {
      namespaces: [
        {
          name: 'contoso',
          authorizationRules: [
            { name: 'listenOnly', primaryKey: LISTEN_KEY, rights: ['Listen'] },
            { name: 'sendOnly', primaryKey: SEND_KEY, secondaryKey: SECONDARY_KEY, rights: ['Send'] },
          ],
          hybridConnections: [
            { name: 'open', requiresClientAuthorization: false },
            { name: 'guarded', authorizationRules: [{ name: 'entitySend', primaryKey: ENTITY_KEY, rights: ['Send'] }] },
          ],
        },
      ],
    },
  });
  closedEmulator = await startEmulator({ config: { autoCreateHybridConnections: false, namespaces: [{ name: 'fixed', hybridConnections: [{ name: 'known' }] }] } });
});

afterAll(async () => {
  await emulator.close();
  await closedEmulator.close();
});

const listenUrl = (path = 'hyco', query = '') => `${wsBase(emulator)}/$hc/${path}?${query}sb-hc-action=listen`;
const connectUrl = (path = 'hyco', query = '') => `${wsBase(emulator)}/$hc/${path}?${query}sb-hc-action=connect`;

describe('auto-created entities', () => {
  it('are kept only once an authorized listener attaches, not for refused or listener-less requests', async () => {
    expect((await failedStatus(listenUrl('drive-by-1'))).status).toBe(401);
    expect((await failedStatus(connectUrl('drive-by-2'), { headers: { ServiceBusAuthorization: await token({ path: 'drive-by-2' }) } })).status).toBe(404);
    expect((await fetch(`${wsBase(emulator).replace(/^ws/, 'http')}/drive-by-3`)).status).toBe(401);
    for (const path of ['drive-by-1', 'drive-by-2', 'drive-by-3']) expect(emulator.deleteEntity(path)).toBe(false);
    const socket = await open(listenUrl('kept'), { headers: { ServiceBusAuthorization: await token({ path: 'kept' }) } });
    expect(emulator.listenerCount('kept')).toBe(1);
    expect(emulator.deleteEntity('kept')).toBe(true);
    await closed(socket);
  });
});

describe('listener handshake', () => {
  it('opens with a Listen token in the ServiceBusAuthorization header', async () => {
    const socket = await open(listenUrl('header-auth'), { headers: { ServiceBusAuthorization: await token({ path: 'header-auth' }) } });
    expect(emulator.listenerCount('header-auth')).toBe(1);
    socket.close();
    await closed(socket);
  });

  it('opens with the token in sb-hc-token (browsers cannot set headers)', async () => {
    const t = encodeURIComponent(await token({ path: 'query-auth' }));
    const socket = await open(listenUrl('query-auth', `sb-hc-token=${t}&`));
    socket.close();
    await closed(socket);
  });

  it('accepts a token signed for the namespace host name or with the sb scheme', async () => {
    const forNamespace = await token({ path: 'ns-host', host: 'contoso.servicebus.windows.net' });
    const a = await open(listenUrl('ns-host'), { headers: { ServiceBusAuthorization: forNamespace } });
    const namespaceWide = await token({ path: '', host: 'contoso.servicebus.windows.net' });
    const b = await open(listenUrl('ns-host'), { headers: { ServiceBusAuthorization: namespaceWide } });
    a.terminate();
    b.terminate();
  });

  it('401 without a token', async () => {
    expect((await failedStatus(listenUrl())).status).toBe(401);
  });

  it('401 for a bad signature', async () => {
    const forged = await token({ key: 'not-the-key' });
    const result = await failedStatus(listenUrl(), { headers: { ServiceBusAuthorization: forged } });
    expect(result.status).toBe(401);
    expect(result.statusMessage).toMatch(/TrackingId:/);
    expect(result.statusMessage).not.toMatch(/sig=/);
  });

  it('401 for an unknown rule name and for a malformed token', async () => {
    const unknown = await token({ keyName: 'nobody' });
    expect((await failedStatus(listenUrl(), { headers: { ServiceBusAuthorization: unknown } })).status).toBe(401);
    expect((await failedStatus(listenUrl(), { headers: { ServiceBusAuthorization: 'Bearer nonsense' } })).status).toBe(401);
  });

  it('401 for an expired token', async () => {
    const expired = await token({ expiresAt: Math.floor(Date.now() / 1000) - 60 });
    const result = await failedStatus(listenUrl(), { headers: { ServiceBusAuthorization: expired } });
    expect(result.status).toBe(401);
    expect(result.statusMessage).toMatch(/expired/i);
  });

  it('403 when the rule lacks the Listen claim', async () => {
    const sendOnly = await token({ keyName: 'sendOnly', key: SEND_KEY });
    const result = await failedStatus(listenUrl(), { headers: { ServiceBusAuthorization: sendOnly } });
    expect(result.status).toBe(403);
    expect(result.statusMessage).toMatch(/Listen/);
  });

  it('403 when the token is for another entity', async () => {
    const other = await token({ path: 'someone-else' });
    expect((await failedStatus(listenUrl('hyco'), { headers: { ServiceBusAuthorization: other } })).status).toBe(403);
  });

  it('404 for an unknown path when auto-creation is off, and for a listener path with a suffix', async () => {
    const t = await token({ path: 'unknown' });
    const unknown = await failedStatus(`${wsBase(closedEmulator)}/$hc/unknown?sb-hc-action=listen`, { headers: { ServiceBusAuthorization: t } });
    expect(unknown.status).toBe(404);
    expect(unknown.statusMessage).toMatch(/Endpoint does not exist/);
    const known = await open(`${wsBase(closedEmulator)}/$hc/known?sb-hc-action=listen`, { headers: { ServiceBusAuthorization: await token({ path: 'known' }) } });
    known.terminate();
    const suffixed = await failedStatus(listenUrl('hyco/extra'), { headers: { ServiceBusAuthorization: await token({ path: 'hyco/extra' }) } });
    expect(suffixed.status).toBe(404);
  });

  it('400 for an unknown action or an upgrade outside /$hc/', async () => {
    expect((await failedStatus(`${wsBase(emulator)}/$hc/hyco?sb-hc-action=dance`)).status).toBe(400);
    expect((await failedStatus(`${wsBase(emulator)}/hyco?sb-hc-action=listen`)).status).toBe(400);
  });

  it('turns away the 26th listener on one entity', async () => {
    const t = await token({ path: 'crowded' });
    const sockets = [];
    for (let i = 0; i < 25; i++) sockets.push(await open(listenUrl('crowded'), { headers: { ServiceBusAuthorization: t } }));
    expect(emulator.listenerCount('crowded')).toBe(25);
    expect((await failedStatus(listenUrl('crowded'), { headers: { ServiceBusAuthorization: t } })).status).toBe(403);
    for (const socket of sockets) socket.terminate();
  });
});

describe('sender handshake', () => {
  it('401 without a token when the entity requires client authorization', async () => {
    expect((await failedStatus(connectUrl('guarded'))).status).toBe(401);
  });

  it('403 when the rule lacks the Send claim', async () => {
    const listenOnly = await token({ path: 'guarded', keyName: 'listenOnly', key: LISTEN_KEY });
    expect((await failedStatus(connectUrl('guarded'), { headers: { ServiceBusAuthorization: listenOnly } })).status).toBe(403);
  });

  it('an entity-level rule and a secondary key both authorize Send (404: nobody listens yet)', async () => {
    const entityRule = await token({ path: 'guarded', keyName: 'entitySend', key: ENTITY_KEY });
    const secondary = await token({ path: 'guarded', keyName: 'sendOnly', key: SECONDARY_KEY });
    expect((await failedStatus(connectUrl('guarded'), { headers: { ServiceBusAuthorization: entityRule } })).status).toBe(404);
    expect((await failedStatus(connectUrl('guarded'), { headers: { ServiceBusAuthorization: secondary } })).status).toBe(404);
    // The entity rule does not reach other entities.
    const elsewhere = await token({ path: 'hyco', keyName: 'entitySend', key: ENTITY_KEY });
    expect((await failedStatus(connectUrl('hyco'), { headers: { ServiceBusAuthorization: elsewhere } })).status).toBe(401);
  });

  it('needs no token when requiresClientAuthorization is false (404: nobody listens)', async () => {
    const result = await failedStatus(connectUrl('open'));
    expect(result.status).toBe(404);
    expect(result.statusMessage).toMatch(/no listeners/i);
  });
});
