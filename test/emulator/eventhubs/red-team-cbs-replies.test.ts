import rhea from 'rhea';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEventHubsEmulator, type RunningEventHubsEmulator } from '../../../src/emulator/eventhubs/server.js';
import { MAX_UNTAKEN_REPLIES } from '../../../src/emulator/eventhubs/reply-route.js';

// A client that sends $cbs (or $management) requests without granting credit for the answers
// made rhea queue every answer: 100,000 put-tokens from a connection with no token yet held 80 MB
// until the handshake deadline, and an authorized one could go on for ever.

let emulator: RunningEventHubsEmulator;
beforeAll(async () => {
  emulator = await startEventHubsEmulator({ log: () => undefined });
});
afterAll(() => emulator?.close());

test(`past ${MAX_UNTAKEN_REPLIES} answers waiting for credit, the request link is closed with amqp:resource-limit-exceeded`, async () => {
  const container = rhea.create_container();
  container.on('error', () => undefined);
  const connection = container.connect({ host: '127.0.0.1', port: emulator.port, reconnect: false });
  await new Promise((resolve) => connection.once('connection_open', resolve));
  const requests = connection.open_sender('$cbs');
  requests.on('sender_error', () => undefined);
  connection.open_receiver({ source: { address: '$cbs' }, target: { address: 'cbs-client' }, credit_window: 0 });
  const closed = new Promise<string | undefined>((resolve) => requests.once('sender_close', (context) => resolve((context.sender!.error as { condition?: string } | undefined)?.condition)));
  let sent = 0;
  const send = (): void => {
    while (requests.sendable() && sent < MAX_UNTAKEN_REPLIES * 3) {
      requests.send({ body: 'SharedAccessSignature sr=x&sig=y&se=1&skn=z', application_properties: { operation: 'put-token', type: 'servicebus.windows.net:sastoken', name: 'sb://localhost/eh1' }, reply_to: 'cbs-client' });
      sent++;
    }
  };
  requests.on('sendable', send);
  send();
  expect(await closed).toBe('amqp:resource-limit-exceeded');
  connection.close();
});
