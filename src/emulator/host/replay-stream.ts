import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

/**
 * Replays bytes already read from a stream (to recognise its protocol), then passes the rest
 * through, both ways; `http` and `tls` take it as they take a socket.
 */
export class ReplayStream extends Duplex {
  readonly #inner: Duplex;
  #idleMs = 0;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(inner: Duplex, prefix: Buffer) {
    super();
    this.#inner = inner;
    // Whoever reads this stream (http, tls) reports its errors; this keeps a late one from being uncaught.
    this.on('error', () => {});
    if (prefix.length > 0) this.push(prefix);
    inner.on('data', (chunk: Buffer) => {
      this.#touch();
      if (!this.push(chunk)) inner.pause();
    });
    inner.on('end', () => this.push(null));
    inner.on('error', (error) => this.destroy(error));
    inner.on('close', () => this.destroy());
  }

  override _read(): void {
    this.#inner.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#touch();
    this.#inner.write(chunk, callback);
  }

  /**
   * Corked writes reach the stream underneath in the same tick, as they would a socket. Without
   * this, the second piece of a frame written in two (ws writes a close frame's header and its code
   * so) waited for the first one's callback, and a socket destroyed right after its close frame
   * (ws's protocol errors) sent the header alone: clients saw a broken frame, not code 1002/1009.
   */
  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    const inner = this.#inner;
    this.#touch();
    inner.cork();
    chunks.forEach(({ chunk }, index) => (index === chunks.length - 1 ? inner.write(chunk, callback) : inner.write(chunk)));
    inner.uncork();
  }

  override _final(callback: () => void): void {
    this.#inner.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.#idleTimer);
    this.#inner.destroy();
    callback(error);
  }

  /**
   * An idle timeout as a socket has one: 'timeout' after `ms` without a byte either way. http's
   * keepAliveTimeout rests on it; without it an idle keep-alive connection on a sniffing port stayed
   * open until the client left (ws turns it off with 0 once upgraded).
   */
  setTimeout(ms: number, onTimeout?: () => void): this {
    this.#idleMs = ms > 0 && Number.isFinite(ms) ? ms : 0;
    if (onTimeout) this.once('timeout', onTimeout);
    this.#touch();
    return this;
  }

  #touch(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    if (this.#idleMs === 0 || this.destroyed) return;
    this.#idleTimer = setTimeout(() => this.emit('timeout'), this.#idleMs);
    this.#idleTimer.unref();
  }

  // http and ws tune these on real sockets; nothing to tune on a relay.
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  get remoteAddress(): string | undefined {
    return (this.#inner as Socket).remoteAddress;
  }
  get remotePort(): number | undefined {
    return (this.#inner as Socket).remotePort;
  }
}
