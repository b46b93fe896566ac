// The receive limit: a bare rhea sender that answers every receiver link with 100-byte events
// carrying the annotations Event Hubs puts on a received event, as fast as the receiver's credit
// allows. The events are encoded once (a cycle of 1,000) so that the sender is not what bounds
// the receiving client.
import rhea from 'rhea';
import { encodedReceivedEvents } from '../lib/amqp.mjs';

export async function start() {
  const container = rhea.create_container({ id: 'source', tcp_no_delay: true });
  container.sasl_server_mechanisms.enable_plain(() => true);
  const encoded = encodedReceivedEvents();
  let sequence = 0;
  container.on('sender_open', (context) => context.sender.set_source(context.sender.remote.attach?.source ?? {}));
  container.on('sendable', (context) => {
    const sender = context.sender;
    // A format argument makes rhea send the bytes as given (link.js Sender.send).
    while (sender.sendable()) sender.send(encoded[sequence++ % encoded.length], undefined, 0);
  });
  const server = container.listen({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  return { info: { port: server.address().port }, methods: { close: () => new Promise((resolve) => server.close(() => resolve())) } };
}
