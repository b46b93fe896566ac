import { request as httpsRequest } from 'node:https';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { parseServiceBusConnectionString } from '../../../src/core/connection-string.js';
import { EMULATOR_SAS_KEY } from '../../../src/emulator/defaults.js';
import { loadRelayConfig, startRelayEmulator } from '../../../src/emulator/relay/index.js';
import { generateCertificate } from '../../../src/emulator/tls.js';
import { closed, failedStatus, open, startEmulator, token, wsBase } from './helpers.js';

// TLS with a generated certificate that clients trust through `ca` (no verification switched
// off), the connection string, the namespace host mapping, and JSON config files.

function httpsGet(url: string, ca: string, headers: Record<string, string>): Promise<{ status: number; body: string; via?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, headers }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ...(res.headers.via ? { via: res.headers.via } : {}) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('TLS', () => {
  it('serves wss and https with a generated certificate; rendezvous addresses are wss', async () => {
    const emulator = await startRelayEmulator({ port: 0, tls: true });
    try {
      expect(emulator.scheme).toBe('wss');
      const ca = emulator.certificate!;
      expect(ca).toMatch(/BEGIN CERTIFICATE/);
      const base = `wss://localhost:${emulator.port}`;
      const listener = new WebSocket(`${base}/$hc/secure?sb-hc-action=listen`, { ca, headers: { ServiceBusAuthorization: await token({ path: 'secure', host: 'localhost' }) } });
      listener.on('message', (data) => {
        const message = JSON.parse(data.toString());
        if (message.accept) {
          // Rendezvous on the second port, under the host name the listener used (note §1.3).
          expect(message.accept.address).toMatch(new RegExp(`^wss://localhost:${emulator.rendezvousPort}/\\$hc/secure\\?`));
          const accepted = new WebSocket(message.accept.address, { ca });
          accepted.on('message', (frame, isBinary) => accepted.send(frame as Buffer, { binary: isBinary }));
        }
        if (message.request) {
          listener.send(JSON.stringify({ response: { requestId: message.request.id, statusCode: 200, body: true } }));
          listener.send(Buffer.from('over tls'), { binary: true });
        }
      });
      await new Promise((resolve, reject) => {
        listener.on('open', resolve);
        listener.on('error', reject);
      });
      const sender = new WebSocket(`${base}/$hc/secure?sb-hc-action=connect`, { ca, headers: { ServiceBusAuthorization: await token({ path: 'secure' }) } });
      const echoed = new Promise<string>((resolve) => sender.once('message', (data) => resolve(data.toString())));
      await new Promise((resolve, reject) => {
        sender.on('open', resolve);
        sender.on('error', reject);
      });
      sender.send('secret handshake');
      expect(await echoed).toBe('secret handshake');
      const response = await httpsGet(`https://127.0.0.1:${emulator.port}/secure`, ca, { ServiceBusAuthorization: await token({ path: 'secure' }) });
      expect(response).toMatchObject({ status: 200, body: 'over tls' });
      sender.terminate();
      listener.terminate();
    } finally {
      await emulator.close();
    }
  });

  it('the generated certificate names each namespace host, rendezvous included (the hosts-file recipe, minus the hosts file)', async () => {
    const emulator = await startRelayEmulator({ port: 0, tls: true, config: { namespaces: [{ name: 'contoso' }] } });
    try {
      // What a client resolving contoso.servicebus.windows.net to 127.0.0.1 would send: SNI and Host
      // for the namespace, a token for http://contoso.servicebus.windows.net/{path}.
      const socket = new WebSocket(`wss://127.0.0.1:${emulator.port}/$hc/orders?sb-hc-action=listen`, {
        ca: emulator.certificate!,
        servername: 'contoso.servicebus.windows.net',
        headers: { Host: 'contoso.servicebus.windows.net', ServiceBusAuthorization: await token({ path: 'orders', host: 'contoso.servicebus.windows.net' }) },
      } as WebSocket.ClientOptions); // servername goes through to tls.connect; @types/ws does not list it
      await new Promise((resolve, reject) => {
        socket.on('open', resolve);
        socket.on('error', reject);
      });
      expect(emulator.listenerCount('orders', 'contoso')).toBe(1);

      // A sender through the same name: the accept address names the namespace host on the
      // rendezvous port, and dialling it (hosts file simulated by `lookup`) completes the bridge.
      const toLoopback = (_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) =>
        options.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4);
      const accept = new Promise<string>((resolve) => socket.once('message', (data) => resolve(JSON.parse(data.toString()).accept.address)));
      const sender = new WebSocket(`wss://contoso.servicebus.windows.net:${emulator.port}/$hc/orders?sb-hc-action=connect`, {
        ca: emulator.certificate!,
        lookup: toLoopback as never,
        headers: { ServiceBusAuthorization: await token({ path: 'orders', host: 'contoso.servicebus.windows.net' }) },
      });
      const address = await accept;
      expect(address).toMatch(new RegExp(`^wss://contoso\\.servicebus\\.windows\\.net:${emulator.rendezvousPort}/\\$hc/orders\\?sb-hc-action=accept&`));
      const accepted = new WebSocket(address, { ca: emulator.certificate!, lookup: toLoopback as never });
      accepted.on('message', (data) => accepted.send(`echo ${data.toString()}`));
      await new Promise((resolve, reject) => {
        sender.on('open', resolve);
        sender.on('error', reject);
      });
      const echoed = new Promise<string>((resolve) => sender.once('message', (data) => resolve(data.toString())));
      sender.send('via contoso');
      expect(await echoed).toBe('echo via contoso');
      sender.terminate();
      accepted.terminate();
      socket.terminate();
    } finally {
      await emulator.close();
    }
  });

  it('uses a certificate it is given', async () => {
    const given = await generateCertificate(['given.example.test']);
    const emulator = await startRelayEmulator({ port: 0, tls: given });
    try {
      expect(emulator.certificate).toBe(given.cert);
      const response = await httpsGet(`https://127.0.0.1:${emulator.port}/nobody`, given.cert, { ServiceBusAuthorization: await token({ path: 'nobody' }) });
      expect(response.status).toBe(502);
    } finally {
      await emulator.close();
    }
  });

  it('an untrusted certificate is refused by a verifying client', async () => {
    const emulator = await startRelayEmulator({ port: 0, tls: true });
    try {
      const socket = new WebSocket(`wss://127.0.0.1:${emulator.port}/$hc/x?sb-hc-action=listen`);
      const error = await new Promise<Error>((resolve) => socket.on('error', resolve));
      expect(error.message).toMatch(/self.signed|certificate/i);
    } finally {
      await emulator.close();
    }
  });
});

