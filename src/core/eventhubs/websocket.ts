import type { WebSocketCtor } from '../transport.js';

// The SDK always builds `wss://host:port/$servicebus/websocket` (docs/protocol/eventhubs.md §8), even for
// UseDevelopmentEmulator=true. The emulator serves plain ws:// on its AMQP port, and a page cannot
// trust a self-signed certificate without a manual step, so for the emulator's host:port only we
// hand rhea a WebSocket class that downgrades the scheme. Any other URL passes through untouched.

/** Returns `ws://…` for `wss://{hostPort}/…` (host case-insensitive), otherwise the URL unchanged. */
export function downgradeEmulatorUrl(url: string, hostPort: string): string {
  const prefix = `wss://${hostPort.toLowerCase()}/`;
  return url.slice(0, prefix.length).toLowerCase() === prefix ? `ws://${url.slice('wss://'.length)}` : url;
}

/** A subclass of `base` (the global WebSocket, `ws`, …) that opens ws:// instead of wss:// to `hostPort`. */
export function plainWebSocketFor(base: WebSocketCtor, hostPort: string): WebSocketCtor {
  if (typeof base !== 'function') throw new TypeError(`expected a WebSocket constructor, got ${typeof base}`);
  // Spread keeps any extra constructor arguments (`ws` takes an options object, e.g. headers or ca).
  const Base = base as unknown as new (...args: unknown[]) => object;
  return class EmulatorWebSocket extends Base {
    constructor(url: string | URL, ...rest: unknown[]) {
      super(downgradeEmulatorUrl(String(url), hostPort), ...rest);
    }
  } as unknown as WebSocketCtor;
}
