import { EventHubConsumerClient, EventHubProducerClient } from '@azure/event-hubs';
import { createHmac } from 'node:crypto';
import { createConnection } from 'node:net';
import rhea from 'rhea';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../src/core/jwt.js';
import { createSasToken } from '../../src/core/sas.js';
import { nodeHmac } from '../../src/node/hmac.js';
import { HybridConnectionListener } from '../../src/node/relay.js';
import { recordResult } from './harness/budget.js';
import { EmulatorFixture } from './harness/fixture.js';

// The auth matrix as a regression suite: every way a credential can be wrong, against every
// service, each case naming the refusal the service gives. A case that gets in is "let in".

const ROOT_KEY_NAME = 'RootManageSharedAccessKey';
const RELAY_LISTEN_KEY = 'YXV0aC1tYXRyaXgtbGlzdGVuLW9ubHkta2V5LTAwMDA=';
const RELAY_SEND_KEY = 'YXV0aC1tYXRyaXgtc2VuZC1vbmx5LWtleS0wMDAwMDA=';
const EH_SEND_KEY = 'YXV0aC1tYXRyaXgtZWgtc2VuZC1vbmx5LWtleS0wMDA=';
const EH_LISTEN_KEY = 'YXV0aC1tYXRyaXgtZWgtbGlzdGVuLW9ubHkta2V5LTAw';
const WPS_KEY = 'QXV0aE1hdHJpeFdlYlB1YlN1YktleTAxMjM0NTY3ODkwMTIzNDU2Nzg5';
const WRONG_KEY = 'bm90LXRoZS1rZXktYXQtYWxsLTAwMDAwMDAwMDAwMDA=';

const fixture = new EmulatorFixture({
  relay: {
    config: {
      namespaces: [
        {
          name: 'emulator',
          authorizationRules: [
            { name: 'listenOnly', primaryKey: RELAY_LISTEN_KEY, rights: ['Listen'] },
            { name: 'sendOnly', primaryKey: RELAY_SEND_KEY, rights: ['Send'] },
          ],
          hybridConnections: [{ name: 'guarded' }, { name: 'other' }],
        },
      ],
    },
  },
  webpubsub: { accessKey: WPS_KEY },
  eventhubs: {
    policies: [
      { name: 'send-only', key: EH_SEND_KEY, rights: ['Send'] },
      { name: 'listen-only', key: EH_LISTEN_KEY, rights: ['Listen'] },
    ],
  },
});
for (const key of [RELAY_LISTEN_KEY, RELAY_SEND_KEY, EH_SEND_KEY, EH_LISTEN_KEY, WPS_KEY, WRONG_KEY]) fixture.secrets.add(key);

interface Case {
  service: string;
  name: string;
  /** The refusal the service gives (status, close code or AMQP condition). */
  expected: string;
  /** What happened: the refusal observed, or 'let in'. */
  attempt(): Promise<string>;
}
const cases: Case[] = [];
const outcomes: Array<{ service: string; name: string; expected: string; observed: string }> = [];
const now = () => Math.floor(Date.now() / 1000);

