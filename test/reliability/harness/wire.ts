import fc from 'fast-check';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { mutate, mutationsArb } from './mutate.js';

// Record a valid exchange through a TCP proxy (what the client wrote, per connection), then replay
// mutated copies of it straight at the emulator's port. Mutations come from fast-check's generator
// with a fixed seed, so a failing batch is reproducible from its seed and index.

export interface Recording {
  /** Client→server bytes of each connection, in the order the connections opened. */
  connections: Buffer[];
}

export async function record(targetPort: number, scenario: (proxyPort: number) => Promise<void>, targetHost = '127.0.0.1'): Promise<Recording> {
  const connections: Buffer[][] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const chunks: Buffer[] = [];
    connections.push(chunks);
    const upstream = connect(targetPort, targetHost);
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => {
      chunks.push(Buffer.from(chunk));
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await scenario((server.address() as { port: number }).port);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
  return { connections: connections.map((chunks) => Buffer.concat(chunks)).filter((bytes) => bytes.length > 0) };
}

export interface ReplayOptions {
  port: number;
  host?: string;
  seeds: readonly Buffer[];
  count: number;
  seed: number;
  /** Parallel connections (default 32). */
  concurrency?: number;
  /** How long one replay may stay open waiting for the emulator to close it (default 300 ms). */
  lingerMs?: number;
  /** Bytes sent after the mutated stream on the same connection, e.g. garbage behind a handshake. */
  suffix?: (index: number) => Buffer | undefined;
}

/** Replays `count` mutated copies of the seeds; resolves with how many connections the emulator closed itself. */
export async function replayMutated(options: ReplayOptions): Promise<{ sent: number; closedByServer: number }> {
  const mutations = fc.sample(fc.tuple(fc.nat({ max: options.seeds.length - 1 }), mutationsArb, fc.nat({ max: 3 })), { seed: options.seed, numRuns: options.count });
  let next = 0;
  let closedByServer = 0;
  const worker = async () => {
    while (next < mutations.length) {
      const index = next++;
      const [which, edits, splits] = mutations[index]!;
      const bytes = Buffer.from(mutate(options.seeds[which]!, edits));
      const suffix = options.suffix?.(index);
      if (await sendRaw(options.port, options.host ?? '127.0.0.1', suffix ? Buffer.concat([bytes, suffix]) : bytes, splits, options.lingerMs ?? 300)) closedByServer++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 32 }, worker));
  return { sent: mutations.length, closedByServer };
}

/** Writes `bytes` in `splits + 1` pieces; true if the server closed the socket within `lingerMs`. */
export function sendRaw(port: number, host: string, bytes: Buffer, splits = 0, lingerMs = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    let done = false;
    const finish = (closedByServer: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(closedByServer);
    };
    const timer = setTimeout(() => finish(false), lingerMs);
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('data', () => {});
    socket.on('connect', () => {
      const size = Math.ceil(bytes.length / (splits + 1)) || 1;
      for (let at = 0; at < bytes.length; at += size) socket.write(bytes.subarray(at, at + size));
    });
  });
}
