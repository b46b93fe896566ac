// Bare rhea clients used by the Event Hubs rows: a batch sender (format 0x80013700, as the SDK's
// sendBatch) and receivers on every partition, the same code against our emulator and the limits.
import rhea from 'rhea';

export const BATCH_FORMAT = 0x80013700;
export const EVENT_BYTES = 100;
export const KEY_NAME = 'RootManageSharedAccessKey';

/** One batch of `count` 100-byte events, encoded once and sent as is every time. */
export function encodedBatch(count) {
  const inner = rhea.message.encode({ body: rhea.message.data_section(Buffer.alloc(EVENT_BYTES, 'e')) });
  return rhea.message.encode({ body: rhea.message.data_sections(Array.from({ length: count }, () => inner)) });
}

/**
 * `count` received events as the service delivers them (100-byte body; sequence number, offset and
 * enqueued-time annotations), each encoded once: what the limit's and the stub's senders cycle through.
 */
export function encodedReceivedEvents(enqueued = new Date(), count = 1000) {
  const body = rhea.message.data_section(Buffer.alloc(EVENT_BYTES, 'e'));
  return Array.from({ length: count }, (_, n) =>
    rhea.message.encode({
      body,
      message_annotations: { 'x-opt-sequence-number': rhea.types.wrap_long(n), 'x-opt-offset': String(n * 180), 'x-opt-enqueued-time': enqueued },
    }),
  );
}

export function keyOf(connectionString) {
  return /SharedAccessKey=([^;]+)/.exec(connectionString)[1];
}

export function connect(port, { password } = {}) {
  const container = rhea.create_container({ id: `bench-${process.pid}-${Math.random().toString(16).slice(2)}` });
  // A protocol error on a connection being torn down (transfers still in flight when it closes)
  // is not a result; real failures show as a round that rejects or never ends.
  container.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    const connection = container.connect({ host: '127.0.0.1', port, hostname: '127.0.0.1', reconnect: false, tcp_no_delay: true, username: KEY_NAME, password: password ?? 'unused', idle_time_out: 0 });
    connection.once('connection_open', () => resolve(connection));
    connection.once('connection_error', (context) => reject(new Error(`AMQP connection: ${context.connection.error?.description ?? 'error'}`)));
    connection.once('disconnected', (context) => reject(context.error ?? new Error('AMQP disconnected')));
  });
}

function opened(link) {
  return new Promise((resolve, reject) => {
    if (link.is_open()) return resolve(link);
    link.once(link.is_receiver() ? 'receiver_open' : 'sender_open', () => resolve(link));
    link.once(link.is_receiver() ? 'receiver_error' : 'sender_error', (context) => reject(new Error(`link: ${JSON.stringify(context[link.is_receiver() ? 'receiver' : 'sender'].error)}`)));
  });
}

/** A sender on `address` that keeps `window` batches unsettled; `round(ms)` → events/s acknowledged. */
export async function batchSender(connection, address, { batchSize = 1000, window = 4 } = {}) {
  const sender = await opened(connection.open_sender({ target: { address } }));
  const batch = encodedBatch(batchSize);
  let onSettled = () => undefined;
  sender.on('accepted', () => onSettled(true));
  sender.on('rejected', (context) => onSettled(false, context.delivery.remote_state?.error));
  sender.on('released', () => onSettled(false, 'released'));
  sender.on('modified', () => onSettled(false, 'modified'));
  return {
    round(ms) {
      return new Promise((resolve, reject) => {
        let outstanding = 0;
        let acked = 0;
        const start = performance.now();
        const end = start + ms;
        const pump = () => {
          while (performance.now() < end && outstanding < window && sender.sendable()) {
            sender.send(batch, undefined, BATCH_FORMAT);
            outstanding++;
          }
          if (outstanding === 0 && performance.now() >= end) {
            sender.removeListener('sendable', pump);
            resolve((acked * batchSize * 1000) / (performance.now() - start));
          }
        };
        onSettled = (ok, error) => {
          outstanding--;
          if (!ok) return reject(new Error(`batch not accepted: ${JSON.stringify(error)}`));
          acked++;
          pump();
        };
        sender.on('sendable', pump);
        pump();
      });
    },
    close: () => sender.close(),
  };
}

/**
 * A fresh connection with a receiver on every address from the start of each partition; counts
 * events for `ms` from the first one, then closes the connection. → events/s.
 */
export async function receiveRound(port, password, addresses, ms, { credit = 1000, available = Infinity } = {}) {
  const connection = await connect(port, { password });
  let count = 0;
  let first;
  const receivers = await Promise.all(
    addresses.map((address) =>
      opened(
        connection.open_receiver({
          source: { address, filter: { 'apache.org:selector-filter:string': rhea.types.wrap_described("amqp.annotation.x-opt-offset > '-1'", 0x468c00000004) } },
          credit_window: credit,
          autoaccept: true,
        }),
      ),
    ),
  );
  await new Promise((resolve) => {
    for (const receiver of receivers) {
      receiver.on('message', () => {
        if (count === 0) {
          first = performance.now();
          setTimeout(resolve, ms);
        }
        count++;
        if (count >= available) resolve();
      });
    }
  });
  const elapsed = performance.now() - first;
  const counted = count;
  connection.close();
  if (counted >= available) throw new Error(`receivers ran out of events (${available}) before the round ended: prefill more`);
  return (counted * 1000) / elapsed;
}
