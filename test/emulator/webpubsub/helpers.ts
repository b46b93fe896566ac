import WebSocket from 'ws';
import { mintClientAccessToken, type ClientAccessTokenOptions } from '../../../src/core/webpubsub/client-token.js';
import { nodeHmac } from '../../../src/node/hmac.js';
import type { RunningWebPubSubEmulator } from '../../../src/emulator/webpubsub/index.js';

// Raw `ws` clients for protocol tests: every frame is recorded, waits are predicate-based.

export interface RawClient {
  ws: WebSocket;
  frames: Array<string | Buffer>;
  /** Parsed JSON frames (text frames only). */
  messages: Array<Record<string, unknown>>;
  next(predicate: (message: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  nextFrame(timeoutMs?: number): Promise<string | Buffer>;
  send(message: unknown): void;
  closed: Promise<{ code: number; reason: string }>;
}

export async function clientUrl(emulator: RunningWebPubSubEmulator, hub: string, options: ClientAccessTokenOptions & { accessKey?: string; query?: string } = {}): Promise<string> {
  const { url } = await mintClientAccessToken({ endpoint: emulator.endpoint, hub, accessKey: options.accessKey ?? emulator.accessKey, hmac: nodeHmac, ...options });
  return options.query ? `${url}&${options.query}` : url;
}

export function connectRaw(url: string, protocol?: string): Promise<RawClient> {
  const ws = new WebSocket(url, protocol ? [protocol] : []);
  const frames: Array<string | Buffer> = [];
  const messages: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  let readIndex = 0;
  ws.on('message', (data, isBinary) => {
    const frame = isBinary ? (data as Buffer) : data.toString();
    frames.push(frame);
    if (typeof frame === 'string') {
      try {
        messages.push(JSON.parse(frame) as Record<string, unknown>);
      } catch {
        // raw text for simple clients
      }
    }
    for (const wake of [...waiters]) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const waitFor = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const attempt = () => {
        const found = check();
        if (found !== undefined) {
          waiters.delete(attempt);
          clearTimeout(timer);
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(attempt);
        reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(messages).slice(0, 500)}`));
      }, timeoutMs);
      waiters.add(attempt);
      attempt();
    });
  const client: RawClient = {
    ws,
    frames,
    messages,
    next: (predicate, timeoutMs = 3000) => waitFor(() => messages.find(predicate), timeoutMs, 'a matching message'),
    nextFrame: (timeoutMs = 3000) => waitFor(() => (readIndex < frames.length ? frames[readIndex++] : undefined), timeoutMs, 'a frame'),
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    closed,
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
}

export const JSON_PROTOCOL = 'json.webpubsub.azure.v1';
export const RELIABLE_PROTOCOL = 'json.reliable.webpubsub.azure.v1';

export function isAck(ackId: number) {
  return (m: Record<string, unknown>) => m.type === 'ack' && m.ackId === ackId;
}