// ---- Relay ----------------------------------------------------------------------------------
const relay = () => fixture.child.info.relay;
const relayKey = () => relay().connectionString.match(/SharedAccessKey=([^;]+)/)![1]!;
async function relayToken(path: string, options: { keyName?: string; key?: string; expiresAt?: number } = {}): Promise<string> {
  const token = await createSasToken({ resourceUri: `http://127.0.0.1/${path}`, keyName: options.keyName ?? ROOT_KEY_NAME, key: options.key ?? relayKey(), hmac: nodeHmac, ...(options.expiresAt ? { expiresAt: options.expiresAt } : { ttlSeconds: 600 }) });
  fixture.secrets.add(token);
  return token;
}
function upgradeStatus(url: string, headers: Record<string, string> = {}, protocols: string[] = []): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols, { headers });
    ws.once('open', () => {
      ws.terminate();
      resolve('let in');
    });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      ws.terminate();
      resolve(String(res.statusCode));
    });
    ws.once('error', (error) => resolve(`error ${error.message}`));
  });
}
const listenUrl = (path: string) => `ws://127.0.0.1:${relay().port}/$hc/${path}?sb-hc-action=listen`;
const connectUrl = (path: string) => `ws://127.0.0.1:${relay().port}/$hc/${path}?sb-hc-action=connect`;
const auth = (token: string | undefined): Record<string, string> => (token ? { ServiceBusAuthorization: token } : {});
const badSignature = (token: string) => token.replace(/sig=([^&]+)/, (_m, sig: string) => `sig=${encodeURIComponent(Buffer.from(Buffer.from(decodeURIComponent(sig), 'base64').map((b) => b ^ 1)).toString('base64'))}`);

const relayCases: Array<[string, string, () => Promise<string>]> = [
  ['listen: missing token', '401', async () => upgradeStatus(listenUrl('guarded'))],
  ['listen: bad signature', '401', async () => upgradeStatus(listenUrl('guarded'), auth(badSignature(await relayToken('guarded'))))],
  ['listen: expired', '401', async () => upgradeStatus(listenUrl('guarded'), auth(await relayToken('guarded', { expiresAt: now() - 60 })))],
  ['listen: unknown rule name', '401', async () => upgradeStatus(listenUrl('guarded'), auth(await relayToken('guarded', { keyName: 'nobody', key: WRONG_KEY })))],
  ['listen: rule without the Listen claim', '403', async () => upgradeStatus(listenUrl('guarded'), auth(await relayToken('guarded', { keyName: 'sendOnly', key: RELAY_SEND_KEY })))],
  ['listen: token for another entity', '403', async () => upgradeStatus(listenUrl('guarded'), auth(await relayToken('other')))],
  ['listen: not a SAS token', '401', async () => upgradeStatus(listenUrl('guarded'), auth('Bearer nonsense'))],
  ['connect: missing token', '401', async () => upgradeStatus(connectUrl('guarded'))],
  ['connect: bad signature', '401', async () => upgradeStatus(connectUrl('guarded'), auth(badSignature(await relayToken('guarded'))))],
  ['connect: expired', '401', async () => upgradeStatus(connectUrl('guarded'), auth(await relayToken('guarded', { expiresAt: now() - 60 })))],
  ['connect: rule without the Send claim', '403', async () => upgradeStatus(connectUrl('guarded'), auth(await relayToken('guarded', { keyName: 'listenOnly', key: RELAY_LISTEN_KEY })))],
  ['connect: token for another entity', '403', async () => upgradeStatus(connectUrl('guarded'), auth(await relayToken('other')))],
];
for (const [name, expected, attempt] of relayCases) cases.push({ service: 'relay', name, expected, attempt });
const httpStatus = async (path: string, token?: string) => {
  const response = await fetch(`http://127.0.0.1:${relay().port}/${path}`, { method: 'POST', body: 'x', headers: auth(token) });
  await response.arrayBuffer();
  return response.status === 200 ? 'let in' : String(response.status);
};
cases.push(
  { service: 'relay', name: 'http: missing token', expected: '401', attempt: () => httpStatus('guarded') },
  { service: 'relay', name: 'http: bad signature', expected: '401', attempt: async () => httpStatus('guarded', badSignature(await relayToken('guarded'))) },
  { service: 'relay', name: 'http: expired', expected: '401', attempt: async () => httpStatus('guarded', await relayToken('guarded', { expiresAt: now() - 60 })) },
  { service: 'relay', name: 'http: token for another entity', expected: '403', attempt: async () => httpStatus('guarded', await relayToken('other')) },
  { service: 'relay', name: 'http: rule without the Send claim', expected: '403', attempt: async () => httpStatus('guarded', await relayToken('guarded', { keyName: 'listenOnly', key: RELAY_LISTEN_KEY })) },
);

