import { EventHubConsumerClient, EventHubProducerClient } from '@azure/event-hubs';
import { createConnection } from 'node:net';
import rhea from 'rhea';
import { createSasToken } from '../../src/core/sas.js';
import { nodeHmac } from '../../src/node/hmac.js';
import { EH_LISTEN_KEY, EH_SEND_KEY, ROOT_KEY_NAME, WRONG_KEY, now, runAuthMatrix, type AuthCase } from './harness/auth-tools.js';
import { EmulatorFixture } from './harness/fixture.js';

// The auth matrix for Event Hubs: SASL PLAIN with a wrong key or policy, an attach without any
// token, put-token with a forged, expired or other-entity signature, and policies without the
// claim (Listen-only sending, Send-only receiving).

const fixture = new EmulatorFixture({
  eventhubs: {
    policies: [
      { name: 'send-only', key: EH_SEND_KEY, rights: ['Send'] },
      { name: 'listen-only', key: EH_LISTEN_KEY, rights: ['Listen'] },
    ],
  },
});
for (const key of [EH_SEND_KEY, EH_LISTEN_KEY, WRONG_KEY]) fixture.secrets.add(key);
const cases: AuthCase[] = [];

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
  { name: 'SASL PLAIN: wrong key', expected: 'sasl-outcome 1', attempt: () => saslPlain(ROOT_KEY_NAME, WRONG_KEY) },
  { name: 'SASL PLAIN: right key (control: the hand-built exchange works)', expected: 'let in', attempt: async () => saslPlain(ROOT_KEY_NAME, eh().connectionString.match(/SharedAccessKey=([^;]+)/)![1]!) },
  { name: 'SASL PLAIN: unknown policy', expected: 'sasl-outcome 1', attempt: () => saslPlain('nobody', WRONG_KEY) },
  { name: 'attach without any token', expected: 'amqp:unauthorized-access', attempt: attachWithoutToken },
  { name: 'put-token: bad signature (wrong key)', expected: 'UnauthorizedError', attempt: () => ehSend(withKey(ROOT_KEY_NAME, WRONG_KEY)) },
  { name: 'put-token: expired', expected: 'UnauthorizedError', attempt: async () => ehSend(await ehSignature(ehAud('eh1'), now() - 60)) },
  { name: 'put-token: another entity', expected: 'UnauthorizedError', attempt: async () => ehSend(await ehSignature(ehAud('other-hub'), now() + 600)) },
  { name: 'send with a Listen-only policy', expected: 'UnauthorizedError', attempt: () => ehSend(withKey('listen-only', EH_LISTEN_KEY)) },
  { name: 'receive with a Send-only policy', expected: 'UnauthorizedError', attempt: () => ehReceive(withKey('send-only', EH_SEND_KEY)) },
);


runAuthMatrix('eventhubs', fixture, cases);
