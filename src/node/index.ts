/**
 * @module azure-realtime/node — core's public API (core/index.ts, an explicit list) on the Node runtime:
 * node:crypto HMAC and the `ws` WebSocket, bound once in runtime.ts. The names below replace core's.
 */
export * from '../core/index.js';
export { nodeRuntime } from './runtime.js';
export { nodeHmac } from './hmac.js';
export { NodeWebSocket } from './websocket.js';
export { createSasToken, verifySasToken, createSasTokenProvider, signJwt, verifyJwt } from './tokens.js';
export { HybridConnectionListener, HybridConnectionClient } from './relay.js';
export { WebPubSubServiceClient, createWebPubSubEventHandler, mintClientAccessToken, computeEventSignature, verifyEventSignature, toNodeListener } from './webpubsub.js';
