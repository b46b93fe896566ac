import type { SocketLike } from '../transport.js';
import type { Timers } from '../runtime-types.js';

// Keep-alive and liveness for the control channel (docs/protocol/relay.md §1.7). The service defines no
// ping message; .NET sends an unsolicited WebSocket Pong every 3.5 min, and an idle Node
// listener was seen dropped silently after ~4 min (Azure/azure-relay#33). Where the socket can
// (`ws`), each tick sends that Pong; if nothing at all arrived for a whole tick, it also sends a
// Ping, and a second silent tick declares the channel dead. The W3C WebSocket exposes neither,
// so in browsers only the browser's own TCP handling detects a dead channel.

interface NodeStyleSocket {
  ping?: () => void;
  pong?: () => void;
  on?: (event: string, listener: () => void) => void;
  off?: (event: string, listener: () => void) => void;
}

export interface Liveness {
  /** Call on every inbound frame. */
  touch(): void;
  stop(): void;
}

export function startLiveness(socket: SocketLike, intervalMs: number, timers: Timers, onDead: () => void): Liveness {
  const node = socket as SocketLike & NodeStyleSocket;
  let heard = true;
  let probing = false;
  let timer: unknown;
  const touch = () => {
    heard = true;
    probing = false;
  };
  const canProbe = typeof node.ping === 'function' && typeof node.on === 'function';
  if (canProbe) {
    node.on!('pong', touch);
    node.on!('ping', touch);
  }
  const tick = () => {
    try {
      node.pong?.();
      if (canProbe && !heard) {
        if (probing) {
          onDead();
          return;
        }
        probing = true;
        node.ping!();
      }
    } catch {
      onDead();
      return;
    }
    heard = false;
    timer = timers.setTimeout(tick, intervalMs);
  };
  if (intervalMs > 0) timer = timers.setTimeout(tick, intervalMs);
  return {
    touch,
    stop() {
      timers.clearTimeout(timer);
      if (canProbe) {
        node.off?.('pong', touch);
        node.off?.('ping', touch);
      }
    },
  };
}
