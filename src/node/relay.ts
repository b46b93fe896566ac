import {
  HybridConnectionClient as CoreHybridConnectionClient,
  HybridConnectionListener as CoreHybridConnectionListener,
  type HybridConnectionClientOptions,
  type HybridConnectionListenerOptions,
  type RelayEntityOptions,
  type RelayRuntimeOptions,
} from '../core/relay/index.js';
import { nodeHmac } from './hmac.js';
import { NodeWebSocket } from './websocket.js';

// Node 20 has no global WebSocket: bind `ws` (which also sends the token in the
// ServiceBusAuthorization header) and node:crypto HMAC. A caller's own options still win.
function withNodeDefaults<T extends RelayRuntimeOptions>(options: T | undefined): T {
  return { WebSocket: NodeWebSocket, hmac: nodeHmac, ...options } as T;
}

export class HybridConnectionListener extends CoreHybridConnectionListener {
  constructor(target: string | RelayEntityOptions, options?: HybridConnectionListenerOptions) {
    super(target, withNodeDefaults(options));
  }
}

export class HybridConnectionClient extends CoreHybridConnectionClient {
  constructor(target: string | RelayEntityOptions, options?: HybridConnectionClientOptions) {
    super(target, withNodeDefaults(options));
  }
}
