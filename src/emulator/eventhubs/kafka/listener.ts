import { createServer, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { createSecureContext, TLSSocket } from 'node:tls';
import type { ConnectionGuard, GuardedConnection } from '../../host/connection-guard.js';

// One port for SASL_PLAINTEXT and SASL_SSL: a Kafka frame starts with its int32 size, and a
// first byte of 0x16 (a TLS handshake record) would mean a request of over 360 MB, above any
// accepted size, so that byte tells TLS from plaintext without ambiguity.

/** Feeds TLS the byte already read, then the socket. */
class Replay extends Duplex {
  constructor(private readonly inner: Socket, first: Buffer) {
    super();
    this.on('error', () => {});
    this.push(first);
    inner.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) inner.pause();
    });
    inner.on('end', () => this.push(null));
    inner.on('close', () => this.destroy());
    inner.on('error', (error) => this.destroy(error));
  }
  override _read(): void {
    this.inner.resume();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.inner.write(chunk, callback);
  }
  override _final(callback: () => void): void {
    this.inner.end();
    callback();
  }
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.inner.destroy();
    callback(error);
  }
}

export interface KafkaListener {
  port: number;
  close(): Promise<void>;
}

export async function listenKafka(
  host: string,
  port: number,
  tls: { cert: string; key: string } | undefined,
  guard: ConnectionGuard,
  serve: (stream: Duplex, clientHost: string, guarded: GuardedConnection) => void,
): Promise<KafkaListener> {
  const secureContext = tls ? createSecureContext({ cert: tls.cert, key: tls.key }) : undefined;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    // Connection cap, and a deadline for SASL (connection.ts passes it once authenticated).
    const guarded = guard.admit(socket);
    if (!guarded) return;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setNoDelay(true);
    const clientHost = `/${socket.remoteAddress ?? 'unknown'}`;
    socket.once('data', (first: Buffer) => {
      socket.pause();
      if (first[0] === 0x16 && secureContext) {
        const secure = new TLSSocket(new Replay(socket, first), { isServer: true, secureContext });
        secure.on('error', () => secure.destroy());
        serve(secure, clientHost, guarded);
      } else {
        socket.unshift(first);
        serve(socket, clientHost, guarded);
      }
      socket.resume();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => undefined);
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
