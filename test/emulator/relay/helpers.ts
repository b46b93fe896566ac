import WebSocket from 'ws';
import { createSasToken } from '../../../src/core/sas.js';
import { EMULATOR_KEY_NAME, EMULATOR_SAS_KEY } from '../../../src/emulator/defaults.js';
import { startRelayEmulator, type RelayEmulatorOptions, type RunningRelayEmulator } from '../../../src/emulator/relay/index.js';
import { nodeHmac } from '../../../src/node/hmac.js';

// Raw `ws` clients against the relay emulator: each test speaks the wire protocol itself, so
// what is checked is the emulator's behaviour, not our client library's.

export async function startEmulator(options: RelayEmulatorOptions = {}): Promise<RunningRelayEmulator> {
  return startRelayEmulator({ port: 0, ...options });
}

export interface TokenOptions {
  path?: string;
  keyName?: string;
  key?: string;
  host?: string;
  expiresAt?: number;
  ttlSeconds?: number;
}

export function token(options: TokenOptions = {}): Promise<string> {
  return createSasToken({
    resourceUri: `http://${options.host ?? '127.0.0.1'}/${options.path ?? 'hyco'}`,
    keyName: options.keyName ?? EMULATOR_KEY_NAME,
    key: options.key ?? EMULATOR_SAS_KEY,
    hmac: nodeHmac,
    ...(options.expiresAt !== undefined ? { expiresAt: options.expiresAt } : { ttlSeconds: options.ttlSeconds ?? 3600 }),
  });
}

export function wsBase(emulator: RunningRelayEmulator): string {
  return `ws://127.0.0.1:${emulator.port}`;
}

export function httpBase(emulator: RunningRelayEmulator): string {
  return `http://127.0.0.1:${emulator.port}`;
}

export type HandshakeResult = { opened: true; socket: WebSocket } | { opened: false; status: number; statusMessage: string };

/** Opens a socket and reports either the open socket or the HTTP status the handshake failed with. */
export function handshake(url: string, options: { headers?: Record<string, string>; protocols?: string[] } = {}): Promise<HandshakeResult> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, options.protocols ?? [], { headers: options.headers ?? {} });
    // Queue from the start: frames can arrive in the same TCP read as the 101 answer.
    queues.set(socket, new FrameQueue(socket));
    socket.on('open', () => resolve({ opened: true, socket }));
    socket.on('unexpected-response', (_req, res) => {
      resolve({ opened: false, status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '' });
      res.resume();
      socket.terminate();
    });
    socket.on('error', (error) => reject(error));
  });
}

export async function open(url: string, options: { headers?: Record<string, string>; protocols?: string[] } = {}): Promise<WebSocket> {
  const result = await handshake(url, options);
  if (!result.opened) throw new Error(`expected the handshake to succeed, got ${result.status} ${result.statusMessage}`);
  return result.socket;
}

export async function failedStatus(url: string, options: { headers?: Record<string, string>; protocols?: string[] } = {}): Promise<{ status: number; statusMessage: string }> {
  const result = await handshake(url, options);
  if (result.opened) {
    result.socket.terminate();
    throw new Error('expected the handshake to fail, but it opened');
  }
  return result;
}

export function closed(socket: WebSocket): Promise<{ code: number; reason: string }> {
  if (socket.readyState === socket.CLOSED) return Promise.reject(new Error('socket already closed'));
  return new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

/** Collects frames so a test can await "the next text frame" without racing the socket. */
export class FrameQueue {
  readonly #frames: Array<{ data: Buffer; isBinary: boolean }> = [];
  readonly #waiters: Array<(frame: { data: Buffer; isBinary: boolean }) => void> = [];

  constructor(socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      const frame = { data: data as Buffer, isBinary };
      const waiter = this.#waiters.shift();
      if (waiter) waiter(frame);
      else this.#frames.push(frame);
    });
  }

  next(): Promise<{ data: Buffer; isBinary: boolean }> {
    const frame = this.#frames.shift();
    if (frame) return Promise.resolve(frame);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  async nextJson(): Promise<Record<string, any>> {
    const frame = await this.next();
    if (frame.isBinary) throw new Error('expected a text frame, got binary');
    return JSON.parse(frame.data.toString('utf8'));
  }
}

const queues = new WeakMap<WebSocket, FrameQueue>();

/** Every frame the socket received since it was created, in order. */
export function framesOf(socket: WebSocket): FrameQueue {
  const queue = queues.get(socket);
  if (!queue) throw new Error('socket was not opened through handshake()');
  return queue;
}

/** A raw listener: control channel open, frames queued. */
export async function rawListener(emulator: RunningRelayEmulator, path = 'hyco'): Promise<{ socket: WebSocket; frames: FrameQueue }> {
  const socket = await open(`${wsBase(emulator)}/$hc/${path}?sb-hc-action=listen`, { headers: { ServiceBusAuthorization: await token({ path }) } });
  return { socket, frames: framesOf(socket) };
}

/** Case-insensitive header lookup in a relay header map. */
export function header(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.entries(headers).find(([key]) => key.toLowerCase() === lower)?.[1];
}