describe('connection string and namespaces', () => {
  it('prints a development connection string that the core parser reads back', async () => {
    const emulator = await startEmulator();
    try {
      const parsed = parseServiceBusConnectionString(emulator.connectionString);
      expect(parsed).toMatchObject({ host: '127.0.0.1', port: emulator.port, sharedAccessKeyName: 'RootManageSharedAccessKey', sharedAccessKey: EMULATOR_SAS_KEY, useDevelopmentEmulator: true });
      expect(emulator.info()).toMatchObject({ connectionString: emulator.connectionString, scheme: 'ws', tls: false });
    } finally {
      await emulator.close();
    }
  });

  it('routes by Host header: each namespace has its own entities and rules', async () => {
    const emulator = await startEmulator({
      config: {
        autoCreateHybridConnections: false,
        namespaces: [
          { name: 'alpha', hybridConnections: [{ name: 'one' }] },
          { name: 'beta.example.test', authorizationRules: [{ name: 'betaRule', primaryKey: 'YmV0YQ==', rights: ['Listen'] }], hybridConnections: [{ name: 'two' }] },
        ],
      },
    });
    try {
      const betaHost = { Host: `beta.example.test:${emulator.port}` };
      const betaToken = await token({ path: 'two', host: 'beta.example.test', keyName: 'betaRule', key: 'YmV0YQ==' });
      const listener = await open(`${wsBase(emulator)}/$hc/two?sb-hc-action=listen`, { headers: { ...betaHost, ServiceBusAuthorization: betaToken } });
      expect(emulator.listenerCount('two', 'beta.example.test')).toBe(1);
      // The default namespace (alpha, first declared) has no entity "two" and no rule "betaRule".
      expect((await failedStatus(`${wsBase(emulator)}/$hc/two?sb-hc-action=listen`, { headers: { ServiceBusAuthorization: betaToken } })).status).toBe(404);
      const alphaToken = await token({ path: 'one', keyName: 'betaRule', key: 'YmV0YQ==' });
      expect((await failedStatus(`${wsBase(emulator)}/$hc/one?sb-hc-action=listen`, { headers: { ServiceBusAuthorization: alphaToken } })).status).toBe(401);
      listener.terminate();
      await closed(listener).catch(() => undefined);
    } finally {
      await emulator.close();
    }
  });
});

describe('config files', () => {
  it('reads a JSON file and reports bad entries with the field path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-config-'));
    try {
      const good = join(dir, 'good.json');
      await writeFile(good, JSON.stringify({ namespaces: [{ name: 'files', hybridConnections: [{ name: 'fromfile', requiresClientAuthorization: false }] }] }));
      const [ns] = await loadRelayConfig(good);
      expect(ns!.host).toBe('files.servicebus.windows.net');
      expect(ns!.hybridConnections[0]).toMatchObject({ name: 'fromfile', requiresClientAuthorization: false, httpEnabled: true });
      expect(ns!.rules.map((r) => r.name)).toContain('RootManageSharedAccessKey');

      const bad = join(dir, 'bad.json');
      await writeFile(bad, JSON.stringify({ namespaces: [{ name: 'x', authorizationRules: [{ name: 'r', primaryKey: 'k', rights: ['Dance'] }] }] }));
      await expect(loadRelayConfig(bad)).rejects.toThrow(/namespaces\[0\]\.authorizationRules\[0\]\.rights\[0\].*Listen, Send or Manage/);
      await writeFile(bad, '{ not json');
      await expect(loadRelayConfig(bad)).rejects.toThrow(/to hold JSON/);
      await expect(loadRelayConfig({ namespaces: [{ name: 'a' }, { name: 'A' }] })).rejects.toThrow(/unique/);
      await expect(startRelayEmulator({ port: 0, httpTimeoutMs: -1 })).rejects.toThrow(RangeError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
