import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FetchHandler } from '../core/webpubsub/event-handler.js';
import { WEBPUBSUB_MAX_MESSAGE_BYTES } from '../core/webpubsub/limits.js';

// An event or negotiate body above the service's own message limit is refused before it is buffered.
const MAX_BODY_BYTES = WEBPUBSUB_MAX_MESSAGE_BYTES;

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
