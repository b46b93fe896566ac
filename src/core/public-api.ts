// The public API of core outside Relay and Web PubSub, name by name. Internals (default-HMAC plumbing,
// expiry and path helpers, the unchecked token minter) stay out.

export { RealtimeError, isRealtimeError, describeValue, redactSecrets, type RealtimeErrorCode, type RealtimeErrorOptions } from './errors.js';
export { utf8Encode, utf8Decode, base64Encode, base64UrlEncode, base64UrlEncodeText, base64Decode, base64UrlDecode, hexEncode, timingSafeEqual } from './encoding.js';
export { createWebCryptoHmac } from './crypto.js';
export { resolveRuntime, type NowOption, type RuntimeOption } from './runtime.js';
export type { HmacSha256, Runtime, Timers } from './runtime-types.js';
export { SocketState, toFrameData, type SocketCloseEvent, type SocketLike, type SocketMessageEvent, type SocketOptions, type WebSocketCtor } from './transport.js';
export { RELAY_BACKOFF_STEPS, backoffDelay, exponentialDelay, type BackoffOptions } from './backoff.js';
export {
  DEFAULT_SAS_TTL_SECONDS,
  createSasToken,
  parseSasToken,
  verifySasToken,
  normalizeSasAudience,
  sasAudienceCovers,
  sasResourceUri,
  type CreateSasTokenOptions,
  type ParsedSasToken,
  type VerifySasTokenOptions,
} from './sas.js';
export { createSasTokenProvider, isTokenCredential, isTokenProvider, type AccessToken, type SasTokenProviderOptions, type SasTokenSource, type TokenProvider } from './token-provider.js';
export { signJwt, verifyJwt, decodeJwt, type JwtOptions, type JwtPayload, type VerifyJwtOptions } from './jwt.js';
export {
  parseServiceBusConnectionString,
  parseRelayConnectionString,
  parseEventHubsConnectionString,
  parseWebPubSubConnectionString,
  parseRelayQuickstartConfig,
  formatServiceBusConnectionString,
  type RelayQuickstartConfig,
  type ServiceBusConnectionString,
  type WebPubSubConnectionString,
} from './connection-string.js';
export {
  DEFAULT_ENVELOPE_MAX_BYTES,
  encodeEnvelope,
  decodeEnvelope,
  encodeQuickstartMessage,
  decodeQuickstartMessage,
  type DecodeEnvelopeOptions,
  type Envelope,
} from './codec/envelope.js';
