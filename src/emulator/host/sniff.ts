import type { Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { ConnectionGuard, GuardedConnection } from './connection-guard.js';
import { ReplayStream } from './replay-stream.js';
import type { RawRoute } from './routes.js';

// The sniffing transport: one port for several protocols, told apart by the first bytes a client
// sends (docs/protocol/eventhubs.md §8): 0x16 is a TLS handshake record (unwrapped, then sniffed
// again inside), a raw route recognises its own header (`AMQP`, a Kafka frame), and an HTTP method
// goes to the service's HTTP routes. Anything else goes to `unrecognised`. The connection guard's
// deadline also covers a client that never sends the bytes looked at here.

const SNIFF_BYTES = 4;
const TLS_HANDSHAKE_RECORD = 0x16;

export interface SniffTargets {
  raw: readonly RawRoute[];
  /** The service's HTTP routes, served on this stream (no TLS of its own: TLS is unwrapped here). */
  http: HttpServer | undefined;
  tls: SecureContext | undefined;
  guard: ConnectionGuard;
  unrecognised(stream: Duplex): void;
}

function isHttpMethod(bytes: Buffer): boolean {
  return /^(GET|POST|PUT|HEAD|OPTI|DELE|PATC|CONN)/.test(bytes.toString('latin1', 0, 4));
}

export function sniff(stream: Duplex, targets: SniffTargets, guarded: GuardedConnection | undefined, remoteAddress: string | undefined, insideTls = false): void {
  let buffered: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    if (buffered.length < SNIFF_BYTES && buffered[0] !== TLS_HANDSHAKE_RECORD) return;
    stream.off('data', onData);
    stream.pause();
    route(stream, buffered, targets, guarded, remoteAddress, insideTls);
    stream.resume();
  };
  stream.on('data', onData);
  stream.on('error', () => stream.destroy());
}

function route(stream: Duplex, prefix: Buffer, targets: SniffTargets, guarded: GuardedConnection | undefined, remoteAddress: string | undefined, insideTls: boolean): void {
  if (prefix[0] === TLS_HANDSHAKE_RECORD && targets.tls && !insideTls) {
    const secure = new TLSSocket(new ReplayStream(stream, prefix), { isServer: true, secureContext: targets.tls });
    secure.on('error', () => secure.destroy());
    targets.guard.track(secure, guarded);
    sniff(secure, targets, guarded, remoteAddress, true);
    return;
  }
  const raw = targets.raw.find((candidate) => candidate.matches(prefix));
  if (raw) {
    raw.serve(stream, prefix, { encrypted: insideTls, guarded, remoteAddress });
  } else if (targets.http && isHttpMethod(prefix)) {
    const replay = new ReplayStream(stream, prefix);
    // Lets an upgrade handler tell ws from wss, as it would on a real TLS socket.
    Object.defineProperty(replay, 'encrypted', { value: insideTls });
    targets.guard.track(replay, guarded);
    targets.http.emit('connection', replay);
  } else {
    targets.unrecognised(stream);
  }
}
