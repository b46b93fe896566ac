import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HmacSha256 } from '../core/crypto.js';
import { createWebPubSubEventHandler as createCoreEventHandler, type FetchHandler, type WebPubSubEventHandlerOptions } from '../core/webpubsub/event-handler.js';
import { mintClientAccessToken as mintCore, type ClientAccessToken, type MintClientTokenInput } from '../core/webpubsub/client-token.js';
import { WebPubSubServiceClient as CoreWebPubSubServiceClient } from '../core/webpubsub/service-client.js';
import { nodeHmac } from './hmac.js';

// Node binding: the same API with node:crypto as the default HMAC (several times faster per token
// than awaiting crypto.subtle; bench/RESULTS-webpubsub.md). An `hmac` option still wins.

export class WebPubSubServiceClient extends CoreWebPubSubServiceClient {
  protected override defaultHmac(): HmacSha256 {
    return nodeHmac;
  }
}

export function createWebPubSubEventHandler(options: WebPubSubEventHandlerOptions): FetchHandler {
  return createCoreEventHandler({ ...options, hmac: options.hmac ?? nodeHmac });
}

export function mintClientAccessToken(input: MintClientTokenInput): Promise<ClientAccessToken> {
  return mintCore({ ...input, hmac: input.hmac ?? nodeHmac });
}

const MAX_BODY_BYTES = 1024 * 1024; // a Web PubSub frame or event body is at most 1 MB (note §3 "Limits")

/**
 * Mounts a fetch handler (event handler, negotiate) on node:http or Express:
 * `http.createServer(toNodeListener(handler))`, `app.use('/eventhandler', toNodeListener(handler))`.
 */
export function toNodeListener(handler: FetchHandler): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of req as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) return void res.writeHead(413).end();
        chunks.push(chunk);
      }
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS';
      // Express strips the mount path from req.url; originalUrl keeps it.
      const path = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
      const request = new Request(new URL(path, `http://${req.headers.host ?? 'localhost'}`), {
        method: req.method ?? 'GET',
        headers,
        ...(hasBody ? { body: Buffer.concat(chunks) } : {}),
      });
      const response = await handler(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
}
