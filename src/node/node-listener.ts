import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FetchHandler } from '../core/webpubsub/event-handler.js';
import { WEBPUBSUB_MAX_MESSAGE_BYTES } from '../core/webpubsub/limits.js';
import { BodyReadError, readBody } from './http-body.js';

// An event or negotiate body above the service's own message limit is refused before it is buffered.
const MAX_BODY_BYTES = WEBPUBSUB_MAX_MESSAGE_BYTES;

/**
 * Mounts a fetch handler (event handler, negotiate) on node:http or Express:
 * `http.createServer(toNodeListener(handler))`, `app.use('/eventhandler', toNodeListener(handler))`.
 */
export function toNodeListener(handler: FetchHandler): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      let body: Uint8Array<ArrayBuffer>;
      try {
        body = (await readBody(req, { maxBytes: MAX_BODY_BYTES })).bytes;
      } catch (error) {
        if (error instanceof BodyReadError) return void res.writeHead(error.status).end();
        throw error;
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
        ...(hasBody ? { body } : {}),
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
