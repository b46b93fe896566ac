import type { WebSocket } from 'ws';
import type { HybridConnection } from './entities.js';
import { isSendableCloseCode } from '../close-frames.js';
import { closeSocket } from './sockets.js';

// After an accept, the rendezvous socket is "a clean end-to-end pipe" to the sender (relay
// docs/protocol/relay.md §1.3): frames pass through with their text/binary type; pings are answered by each hop.
// A close on one side closes the other with the same code when it can be sent on the wire;
// otherwise (1005/1006: the peer vanished) the service's own codes apply: the sender sees 1000
// when the listener went away, the listener sees 1001 when the sender did (docs/protocol/relay.md §1.3, §1.4).
// A side that breaks RFC 6455 (ws closes it with 1002/1007/1009) is no clean goodbye: the other
// side gets 1011, the service's code for an error on its end [U].

/** Stop reading a side while this much is queued towards the other, resume below the low mark. */
const HIGH_WATER_BYTES = 4 * 1024 * 1024;
const LOW_WATER_BYTES = 1024 * 1024;

/** Pipes `from` into `to`; returns whether `from` failed (a frame ws could not read). */
function pipe(from: WebSocket, to: WebSocket, log: (line: string) => void): () => boolean {
  let paused = false;
  let failed = false;
  const onWritten = () => {
    if (paused && to.bufferedAmount < LOW_WATER_BYTES) {
      paused = false;
      from.resume();
    }
  };
  from.on('message', (data, isBinary) => {
    if (to.readyState !== to.OPEN) return;
    to.send(data as Buffer, { binary: isBinary }, onWritten);
    // A fast writer must not fill the emulator's memory when the reader is slow.
    if (!paused && to.bufferedAmount > HIGH_WATER_BYTES) {
      paused = true;
      from.pause();
    }
  });
  from.on('error', (error) => {
    failed = true;
    log(`relay: bridged socket error: ${error.message}`);
  });
  return () => failed;
}

export function bridge(sender: WebSocket, listener: WebSocket, entity: HybridConnection, log: (line: string) => void): void {
  const attachment = {
    kind: 'bridge' as const,
    terminate(code: number, reason: string) {
      closeSocket(sender, code, reason);
      closeSocket(listener, code, reason);
    },
  };
  entity.attachments.add(attachment);
  const senderFailed = pipe(sender, listener, log);
  const listenerFailed = pipe(listener, sender, log);

  const relayClose = (to: WebSocket, fallback: number, fromFailed: () => boolean) => (code: number, reason: Buffer) => {
    entity.attachments.delete(attachment);
    if (fromFailed()) closeSocket(to, 1011, 'The other end of the connection broke the WebSocket protocol');
    else closeSocket(to, isSendableCloseCode(code) ? code : fallback, reason.toString('utf8'));
  };
  sender.on('close', relayClose(listener, 1001, senderFailed));
  listener.on('close', relayClose(sender, 1000, listenerFailed));
  // Both sides came paused from the upgrade (context.ts); read only now that every handler is on.
  sender.resume();
  listener.resume();
}
