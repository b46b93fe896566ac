/** @module azure-realtime/node — core bound to node:crypto HMAC and the `ws` WebSocket. */
export * from '../core/index.js';
export { nodeHmac } from './hmac.js';
export { NodeWebSocket } from './websocket.js';
export { createSasToken, verifySasToken, createSasTokenProvider, signJwt, verifyJwt } from './tokens.js';
export { HybridConnectionListener, HybridConnectionClient } from './relay.js';
export { WebPubSubServiceClient, createWebPubSubEventHandler, mintClientAccessToken, toNodeListener } from './webpubsub.js';
