import { request as httpRequest } from 'node:http';
import { createConnection, type Socket } from 'node:net';
import rhea from 'rhea';
import { createSasToken } from '../../../src/core/sas.js';
import { nodeHmac } from '../../../src/node/hmac.js';
import type { EmulatorChild } from './child.js';
import type { SecretBook } from './secrets.js';

// Shared by the exhaustion files: the low limits they start the emulator with (so the short form
// reaches them in seconds), and the raw clients that hold sockets, post bodies and flood $cbs.

export const HANDSHAKE_DEADLINE_MS = 2000;
export const WPS_OUTBOUND_LIMIT = 4 * 1024 * 1024;

export const EXHAUSTION_OPTIONS = {
  relay: { httpBodyLimitBytes: 8 * 1024 * 1024, httpBodyBudgetBytes: 32 * 1024 * 1024, httpTimeoutMs: 3000, handshakeTimeoutMs: HANDSHAKE_DEADLINE_MS },
  webpubsub: { limits: { maxOutboundBufferBytes: WPS_OUTBOUND_LIMIT, handshakeTimeoutMs: HANDSHAKE_DEADLINE_MS } },
  eventhubs: { limits: { handshakeTimeoutMs: HANDSHAKE_DEADLINE_MS } },
};

export const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const ehPort = (child: EmulatorChild) => Number(child.info.eventhubs.connectionString.match(/:(\d+)/)![1]);
export const wpsPort = (child: EmulatorChild) => Number(new URL(child.info.webpubsub.endpoint as string).port);

/** Opens a socket, writes `bytes` and keeps it open; `closed` is set when the server hangs up. */
export function holdOpen(port: number, bytes: Buffer): { socket: Socket; closed: () => boolean } {
  let closed = false;
  const socket = createConnection(port, '127.0.0.1', () => socket.write(bytes));
  socket.on('error', () => {});
  socket.on('data', () => {});
  socket.on('close', () => (closed = true));
  return { socket, closed: () => closed };
}

export async function relayToken(child: EmulatorChild, path: string, secrets: SecretBook): Promise<string> {
  const key = child.info.relay.connectionString.match(/SharedAccessKey=([^;]+)/)![1]!;
  const token = await createSasToken({ resourceUri: `http://127.0.0.1/${path}`, keyName: 'RootManageSharedAccessKey', key, hmac: nodeHmac, ttlSeconds: 600 });
  secrets.add(token);
  return token;
}

/**
 * A POST declaring `size` bytes with node:http, which reports an early answer that fetch hides.
 * It sends a first 64 kB and gives the server a second to refuse on the declared length before
 * sending the rest: a server that closes on unread bytes makes the kernel reset the connection,
 * and the reset can discard the 413 before the client reads it.
 */
export function rawPost(port: number, path: string, size: number, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    let answered = false;
    const request = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { ...headers, 'content-length': String(size), 'content-type': 'application/octet-stream' } });
    request.on('response', (response) => {
      answered = true;
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', () => resolve(0));
    const chunk = Buffer.alloc(64 * 1024);
    let written = 0;
    const pump = () => {
      while (written < size && !answered) {
        const piece = chunk.subarray(0, Math.min(chunk.length, size - written));
        written += piece.length;
        if (!request.write(piece)) return void request.once('drain', pump);
      }
      if (!answered) request.end();
    };
    request.write(chunk);
    written = chunk.length;
    setTimeout(pump, 1000);
  });
}

/** Sends one `megabytes`-long message to $cbs (rhea splits it into frames with more=true); resolves with the refusal. */
export function cbsFlood(port: number, megabytes: number): Promise<string> {
  return new Promise((resolve) => {
    const connection = rhea.create_container().connect({ host: '127.0.0.1', port, reconnect: false, max_frame_size: 65536 } as never);
    const sender = connection.open_sender({ target: { address: '$cbs' } });
    let sent = false;
    const finish = (outcome: string) => {
      clearTimeout(timer);
      connection.close();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish('no refusal within 30 s'), 30_000);
    sender.on('sendable', () => {
      if (sent) return;
      sent = true;
      sender.send({ body: Buffer.alloc(megabytes * 1024 * 1024) });
    });
    sender.on('sender_error', (context: { sender: { error?: { condition?: string } } }) => finish(context.sender.error?.condition ?? 'sender_error'));
    sender.on('rejected', (context: { delivery: { remote_state?: { error?: { condition?: string } } } }) => finish(context.delivery.remote_state?.error?.condition ?? 'rejected'));
    connection.on('connection_error', (context: { connection: { error?: { condition?: string } } }) => finish(context.connection.error?.condition ?? 'connection_error'));
    connection.on('error', () => {});
    connection.on('disconnected', () => finish('disconnected'));
  });
}

