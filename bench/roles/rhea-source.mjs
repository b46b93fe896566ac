// The receive limit: a bare rhea sender that answers every receiver link with 100-byte events,
// each encoded by rhea with the annotations Event Hubs puts on a received event, as fast as the
// receiver's credit allows.
import rhea from 'rhea';

export async function start() {
  const container = rhea.create_container({ id: 'source', tcp_no_delay: true });
  container.sasl_server_mechanisms.enable_plain(() => true);
  const body = rhea.message.data_section(Buffer.alloc(100, 'e'));
  let sequence = 0;
  container.on('sender_open', (context) => context.sender.set_source(context.sender.remote.attach?.source ?? {}));
  container.on('sendable', (context) => {
    const sender = context.sender;
    while (sender.sendable()) {
      const n = sequence++;
      sender.send({
        body,
        message_annotations: {
          'x-opt-sequence-number': rhea.types.wrap_long(n),
          'x-opt-offset': String(n * 180),
          'x-opt-enqueued-time': new Date(),
        },
      });
    }
  });
  const server = container.listen({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  return { info: { port: server.address().port }, methods: { close: () => new Promise((resolve) => server.close(() => resolve())) } };
}
