// Web-standard byte helpers: no Buffer in core (docs/architecture.md "Rules of the core").
const encoder = new TextEncoder();
const decoder = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true });

export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/** decodeURIComponent, or the text unchanged when it holds a malformed escape. */
export function safeDecodeURIComponent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = /* @__PURE__ */ (() => {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  table['-'.charCodeAt(0)] = 62; // base64url
  table['_'.charCodeAt(0)] = 63;
  return table;
})();

// btoa over a binary string: native in every runtime we support (browsers, Node 16+, Deno, Bun,
// workerd) and several times faster than a JS loop (it dominates JWT/SAS minting).
const BINARY_CHUNK = 0x2000;

function binaryString(bytes: Uint8Array): string {
  if (bytes.length <= BINARY_CHUNK) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  let out = '';
  for (let i = 0; i < bytes.length; i += BINARY_CHUNK) out += String.fromCharCode.apply(null, bytes.subarray(i, i + BINARY_CHUNK) as unknown as number[]);
  return out;
}

export function base64Encode(bytes: Uint8Array): string {
  return btoa(binaryString(bytes));
}

export function base64UrlEncode(bytes: Uint8Array): string {
  return toBase64Url(base64Encode(bytes));
}

const ASCII = /^[\x00-\x7f]*$/;

/** base64url of a string's UTF-8 bytes; ASCII text (JWT claims, mostly) skips the byte round trip. */
export function base64UrlEncodeText(text: string): string {
  return ASCII.test(text) ? toBase64Url(btoa(text)) : base64UrlEncode(utf8Encode(text));
}

function toBase64Url(base64: string): string {
  let out = base64;
  if (out.includes('+')) out = out.replaceAll('+', '-');
  if (out.includes('/')) out = out.replaceAll('/', '_');
  let end = out.length;
  while (end > 0 && out.charCodeAt(end - 1) === 61 /* = */) end--;
  return end === out.length ? out : out.slice(0, end);
}

/** Decodes standard or URL-safe base64, padded or not. Throws RangeError on anything else. */
export function base64Decode(text: string): Uint8Array {
  const clean = text.replace(/=+$/, '');
  if (clean.length % 4 === 1) throw new RangeError(`expected base64, got ${clean.length} characters (length mod 4 = 1)`);
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let buffer = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    const code = clean.charCodeAt(i);
    const value = code < 128 ? LOOKUP[code]! : -1;
    if (value < 0) throw new RangeError(`expected base64, got an invalid character at position ${i}`);
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (buffer >> bits) & 0xff;
    }
  }
  return out;
}

export const base64UrlDecode = base64Decode;

export function hexEncode(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Constant-time comparison of two strings of public length (signatures). */
export function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** The chunks joined into one new array of its own (never a view of any of them). */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const joined = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
  chunks.reduce((at, chunk) => (joined.set(chunk, at), at + chunk.length), 0);
  return joined;
}
