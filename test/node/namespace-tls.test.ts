import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseCliArgs } from '../../src/emulator/cli-args.js';
import { prepareCliTls, type CliTls } from '../../src/emulator/cli-tls.js';
import { startEventHubsEmulator, type RunningEventHubsEmulator } from '../../src/emulator/eventhubs/index.js';
import { startWebPubSubEmulator } from '../../src/emulator/webpubsub/index.js';
import type { RunningService } from '../../src/emulator/types.js';

// Issue 11 finding 4, namespace-style hosting: SDKs that dial `amqps://{ns}.servicebus.windows.net:5671`
// reach the emulator through a hosts entry and trust it through its CA. The recipe is tested here
// without root: the clients dial 127.0.0.1 but verify as if they had dialled the namespace name
// (SNI + hostname check = `servername` in Node, `server_hostname` in Python).

const run = promisify(execFile);
const directories: string[] = [];
let dataDir: string;
let tls: CliTls;
let eventhubs: RunningEventHubsEmulator;
let webpubsub: RunningService;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ns-tls-'));
  directories.push(dataDir);
  // As `azure-realtime emulator --namespace contoso --data-dir D --cert-out D/ca.pem` sets it up.
  const { tls: request } = parseCliArgs(['--namespace', 'contoso', '--data-dir', dataDir, '--cert-out', join(dataDir, 'trust', 'ca.pem')], () => ({}));
  tls = await prepareCliTls(request!);
  eventhubs = await startEventHubsEmulator({ port: 0, dataDir, tls: tls.options });
  webpubsub = await startWebPubSubEmulator({ port: 0, tls: tls.options });
});

afterAll(async () => {
  await eventhubs?.close();
  await webpubsub?.close();
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
});

function handshake(port: number, servername: string, ca: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername, ca });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('namespace-style TLS (Node client)', () => {
  test('the CLI options name the CA file and the namespace host names; --namespace implies TLS', () => {
    expect(tls.caFile).toBe(join(dataDir, 'trust', 'ca.pem'));
    expect(tls.hostNames).toEqual(['contoso.servicebus.windows.net', 'contoso.webpubsub.azure.com']);
    expect(parseCliArgs(['--namespace', 'contoso', '--eventhubs-port', '5671'], () => ({})).options.eventhubs).toMatchObject({ port: 5671, tls: true });
  });

  test('verifies contoso.servicebus.windows.net on the Event Hubs port with only the written CA trusted', async () => {
    const ca = await readFile(tls.caFile, 'utf8');
    const socket = await handshake(eventhubs.port, 'contoso.servicebus.windows.net', ca);
    expect(socket.authorized).toBe(true);
    const leaf = new X509Certificate(socket.getPeerCertificate().raw);
    expect(leaf.subjectAltName).toContain('DNS:contoso.servicebus.windows.net');
    expect(leaf.checkIssued(new X509Certificate(ca))).toBe(true); // signed by the CA, not self-signed
    socket.destroy();
  });

  test('verifies contoso.webpubsub.azure.com on the Web PubSub port', async () => {
    const socket = await handshake(webpubsub.port, 'contoso.webpubsub.azure.com', await readFile(tls.caFile, 'utf8'));
    expect(socket.authorized).toBe(true);
    socket.destroy();
  });

  test('a name the certificate does not carry fails verification', async () => {
    await expect(handshake(eventhubs.port, 'fabrikam.servicebus.windows.net', await readFile(tls.caFile, 'utf8'))).rejects.toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
  });

  test('the CA is stable per data dir: a restart issues a new certificate from the same CA', async () => {
    const again = await prepareCliTls({ namespace: 'contoso', dataDir });
    expect(again.caFile).toBe(join(dataDir, '.emulator-ca', 'ca.pem'));
    expect(await readFile(again.caFile, 'utf8')).toBe(await readFile(tls.caFile, 'utf8'));
    const restarted = await startEventHubsEmulator({ port: 0, tls: again.options });
    try {
      // Trusting the file written before the restart still works.
      const socket = await handshake(restarted.port, 'contoso.servicebus.windows.net', await readFile(tls.caFile, 'utf8'));
      expect(socket.authorized).toBe(true);
      socket.destroy();
    } finally {
      await restarted.close();
    }
  });
});

