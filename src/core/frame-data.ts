// Apart from transport.ts (the WebSocket port every client loads up front): only code that reads
// frames needs this, and the relay listener loads that on first use (scripts/size.mjs).

/**
 * A socket's message data as string | Uint8Array. Sockets we open use binaryType 'arraybuffer', so
 * binary frames arrive as ArrayBuffer; a Uint8Array (of any subclass) is taken as it is.
 */
export function toFrameData(data: unknown): string | Uint8Array {
  if (typeof data === 'string' || data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError(`expected a string, ArrayBuffer or Uint8Array frame, got ${typeof data}`);
}
