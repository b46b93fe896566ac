import { WebPubSubClient, type WebPubSubClientOptions } from '@azure/web-pubsub-client';
import { clientAccessUrlProvider, type WebPubSubClientSource } from './negotiate.js';

// Builds an official @azure/web-pubsub-client from a negotiate URL or a token provider. The package
// picks its WebSocket by export condition (docs/protocol/webpubsub.md §6): `browser` → the global WebSocket (browsers,
// bundlers targeting workers), `import` → `ws` (Node). Importing it by name keeps that choice with
// the bundler instead of sniffing the runtime here. Published only through its own entry,
// `azure-realtime/webpubsub-client` (src/webpubsub-client/index.ts): the SDK brings `ws`, `buffer` and
// `events`, and imported from the main entry it made `import 'azure-realtime'` in Node about twice as
// slow for apps that never use it.

export function createWebPubSubClient(source: WebPubSubClientSource, options?: WebPubSubClientOptions): WebPubSubClient {
  const getUrl = clientAccessUrlProvider(source);
  return new WebPubSubClient({ getClientAccessUrl: () => getUrl() }, options);
}

export type { WebPubSubClient, WebPubSubClientOptions };
