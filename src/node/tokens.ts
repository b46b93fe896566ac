import * as core from '../core/index.js';
import { nodeHmac } from './hmac.js';

// The token functions with node:crypto bound as the default HMAC; a caller's `hmac` still wins.
export const createSasToken = (options: core.CreateSasTokenOptions): Promise<string> =>
  core.createSasToken({ hmac: nodeHmac, ...options });

export const verifySasToken = (token: string, options: core.VerifySasTokenOptions): Promise<core.ParsedSasToken> =>
  core.verifySasToken(token, { hmac: nodeHmac, ...options });

export const createSasTokenProvider = (source: core.SasTokenSource, options: core.SasTokenProviderOptions = {}) =>
  core.createSasTokenProvider(source, { hmac: nodeHmac, ...options });

export const signJwt = (payload: core.JwtPayload, key: string, options: core.JwtOptions = {}): Promise<string> =>
  core.signJwt(payload, key, { hmac: nodeHmac, ...options });

export const verifyJwt = (token: string, key: string, options: core.VerifyJwtOptions = {}): Promise<core.JwtPayload> =>
  core.verifyJwt(token, key, { hmac: nodeHmac, ...options });

