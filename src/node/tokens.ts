import { createHmac } from 'node:crypto';
import * as core from '../core/index.js';
import { formatSasToken, sasTokenInput } from '../core/sas.js';
import { nodeHmac } from './hmac.js';
import { withNodeRuntime } from './runtime.js';

// The token functions on the Node runtime (node:crypto HMAC); a caller's `hmac` or `runtime` still wins.

/**
 * createSasToken on node:crypto: synchronous underneath (createHmac's own base64, no promise hop,
 * the encoded resource cached by core), so a token costs about what the HMAC and the string do.
 */
export const createSasToken = (options: core.CreateSasTokenOptions): Promise<string> => {
  const own = options?.hmac ?? options?.runtime?.hmac;
  if (own !== undefined && own !== nodeHmac) return core.createSasToken(withNodeRuntime(options));
  try {
    const input = sasTokenInput(options);
    return Promise.resolve(formatSasToken(input, createHmac('sha256', input.key).update(input.stringToSign).digest('base64')));
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
