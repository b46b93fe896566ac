// The ingest limit: a bare rhea receiver that accepts every batch and counts its events.
import rhea from 'rhea';

export async function start() {
  const container = rhea.create_container({ id: 'sink', tcp_no_delay: true });
  container.sasl_server_mechanisms.enable_plain(() => true);
  let events = 0;
  container.on('message', (context) => {
    const body = context.message.body;
    events += Array.isArray(body?.content) && body.multiple ? body.content.length : 1;
  });
  const server = container.listen({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  return { info: { port: server.address().port }, methods: { events: () => events, close: () => new Promise((resolve) => server.close(() => resolve())) } };
}
