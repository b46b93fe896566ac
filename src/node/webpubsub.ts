import type { HmacSha256 } from '../core/runtime-types.js';
import { computeEventSignature as computeCore, verifyEventSignature as verifyCore } from '../core/webpubsub/cloud-events.js';
import { mintClientAccessToken as mintCore, type ClientAccessToken, type MintClientTokenInput } from '../core/webpubsub/client-token.js';
import { createWebPubSubEventHandler as createCoreEventHandler, type FetchHandler, type WebPubSubEventHandlerOptions } from '../core/webpubsub/event-handler.js';
import type { WebPubSubCredential } from '../core/webpubsub/rest-types.js';
import { WebPubSubServiceClient as CoreWebPubSubServiceClient, type WebPubSubServiceClientOptions } from '../core/webpubsub/service-client.js';
import { nodeRuntime, withNodeRuntime } from './runtime.js';

export { toNodeListener } from './node-listener.js';

// The Web PubSub API on the Node runtime (node:crypto HMAC: several times faster per token than
// awaiting crypto.subtle; bench/RESULTS-webpubsub.md). An `hmac` or `runtime` option still wins.

export class WebPubSubServiceClient extends CoreWebPubSubServiceClient {
  constructor(connectionString: string, hubName: string, options?: WebPubSubServiceClientOptions);
  constructor(endpoint: string, credential: WebPubSubCredential, hubName: string, options?: WebPubSubServiceClientOptions);
  constructor(endpointOrConnectionString: string, credentialOrHub: WebPubSubCredential | string, hubOrOptions?: string | WebPubSubServiceClientOptions, maybeOptions?: WebPubSubServiceClientOptions) {
    if (typeof credentialOrHub === 'string') {
      super(endpointOrConnectionString, credentialOrHub, withNodeRuntime(hubOrOptions as WebPubSubServiceClientOptions | undefined));
    } else {
      super(endpointOrConnectionString, credentialOrHub, hubOrOptions as string, withNodeRuntime(maybeOptions));
    }
  }
}

export function createWebPubSubEventHandler(options: WebPubSubEventHandlerOptions): FetchHandler {
  return createCoreEventHandler(withNodeRuntime(options));
}

export function mintClientAccessToken(input: MintClientTokenInput): Promise<ClientAccessToken> {
  return mintCore(withNodeRuntime(input));
}

export function computeEventSignature(connectionId: string, accessKeys: readonly string[], hmac: HmacSha256 = nodeRuntime.hmac): Promise<string> {
  return computeCore(connectionId, accessKeys, hmac);
}

export function verifyEventSignature(header: string | null | undefined, connectionId: string, accessKeys: readonly string[], hmac: HmacSha256 = nodeRuntime.hmac): Promise<boolean> {
  return verifyCore(header, connectionId, accessKeys, hmac);
}
