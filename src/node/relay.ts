import {
  HybridConnectionClient as CoreHybridConnectionClient,
  HybridConnectionListener as CoreHybridConnectionListener,
  type HybridConnectionClientOptions,
  type HybridConnectionListenerOptions,
  type RelayEntityOptions,
} from '../core/relay/index.js';
import { withNodeRuntime } from './runtime.js';

// The relay classes on the Node runtime (`ws` with the token in the ServiceBusAuthorization header,
// node:crypto HMAC). A caller's own options still win.

export class HybridConnectionListener extends CoreHybridConnectionListener {
  constructor(target: string | RelayEntityOptions, options?: HybridConnectionListenerOptions) {
    super(target, withNodeRuntime(options));
  }
}

export class HybridConnectionClient extends CoreHybridConnectionClient {
  constructor(target: string | RelayEntityOptions, options?: HybridConnectionClientOptions) {
    super(target, withNodeRuntime(options));
  }
}