// ---- Web PubSub -----------------------------------------------------------------------------
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
  { service: 'webpubsub', name: 'client: missing token', expected: '401', attempt: () => upgradeStatus(wpsUrl('chat'), {}, JSON_PROTOCOL) },
  { service: 'webpubsub', name: 'client: bad signature (other key)', expected: '401', attempt: async () => upgradeStatus(wpsUrl('chat', await wpsJwt({ aud: audience('chat') }, WRONG_KEY)), {}, JSON_PROTOCOL) },
  { service: 'webpubsub', name: 'client: expired', expected: '401', attempt: async () => upgradeStatus(wpsUrl('chat', await wpsJwt({ aud: audience('chat'), exp: now() - 3600 })), {}, JSON_PROTOCOL) },
  { service: 'webpubsub', name: 'client: token for another hub', expected: '401', attempt: async () => upgradeStatus(wpsUrl('chat', await wpsJwt({ aud: audience('other') })), {}, JSON_PROTOCOL) },
  { service: 'webpubsub', name: 'client: wrong audience host', expected: '401', attempt: async () => upgradeStatus(wpsUrl('chat', await wpsJwt({ aud: 'https://elsewhere.webpubsub.azure.com/client/hubs/chat' })), {}, JSON_PROTOCOL) },
  { service: 'webpubsub', name: 'client: alg none', expected: '401', attempt: async () => upgradeStatus(wpsUrl('chat', withAlg(await wpsJwt({ aud: audience('chat') }), 'none')), {}, JSON_PROTOCOL) },
  { service: 'webpubsub', name: 'client: HS384', expected: '401', attempt: async () => upgradeStatus(wpsUrl('chat', withAlg(await wpsJwt({ aud: audience('chat') }), 'HS384')), {}, JSON_PROTOCOL) },
  { service: 'webpubsub', name: 'client: HS512', expected: '401', attempt: async () => upgradeStatus(wpsUrl('chat', withAlg(await wpsJwt({ aud: audience('chat') }), 'HS512')), {}, JSON_PROTOCOL) },
);
const restStatus = async (hub: string, token?: string, path = ':send?api-version=2024-01-01') => {
  const response = await fetch(`${wps().endpoint as string}/api/hubs/${hub}${path}`, { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain', ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  await response.arrayBuffer();
  return response.status < 300 ? 'let in' : String(response.status);
};
const restAudience = (hub: string) => `${wps().endpoint as string}/api/hubs/${hub}/:send?api-version=2024-01-01`;
cases.push(
  { service: 'webpubsub', name: 'REST: missing token', expected: '401', attempt: () => restStatus('chat') },
  { service: 'webpubsub', name: 'REST: bad signature', expected: '401', attempt: async () => restStatus('chat', await wpsJwt({ aud: restAudience('chat') }, WRONG_KEY)) },
  { service: 'webpubsub', name: 'REST: expired', expected: '401', attempt: async () => restStatus('chat', await wpsJwt({ aud: restAudience('chat'), exp: now() - 3600 })) },
  { service: 'webpubsub', name: 'REST: token for another hub', expected: '401', attempt: async () => restStatus('chat', await wpsJwt({ aud: restAudience('other') })) },
  { service: 'webpubsub', name: 'REST: alg none', expected: '401', attempt: async () => restStatus('chat', withAlg(await wpsJwt({ aud: restAudience('chat') }), 'none')) },
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
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
cases.push(
  {
    service: 'webpubsub',
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
    service: 'webpubsub',
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

// ---- Event Hubs -----------------------------------------------------------------------------
const eh = () => fixture.child.info.eventhubs;
const ehPort = () => Number(eh().connectionString.match(/:(\d+)/)![1]);
const noRetry = { retryOptions: { maxRetries: 0, timeoutInMs: 8000 } };
async function ehSignature(audienceUri: string, expiresAt: number, keyName = ROOT_KEY_NAME, key?: string): Promise<string> {
  const token = await createSasToken({ resourceUri: audienceUri, keyName, key: key ?? eh().connectionString.match(/SharedAccessKey=([^;]+)/)![1]!, expiresAt, hmac: nodeHmac });
  fixture.secrets.add(token);
  return `Endpoint=sb://127.0.0.1:${ehPort()}/;SharedAccessSignature=${token};UseDevelopmentEmulator=true`;
}
const withKey = (name: string, key: string) => `Endpoint=sb://127.0.0.1:${ehPort()};SharedAccessKeyName=${name};SharedAccessKey=${key};UseDevelopmentEmulator=true`;
async function ehSend(connectionString: string): Promise<string> {
  const producer = new EventHubProducerClient(connectionString, 'eh1', noRetry);
  try {
    await producer.sendBatch([{ body: 'intruder' }], { partitionId: '0' });
    return 'let in';
  } catch (error) {
    return (error as { code?: string }).code ?? (error as Error).name;
  } finally {
    await producer.close();
  }
}
async function ehReceive(connectionString: string): Promise<string> {
  const consumer = new EventHubConsumerClient('$Default', connectionString, 'eh1', noRetry);
  try {
    return await new Promise<string>((resolve) => {
      const subscription = consumer.subscribe('0', {
        processEvents: async () => {},
        processError: async (error) => {
          await subscription.close();
          resolve((error as { code?: string }).code ?? error.name);
        },
      }, { maxWaitTimeInSeconds: 1, startPosition: { sequenceNumber: 0 } });
      // A receiver that attaches and sits there is let in; 4 s without an error means it did.
      setTimeout(() => void subscription.close().then(() => resolve('let in')), 4000);
    });
  } finally {
    await consumer.close();
  }
}
/** SASL PLAIN by hand: the sasl-outcome code the server answers (AMQP 1.0 §5.3.3.6; 1 = auth). */
function saslPlain(username: string, password: string): Promise<string> {
  const response = Buffer.from(`\0${username}\0${password}`);
  const body = Buffer.concat([Buffer.from([0x00, 0x53, 0x41, 0xc0, 0, 2, 0xa3, 5]), Buffer.from('PLAIN'), Buffer.from([0xa0, response.length]), response]);
  body[4] = body.length - 5;
  const frame = Buffer.concat([Buffer.alloc(8), body]);
  frame.writeUInt32BE(frame.length, 0);
  frame[4] = 2;
  frame[5] = 1;
  return new Promise((resolve) => {
    const socket = createConnection(ehPort(), '127.0.0.1', () => socket.write(Buffer.concat([Buffer.from('AMQP\x03\x01\x00\x00', 'latin1'), frame])));
    let received = Buffer.alloc(0);
    const finish = (outcome: string) => {
      socket.destroy();
      resolve(outcome);
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const at = received.indexOf(Buffer.from([0x00, 0x53, 0x44]));
      if (at < 0) return;
      const list = received.subarray(at + 3);
      const code = list[0] === 0xc0 ? list.subarray(3) : list[0] === 0xd0 ? list.subarray(9) : list;
      if (code.length >= 2) finish(code[0] === 0x50 ? (code[1] === 0 ? 'let in' : `sasl-outcome ${code[1]}`) : 'sasl-outcome ?');
    });
    socket.on('error', () => finish('socket error'));
    socket.on('close', () => finish(`closed without sasl-outcome`));
    setTimeout(() => finish('no answer'), 8000);
  });
}
/** SASL ANONYMOUS and no put-token, then an attach to the hub: refused at attach. */
function attachWithoutToken(): Promise<string> {
  return new Promise((resolve) => {
    const connection = rhea.create_container().connect({ host: '127.0.0.1', port: ehPort(), reconnect: false } as never);
    const sender = connection.open_sender({ target: { address: 'eh1/Partitions/0' } });
    sender.on('sendable', () => {
      connection.close();
      resolve('let in');
    });
    sender.on('sender_error', (context: { sender: { error?: { condition?: string } } }) => {
      resolve(context.sender.error?.condition ?? 'sender_error');
      connection.close();
    });
    connection.on('error', () => {});
    connection.on('disconnected', () => resolve('disconnected'));
    setTimeout(() => resolve('no answer'), 8000);
  });
}
const ehAud = (path: string) => `sb://127.0.0.1:${0}/${path}`.replace(':0', `:${ehPort()}`);
cases.push(
  { service: 'eventhubs', name: 'SASL PLAIN: wrong key', expected: 'sasl-outcome 1', attempt: () => saslPlain(ROOT_KEY_NAME, WRONG_KEY) },
  { service: 'eventhubs', name: 'SASL PLAIN: right key (control: the hand-built exchange works)', expected: 'let in', attempt: async () => saslPlain(ROOT_KEY_NAME, eh().connectionString.match(/SharedAccessKey=([^;]+)/)![1]!) },
  { service: 'eventhubs', name: 'SASL PLAIN: unknown policy', expected: 'sasl-outcome 1', attempt: () => saslPlain('nobody', WRONG_KEY) },
  { service: 'eventhubs', name: 'attach without any token', expected: 'amqp:unauthorized-access', attempt: attachWithoutToken },
  { service: 'eventhubs', name: 'put-token: bad signature (wrong key)', expected: 'UnauthorizedError', attempt: () => ehSend(withKey(ROOT_KEY_NAME, WRONG_KEY)) },
  { service: 'eventhubs', name: 'put-token: expired', expected: 'UnauthorizedError', attempt: async () => ehSend(await ehSignature(ehAud('eh1'), now() - 60)) },
  { service: 'eventhubs', name: 'put-token: another entity', expected: 'UnauthorizedError', attempt: async () => ehSend(await ehSignature(ehAud('other-hub'), now() + 600)) },
  { service: 'eventhubs', name: 'send with a Listen-only policy', expected: 'UnauthorizedError', attempt: () => ehSend(withKey('listen-only', EH_LISTEN_KEY)) },
  { service: 'eventhubs', name: 'receive with a Send-only policy', expected: 'UnauthorizedError', attempt: () => ehReceive(withKey('send-only', EH_SEND_KEY)) },
);

// Listeners online, so a let-in sender would get 101 / 200, not 404.
const online: HybridConnectionListener[] = [];
beforeAll(async () => {
  for (const path of ['guarded', 'other']) {
    const listener = new HybridConnectionListener(relay().connectionString, { path, requestHandler: async () => new Response('inside') });
    await listener.open();
    online.push(listener);
  }
}, 30_000);
afterAll(async () => {
  await Promise.all(online.map((listener) => listener.close()));
  const letIn = outcomes.filter((o) => o.observed === 'let in' && o.expected !== 'let in');
  const mismatched = outcomes.filter((o) => o.observed !== o.expected);
  recordResult({ target: 'auth matrix (all services)', cases: outcomes.length, crashes: fixture.child.exited ? 1 : 0, hangs: 0, letIn: letIn.length, lost: 0, ...(mismatched.length ? { note: mismatched.map((o) => `${o.service} ${o.name}: ${o.observed}`).join('; ').slice(0, 300) } : {}) });
});

describe('auth matrix: 0 let in, each refused as the service refuses', () => {
  it.each(cases.map((c) => [`${c.service}: ${c.name} → ${c.expected}`, c] as const))('%s', { timeout: 20_000 }, async (_label, c) => {
    const observed = await c.attempt();
    outcomes.push({ service: c.service, name: c.name, expected: c.expected, observed });
    // A control case (expected 'let in') proves the hand-built exchange can succeed at all.
    if (c.expected !== 'let in') expect(observed).not.toBe('let in');
    expect(observed).toBe(c.expected);
  });
});
