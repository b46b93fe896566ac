/**
 * @module azure-realtime/webpubsub-client — an official `@azure/web-pubsub-client` from a negotiate URL
 * or a token source. Its own entry so that importing the main entry does not load that SDK (and `ws`,
 * `buffer`, `events`); the SDK picks its WebSocket by export condition (global in browsers, `ws` in Node).
 */
export { createWebPubSubClient, type WebPubSubClient, type WebPubSubClientOptions } from '../core/webpubsub/client.js';
export type { ClientAccessUrlProvider, WebPubSubClientSource } from '../core/webpubsub/negotiate.js';
