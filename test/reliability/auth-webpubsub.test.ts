import { createHmac } from 'node:crypto';
import WebSocket from 'ws';
import { signJwt } from '../../src/core/jwt.js';
import { nodeHmac } from '../../src/node/hmac.js';
import { WPS_KEY, WRONG_KEY, now, runAuthMatrix, settle, upgradeStatus, type AuthCase } from './harness/auth-tools.js';
import { EmulatorFixture } from './harness/fixture.js';

// The auth matrix for Web PubSub: client handshakes and REST calls with a missing, forged,
// expired, other-hub, other-host, alg none / HS384 / HS512 token; a client without the role;
// recovery of a session with another connection's reconnection token.

const fixture = new EmulatorFixture({ webpubsub: { accessKey: WPS_KEY } });
for (const key of [WPS_KEY, WRONG_KEY]) fixture.secrets.add(key);
const cases: AuthCase[] = [];

const wps = () => fixture.child.info.webpubsub;
const wpsUrl = (hub: string, token?: string) => `ws://127.0.0.1:${new URL(wps().endpoint as string).port}/client/hubs/${hub}${token ? `?access_token=${token}` : ''}`;
async function wpsJwt(payload: Record<string, unknown>, key = WPS_KEY): Promise<string> {
  const token = await signJwt({ exp: now() + 600, ...payload } as never, key, { hmac: nodeHmac });
  fixture.secrets.add(token);
  return token;
}
const audience = (hub: string) => `${wps().endpoint as string}/client/hubs/${hub}`;
/** A JWT with another alg header, signed (for HS384/HS512) or not (none). */
function withAlg(token: string, alg: string): string {
  const [, payload] = token.split('.');
  const header = Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url');
  if (alg === 'none') return `${header}.${payload}.`;
  const hash = alg === 'HS384' ? 'sha384' : 'sha512';
  // node:crypto on purpose: the forged token must not come from the code under test.
  const signature = createHmac(hash, WPS_KEY).update(`${header}.${payload}`).digest('base64url');
  const forged = `${header}.${payload}.${signature}`;
  fixture.secrets.add(forged);
  return forged;
}
const JSON_PROTOCOL = ['json.webpubsub.azure.v1'];
cases.push(
  { name: 'client: missing token', expected: '401', attempt: () => upgradeStatus(wpsUrl('chat'), {}, JSON_PROTOCOL) },
  { name: 'client: bad signature (other key)', expected: '401', attempt: async () => upgradeStatus(wpsUrl('chat', await wpsJwt({ aud: audience('chat') }, WRONG_KEY)), {}, JSON_PROTOCOL) },
  { name: 'client: expired', expected: '401', attempt: async () => upgradeStatus(wpsUrl('chat', await wpsJwt({ aud: audience('chat'), exp: now() - 3600 })), {}, JSON_PROTOCOL) },
  { name: 'client: token for another hub', expected: '401', attempt: async () => upgradeStatus(wpsUrl('chat', await wpsJwt({ aud: audience('other') })), {}, JSON_PROTOCOL) },
  { name: 'client: wrong audience host', expected: '401', attempt: async () => upgradeStatus(wpsUrl('chat', await wpsJwt({ aud: 'https://elsewhere.webpubsub.azure.com/client/hubs/chat' })), {}, JSON_PROTOCOL) },
  { name: 'client: alg none', expected: '401', attempt: async () => upgradeStatus(wpsUrl('chat', withAlg(await wpsJwt({ aud: audience('chat') }), 'none')), {}, JSON_PROTOCOL) },
  { name: 'client: HS384', expected: '401', attempt: async () => upgradeStatus(wpsUrl('chat', withAlg(await wpsJwt({ aud: audience('chat') }), 'HS384')), {}, JSON_PROTOCOL) },
  { name: 'client: HS512', expected: '401', attempt: async () => upgradeStatus(wpsUrl('chat', withAlg(await wpsJwt({ aud: audience('chat') }), 'HS512')), {}, JSON_PROTOCOL) },
);
const restStatus = async (hub: string, token?: string, path = ':send?api-version=2024-01-01') => {
  const response = await fetch(`${wps().endpoint as string}/api/hubs/${hub}${path}`, { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain', ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  await response.arrayBuffer();
  return response.status < 300 ? 'let in' : String(response.status);
};
const restAudience = (hub: string) => `${wps().endpoint as string}/api/hubs/${hub}/:send?api-version=2024-01-01`;
cases.push(
  { name: 'REST: missing token', expected: '401', attempt: () => restStatus('chat') },
  { name: 'REST: bad signature', expected: '401', attempt: async () => restStatus('chat', await wpsJwt({ aud: restAudience('chat') }, WRONG_KEY)) },
  { name: 'REST: expired', expected: '401', attempt: async () => restStatus('chat', await wpsJwt({ aud: restAudience('chat'), exp: now() - 3600 })) },
  { name: 'REST: token for another hub', expected: '401', attempt: async () => restStatus('chat', await wpsJwt({ aud: restAudience('other') })) },
  { name: 'REST: alg none', expected: '401', attempt: async () => restStatus('chat', withAlg(await wpsJwt({ aud: restAudience('chat') }), 'none')) },
);

/** A client of `hub` with the given roles; resolves once connected. */
function wpsClient(url: string, protocol = 'json.webpubsub.azure.v1'): Promise<{ ws: WebSocket; messages: Array<Record<string, any>>; connected: Record<string, any> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, [protocol]);
    const messages: Array<Record<string, any>> = [];
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Record<string, any>;
      messages.push(message);
      if (message.type === 'system' && message.event === 'connected') resolve({ ws, messages, connected: message });
    });
    ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake ${res.statusCode}`)));
    ws.once('error', reject);
  });
}
cases.push(
  {
    name: 'client: sendToGroup and joinGroup without the role',
    expected: 'ack Forbidden',
    attempt: async () => {
      const member = await wpsClient(wpsUrl('roles', await wpsJwt({ aud: audience('roles'), role: ['webpubsub.joinLeaveGroup.g'] })));
      member.ws.send(JSON.stringify({ type: 'joinGroup', group: 'g', ackId: 1 }));
      await settle(100);
      const outsider = await wpsClient(wpsUrl('roles', await wpsJwt({ aud: audience('roles') })));
      outsider.ws.send(JSON.stringify({ type: 'sendToGroup', group: 'g', dataType: 'text', data: 'intruder', ackId: 7 }));
      outsider.ws.send(JSON.stringify({ type: 'joinGroup', group: 'g', ackId: 8 }));
      await settle(300);
      const acks = outsider.messages.filter((m) => m.type === 'ack');
      const leaked = member.messages.some((m) => m.data === 'intruder');
      member.ws.terminate();
      outsider.ws.terminate();
      if (leaked || acks.some((a) => a.success)) return 'let in';
      return acks.length === 2 && acks.every((a) => a.error?.name === 'Forbidden') ? 'ack Forbidden' : `acks ${JSON.stringify(acks)}`;
    },
  },
  {
    name: "recovery with another connection's reconnection token",
    expected: 'close 1008',
    attempt: async () => {
      const protocol = 'json.reliable.webpubsub.azure.v1';
      const a = await wpsClient(wpsUrl('recover', await wpsJwt({ aud: audience('recover') })), protocol);
      const b = await wpsClient(wpsUrl('recover', await wpsJwt({ aud: audience('recover') })), protocol);
      fixture.secrets.add(a.connected.reconnectionToken);
      fixture.secrets.add(b.connected.reconnectionToken);
      a.ws.terminate();
      await settle(100);
      const url = `${wpsUrl('recover')}?awps_connection_id=${encodeURIComponent(a.connected.connectionId)}&awps_reconnection_token=${encodeURIComponent(b.connected.reconnectionToken)}`;
      const outcome = await new Promise<string>((resolve) => {
        const ws = new WebSocket(url, [protocol]);
        ws.once('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
        ws.once('close', (code) => resolve(`close ${code}`));
        ws.once('error', () => {});
        setTimeout(() => {
          ws.terminate();
          resolve('let in');
        }, 1500);
      });
      b.ws.terminate();
      return outcome;
    },
  },
);


runAuthMatrix('webpubsub', fixture, cases);
