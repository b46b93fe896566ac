import { base64Encode } from './encoding.js';
import { describeValue } from './errors.js';
import { clockOf, hmacOf, type NowOption, type RuntimeOption } from './runtime.js';
import type { HmacSha256 } from './runtime-types.js';

// Minting Service Bus SAS tokens for Relay and Event Hubs (docs/protocol/relay.md §2):
//   SharedAccessSignature sr={enc(uri)}&sig={enc(base64(HMAC))}&se={unix}&skn={name}
// The string to sign is the *encoded* sr, LF, se; the key is the UTF-8 bytes of the key string.
// Imports nothing of parsing or verifying (sas-parse.ts, sas.ts): a page that mints loads only this.

export interface CreateSasTokenOptions extends RuntimeOption {
  /** The audience, e.g. `http://{namespace}/{path}`; signed exactly as encodeURIComponent encodes it. */
  resourceUri: string;
  keyName: string;
  key: string;
  /** Expiry in Unix seconds. */
  expiresAt?: number;
  /** Lifetime from now, in seconds, when `expiresAt` is not given (default 3600). */
  ttlSeconds?: number;
  /** Shorthand for `runtime.hmac`. */
  hmac?: HmacSha256;
  /** Current time in ms, or a clock (tests); defaults to `runtime.now`, else Date.now(). */
  now?: NowOption;
}

export const DEFAULT_SAS_TTL_SECONDS = 3600;

function requireString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`expected ${name} to be a non-empty string, got ${describeValue(value)}`);
  }
  return value;
}

export function resolveExpiry(options: { expiresAt?: number; ttlSeconds?: number } & Pick<CreateSasTokenOptions, 'now' | 'runtime'>): number {
  if (options.expiresAt !== undefined) {
    if (!Number.isSafeInteger(options.expiresAt) || options.expiresAt < 0) {
      throw new RangeError(`expected expiresAt in whole Unix seconds, got ${options.expiresAt}`);
    }
    return options.expiresAt;
  }
  const ttl = options.ttlSeconds ?? DEFAULT_SAS_TTL_SECONDS;
  if (!Number.isFinite(ttl) || ttl <= 0) throw new RangeError(`expected ttlSeconds > 0, got ${ttl}`);
  return Math.floor(clockOf(options)() / 1000 + ttl);
}

/**
 * Checks createSasToken's options (TypeError/RangeError) and lays the token out around its
 * signature: [key, string to sign, the token up to `sig=`, the token after the signature].
 * `encode` is encodeURIComponent, or a caching one (the Node entry's).
 */
export function sasTokenParts(options: CreateSasTokenOptions, encode: (text: string) => string = encodeURIComponent): [key: string, stringToSign: string, head: string, tail: string] {
  if (typeof options !== 'object' || options === null) throw new TypeError(`expected an options object, got ${describeValue(options)}`);
  const sr = encode(requireString('resourceUri', options.resourceUri));
  const keyName = requireString('keyName', options.keyName);
  const key = requireString('key', options.key);
  const expiresAt = resolveExpiry(options);
  return [key, `${sr}\n${expiresAt}`, `SharedAccessSignature sr=${sr}&sig=`, `&se=${expiresAt}&skn=${encode(keyName)}`];
}

/** Mints a SAS token; with a synchronous HMAC (node:crypto, @noble/hashes) it is ready when the promise is. */
export function createSasToken(options: CreateSasTokenOptions): Promise<string> {
  try {
    const [key, stringToSign, head, tail] = sasTokenParts(options);
    const format = (mac: Uint8Array) => head + encodeURIComponent(base64Encode(mac)) + tail;
    const mac = hmacOf(options)(key, stringToSign);
    return mac instanceof Uint8Array ? Promise.resolve(format(mac)) : mac.then(format);
  } catch (error) {
    return Promise.reject(error);
  }
}

