import { createHmac } from 'node:crypto';
import * as core from '../core/index.js';
import { sasTokenParts } from '../core/sas-create.js';
import { nodeHmac } from './hmac.js';
import { withNodeRuntime } from './runtime.js';

// The token functions on the Node runtime (node:crypto HMAC); a caller's `hmac` or `runtime` still wins.

// Callers mint for the same few resources and rule names over and over: their URL-encoded forms are
// kept (bounded, cleared when full) instead of running encodeURIComponent per token.
const ENCODED_LIMIT = 64;
const encoded = new Map<string, string>();

function encodeCached(text: string): string {
  let value = encoded.get(text);
  if (value === undefined) {
    if (encoded.size >= ENCODED_LIMIT) encoded.clear();
    encoded.set(text, (value = encodeURIComponent(text)));
  }
  return value;
}

/**
 * createSasToken on node:crypto, synchronous underneath (createHmac's own base64, no promise hop,
 * cached encodings), so a token costs about what the HMAC and the string do (bench/rows/sas.mjs).
 * A KeyObject per key (crypto.createSecretKey) measured no faster than the key string, so none is kept.
 */
export const createSasToken = (options: core.CreateSasTokenOptions): Promise<string> => {
  const own = options?.hmac ?? options?.runtime?.hmac;
  if (own !== undefined && own !== nodeHmac) return core.createSasToken(withNodeRuntime(options));
  try {
    const [key, stringToSign, head, tail] = sasTokenParts(options, encodeCached);
    return Promise.resolve(head + encodeURIComponent(createHmac('sha256', key).update(stringToSign).digest('base64')) + tail);
  } catch (error) {
    return Promise.reject(error);
  }
};

export const verifySasToken = (token: string, options: core.VerifySasTokenOptions): Promise<core.ParsedSasToken> =>
  core.verifySasToken(token, withNodeRuntime(options));

export const createSasTokenProvider = (source: core.SasTokenSource, options: core.SasTokenProviderOptions = {}) =>
  core.createSasTokenProvider(source, withNodeRuntime(options));

export const signJwt = (payload: core.JwtPayload, key: string, options: core.JwtOptions = {}): Promise<string> =>
  core.signJwt(payload, key, withNodeRuntime(options));

export const verifyJwt = (token: string, key: string, options: core.VerifyJwtOptions = {}): Promise<core.JwtPayload> =>
  core.verifyJwt(token, key, withNodeRuntime(options));
