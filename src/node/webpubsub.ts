import type { HmacSha256 } from '../core/crypto.js';
import { createWebPubSubEventHandler as createCoreEventHandler, type FetchHandler, type WebPubSubEventHandlerOptions } from '../core/webpubsub/event-handler.js';
import { mintClientAccessToken as mintCore, type ClientAccessToken, type MintClientTokenInput } from '../core/webpubsub/client-token.js';
import { WebPubSubServiceClient as CoreWebPubSubServiceClient } from '../core/webpubsub/service-client.js';
import { nodeHmac } from './hmac.js';

// Node binding: the same API with node:crypto as the default HMAC (about 10x faster per token than
// awaiting crypto.subtle; bench/RESULTS-webpubsub.md). An `hmac` option still wins.

export class WebPubSubServiceClient extends CoreWebPubSubServiceClient {
  protected override defaultHmac(): HmacSha256 {
    return nodeHmac;
  }
}

export function createWebPubSubEventHandler(options: WebPubSubEventHandlerOptions): FetchHandler {
  return createCoreEventHandler({ ...options, hmac: options.hmac ?? nodeHmac });
}

export function mintClientAccessToken(input: MintClientTokenInput): Promise<ClientAccessToken> {
  return mintCore({ ...input, hmac: input.hmac ?? nodeHmac });
}
