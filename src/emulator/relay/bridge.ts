import type { WebSocket } from 'ws';
import type { HybridConnection } from './entities.js';
import { closeSocket, isSendableCloseCode } from './sockets.js';

// After an accept, the rendezvous socket is "a clean end-to-end pipe" to the sender (relay
// note §1.3): frames pass through with their text/binary type; pings are answered by each hop.
// A close on one side closes the other with the same code when it can be sent on the wire;
// otherwise (1005/1006: the peer vanished) the service's own codes apply: the sender sees 1000
// when the listener went away, the listener sees 1001 when the sender did (note §1.3, §1.4).

export function bridge(sender: WebSocket, listener: WebSocket, entity: HybridConnection, log: (line: string) => void): void {
  const attachment = {
    terminate(code: number, reason: string) {
      closeSocket(sender, code, reason);
      closeSocket(listener, code, reason);
    },
  };
  entity.attachments.add(attachment);

  const pipe = (from: WebSocket, to: WebSocket) => {
    from.on('message', (data, isBinary) => {
      if (to.readyState === to.OPEN) to.send(data as Buffer, { binary: isBinary });
    });
    from.on('error', (error) => log(`relay: bridged socket error: ${error.message}`));
  };
  pipe(sender, listener);
  pipe(listener, sender);

  const relayClose = (to: WebSocket, fallback: number) => (code: number, reason: Buffer) => {
    entity.attachments.delete(attachment);
    closeSocket(to, isSendableCloseCode(code) ? code : fallback, reason.toString('utf8'));
  };
  sender.on('close', relayClose(listener, 1001));
  listener.on('close', relayClose(sender, 1000));
}
