// Close frames the emulators send (every service closes `ws` sockets with a code and a reason).

/** Close reasons are limited to 123 UTF-8 bytes (RFC 6455 §5.5); `ws` throws past that. */
export function closeReason(text: string): string {
  let out = text;
  while (Buffer.byteLength(out) > 123) out = out.slice(0, -1);
  return out;
}

/** Codes an endpoint may put in a close frame (RFC 6455 §7.4); others are replaced. */
export function isSendableCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}
