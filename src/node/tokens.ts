import * as core from '../core/index.js';
import { withNodeRuntime } from './runtime.js';

// The token functions on the Node runtime (node:crypto HMAC); a caller's `hmac` or `runtime` still wins.
export const createSasToken = (options: core.CreateSasTokenOptions): Promise<string> => core.createSasToken(withNodeRuntime(options));

export const verifySasToken = (token: string, options: core.VerifySasTokenOptions): Promise<core.ParsedSasToken> =>
  core.verifySasToken(token, withNodeRuntime(options));

export const createSasTokenProvider = (source: core.SasTokenSource, options: core.SasTokenProviderOptions = {}) =>
  core.createSasTokenProvider(source, withNodeRuntime(options));

export const signJwt = (payload: core.JwtPayload, key: string, options: core.JwtOptions = {}): Promise<string> =>
  core.signJwt(payload, key, withNodeRuntime(options));

export const verifyJwt = (token: string, key: string, options: core.VerifyJwtOptions = {}): Promise<core.JwtPayload> =>
  core.verifyJwt(token, key, withNodeRuntime(options));
