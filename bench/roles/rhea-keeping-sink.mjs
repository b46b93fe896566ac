// Evidence for the eh-ingest row, not its goal: the bare rhea receiver of rhea-sink.mjs that also
// keeps every byte the way a log must. Each batch's bytes are copied into 8 MB blocks that are never
// reused while kept (fresh memory the process has not touched, as a growing log needs), up to the
// emulator's default log cap (4 partitions × 256 MiB); past it the oldest block is let go, as
// retention drops the oldest chunks. No numbering, index, routing or checks: the least a log does.
import rhea from 'rhea';

const BLOCK = 8 * 1024 * 1024;
const CAP = 4 * 256 * 1024 * 1024;

export async function start() {
  const container = rhea.create_container({ id: 'keeping-sink', tcp_no_delay: true });
  container.sasl_server_mechanisms.enable_plain(() => true);
  const blocks = [];
  let block = Buffer.alloc(0);
  let used = 0;
  let events = 0;
  container.on('message', (context) => {
    const bytes = context.message; // raw bytes: the batch format is not 0
    if (used + bytes.length > block.length) {
      block = Buffer.allocUnsafeSlow(Math.max(BLOCK, bytes.length));
      blocks.push(block);
      if (blocks.length * BLOCK > CAP) blocks.shift();
      used = 0;
    }
    bytes.copy(block, used);
    used += bytes.length;
    events++;
  });
  const server = container.listen({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  return { info: { port: server.address().port }, methods: { events: () => events, close: () => new Promise((resolve) => server.close(() => resolve())) } };
}
