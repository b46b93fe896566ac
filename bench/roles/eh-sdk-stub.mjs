// The SDK consumer's ceiling for the eh-receive row: a stub Event Hubs service with just enough
// AMQP for EventHubConsumerClient.subscribe() — SASL ANONYMOUS, every $cbs put-token answered 202,
// $management READ of the hub and its partitions — and consumer links that stream events encoded
// once (the bytes rhea-source.mjs sends, pre-settled as the emulator sends them) as fast as the
// client's credit allows. No log, no checks, no bounds: bench-only code, so that what it measures
// is what the SDK client itself can take.
import rhea from 'rhea';
import { encodedReceivedEvents } from '../lib/amqp.mjs';
import Connection from 'rhea/lib/connection.js';
import Session from 'rhea/lib/session.js';

const PARTITIONS = ['0', '1', '2', '3'];
const CONSUMER_ADDRESS = /^[^/]+\/ConsumerGroups\/[^/]+\/Partitions\/[^/]+$/i;

export async function start({ hub = 'bench' } = {}) {
  const container = rhea.create_container({ id: 'sdk-stub', tcp_no_delay: true });
  container.sasl_server_mechanisms.enable_anonymous();
  container.sasl_server_mechanisms.enable_plain(() => true);
  // A client that detaches while events are still queued for it gets some after its detach (the
  // emulator drops them: unsent-deliveries.ts); its rhea's complaint is not a result.
  container.on('protocol_error', () => undefined);
  container.on('error', () => undefined);
  const enqueued = new Date();
  const encoded = encodedReceivedEvents(enqueued);
  const streams = new WeakMap();

  container.on('sender_open', (context) => {
    const sender = context.sender;
    const source = sender.remote.attach?.source ?? {};
    sender.set_source(source);
    if (CONSUMER_ADDRESS.test(String(source.address ?? ''))) {
      sender.local.attach.snd_settle_mode = 1;
      streams.set(sender, { next: sender.delivery_count });
    }
  });
  container.on('receiver_open', (context) => context.receiver.set_target(context.receiver.remote.attach?.target ?? {}));
  // Only what the link's credit and the session's window let rhea write at once: a transfer still
  // queued when the client detaches would follow the detach, and the client's rhea drops the
  // connection for it (the emulator takes such transfers out of rhea's queue: unsent-deliveries.ts).
  const pump = (sender) => {
    const stream = streams.get(sender);
    if (!stream || !sender.is_open()) return;
    const outgoing = sender.session.outgoing;
    const sessionQueued = outgoing.next_delivery_id - outgoing.next_pending_delivery;
    let room = Math.min(sender.credit - (stream.next - sender.delivery_count), outgoing.transfer_window() - sessionQueued, outgoing.deliveries.available());
    // A format argument makes rhea send the bytes as given (link.js Sender.send).
    for (; room > 0; room--) sender.send(encoded[stream.next++ % encoded.length], undefined, 0);
  };
  container.on('sendable', (context) => pump(context.sender));
  // The SDK's rhea sends a few frames on a session after its end; rhea here would drop the
  // connection for them, and the SDK's close() then hangs (the emulator drops them: ended-sessions.ts).
  for (const name of ['flow', 'transfer', 'disposition', 'detach', 'end']) {
    const handler = Connection.prototype[`on_${name}`];
    Connection.prototype[`on_${name}`] = function (frame) {
      if (this.remote_channel_map[frame.channel] !== undefined) handler.call(this, frame);
    };
  }
  // A flow that only widens the session's window wakes no link in rhea: look at every stream then.
  const onSessionFlow = Session.prototype.on_flow;
  Session.prototype.on_flow = function (frame) {
    onSessionFlow.call(this, frame);
    for (const link of Object.values(this.links)) pump(link);
  };
  container.on('message', (context) => {
    const request = context.message;
    const node = context.receiver.remote.attach?.target?.address;
    const props = request.application_properties ?? {};
    let answer;
    if (node === '$cbs') answer = { application_properties: { 'status-code': rhea.types.wrap_int(202), 'status-description': 'Accepted' } };
    else if (node === '$management' && props.type === 'com.microsoft:eventhub') {
      answer = {
        application_properties: { 'status-code': rhea.types.wrap_int(200), 'status-description': 'OK' },
        body: { name: hub, created_at: enqueued, partition_count: rhea.types.wrap_int(PARTITIONS.length), partition_ids: PARTITIONS },
      };
    } else if (node === '$management' && props.type === 'com.microsoft:partition') {
      answer = {
        application_properties: { 'status-code': rhea.types.wrap_int(200), 'status-description': 'OK' },
        body: {
          name: hub,
          partition: props.partition,
          begin_sequence_number: rhea.types.wrap_long(0),
          last_enqueued_sequence_number: rhea.types.wrap_long(Number.MAX_SAFE_INTEGER),
          last_enqueued_offset: '0',
          last_enqueued_time_utc: enqueued,
          is_partition_empty: false,
        },
      };
    } else return;
    const replyTo = request.reply_to;
    const reply = context.connection.find_sender((sender) => sender.name === replyTo || sender.remote.attach?.target?.address === replyTo);
    reply?.send({ to: replyTo, correlation_id: request.message_id, ...answer });
  });
  const server = container.listen({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const port = server.address().port;
  return {
    info: { port, connectionString: `Endpoint=sb://127.0.0.1:${port};SharedAccessKeyName=stub;SharedAccessKey=unused;UseDevelopmentEmulator=true` },
    methods: { close: () => new Promise((resolve) => server.close(() => resolve())) },
  };
}