// Python's ssl module verifying the same name with the CA file: once given directly (`cafile=`,
// what azure-eventhub's `connection_verify=` does), once through SSL_CERT_FILE (the default
// context other Python clients use). After the handshake it sends the AMQP SASL protocol header
// and expects the emulator's answer: the namespace name reaches the Event Hubs AMQP endpoint.
const PYTHON_CLIENT = `
import os, socket, ssl, sys
port, name, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=os.environ['CA_FILE']) if mode == 'cafile' else ssl.create_default_context()
with socket.create_connection(('127.0.0.1', port), timeout=10) as raw:
    with ctx.wrap_socket(raw, server_hostname=name) as tls:
        sans = [value for kind, value in tls.getpeercert()['subjectAltName'] if kind == 'DNS']
        tls.sendall(b'AMQP\\x03\\x01\\x00\\x00')
        header = tls.recv(8)
        print('verified', name, ','.join(sans), header.hex())
`;

describe('namespace-style TLS (Python ssl client)', () => {
  for (const mode of ['cafile', 'SSL_CERT_FILE'] as const) {
    test(`verifies contoso.servicebus.windows.net with the CA file (${mode}) and speaks AMQP after it`, async () => {
      const env = { ...process.env, CA_FILE: tls.caFile, ...(mode === 'SSL_CERT_FILE' ? { SSL_CERT_FILE: tls.caFile } : {}) };
      const { stdout } = await run('/usr/bin/python3', ['-c', PYTHON_CLIENT, String(eventhubs.port), 'contoso.servicebus.windows.net', mode], { env });
      expect(stdout.trim()).toMatch(/^verified contoso\.servicebus\.windows\.net .*contoso\.servicebus\.windows\.net.* 414d515003010000$/);
    });
  }

  test('Python refuses a name the certificate does not carry', async () => {
    const env = { ...process.env, CA_FILE: tls.caFile };
    await expect(run('/usr/bin/python3', ['-c', PYTHON_CLIENT, String(eventhubs.port), 'fabrikam.servicebus.windows.net', 'cafile'], { env })).rejects.toMatchObject({
      stderr: expect.stringContaining('certificate verify failed'),
    });
  });
});

// The SDK the recipe is for: Python's azure-eventhub 5.11 dials amqps://contoso.servicebus.windows.net:5671.
// This process resolves that name and port to the emulator (what the hosts entry and `--eventhubs-port
// 5671` do) and the SDK trusts only the written CA through `connection_verify`.
const PYTHON_SDK = `
import json, os, socket, sys
port, ca, key = int(sys.argv[1]), sys.argv[2], os.environ['EMULATOR_KEY']
original = socket.getaddrinfo
def hosts_entry(host, p, *args, **kwargs):
    if host == 'contoso.servicebus.windows.net' and p in (5671, '5671'):
        return original('127.0.0.1', port, *args, **kwargs)
    return original(host, p, *args, **kwargs)
socket.getaddrinfo = hosts_entry
from azure.eventhub import EventData, EventHubProducerClient
connection_string = 'Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=' + key
with EventHubProducerClient.from_connection_string(connection_string, eventhub_name='eh1', connection_verify=ca, retry_total=0) as producer:
    before = producer.get_partition_properties('3')['last_enqueued_sequence_number']
    batch = producer.create_batch(partition_id='3')
    batch.add(EventData('hello from contoso'))
    producer.send_batch(batch)
    after = producer.get_partition_properties('3')['last_enqueued_sequence_number']
    print(json.dumps({'before': before, 'after': after}))
`;

test('Python azure-eventhub sends through amqps://contoso.servicebus.windows.net:5671 trusting only the written CA', { timeout: 45_000 }, async () => {
  const key = /SharedAccessKey=([^;]+)/.exec(eventhubs.connectionString)![1]!;
  const env = { ...process.env, EMULATOR_KEY: key }; // not on the command line
  const { stdout } = await run('/usr/bin/python3', ['-c', PYTHON_SDK, String(eventhubs.port), tls.caFile], { env, timeout: 40_000 });
  const { before, after } = JSON.parse(stdout.trim().split('\n').pop()!) as { before: number; after: number };
  expect(after).toBe(before + 1);
});
