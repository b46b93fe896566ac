import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyStalledError, ByteBudget, readBody } from '../../node/http-body.js';
import { listen, type Listening } from '../host/listen.js';
import { DEFAULT_HOST } from '../defaults.js';
import { authority, serviceLog } from '../service-address.js';
import { runAction } from './actions.js';
import { boundPicture } from './bound-picture.js';
import { ACTION_BODY_BUDGET_BYTES, HEARTBEAT_MS, MAX_ACTION_BODY_BYTES, resolveDashboardLimits, type DashboardOptions, type DashboardSources, type RunningDashboard } from './options.js';
import { pageHtml, PAGE_SCRIPT, PAGE_STYLE } from './page.js';
import { formRefusal, hostAllowed, newCsrfToken } from './security.js';
import { ViewerHub } from './viewers.js';

// The emulator dashboard: one plain HTTP server (bound where the emulator binds) serving a page,
// its script and style, a live stream of pictures of every service (Server-Sent Events), the
// same picture once as JSON, and the page's forms. It never holds or shows a key: the services'
// inspectors (src/emulator/<service>/snapshot.ts) give names, counts and previews only.

const HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' };
const PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

const sendJson = (res: ServerResponse, status: number, body: unknown) => send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));


export async function startDashboard(sources: DashboardSources, options: DashboardOptions = {}): Promise<RunningDashboard> {
  const limits = resolveDashboardLimits(options);
  const log = serviceLog(options.log);
  const host = options.host ?? DEFAULT_HOST;
  const token = newCsrfToken();
  const bodies = new ByteBudget(ACTION_BODY_BUDGET_BYTES);
  const endpoints = Object.fromEntries(Object.entries(sources).map(([name, source]) => [name, source.endpoint]));
  const bounds = { maxStringLength: limits.maxPictureStringLength, maxBytes: limits.maxPictureBytes };
  const picture = () =>
    JSON.stringify(
      boundPicture(
        {
          endpoints,
          relay: sources.relay?.inspector.snapshot() ?? null,
          webpubsub: sources.webpubsub?.inspector.snapshot() ?? null,
          eventhubs: sources.eventhubs?.inspector.snapshot() ?? null,
        },
        bounds,
      ),
    );
  const viewers = new ViewerHub({ ...limits, maxBufferBytes: limits.maxViewerBufferBytes, heartbeatMs: HEARTBEAT_MS, picture, log });

  const handlePost = async (req: IncomingMessage, res: ServerResponse, action: string) => {
    const refusal = formRefusal(req, token);
    if (refusal) return sendJson(res, 403, { error: refusal });
    if ((req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() !== 'application/json') return sendJson(res, 415, { error: 'expected application/json' });
    let held;
    try {
      held = await readBody(req, { maxBytes: MAX_ACTION_BODY_BYTES, budget: bodies, idleTimeoutMs: limits.bodyIdleTimeoutMs });
    } catch (error) {
      // A stalled body will not be drained: the answer closes the connection.
      if (error instanceof BodyStalledError) return send(res, 408, 'application/json; charset=utf-8', JSON.stringify({ error: error.message }), { connection: 'close' });
      return sendJson(res, (error as { status?: number }).status ?? 400, { error: (error as Error).message });
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(held.bytes).toString('utf8'));
    } catch {
      return sendJson(res, 400, { error: 'expected a JSON object' });
    } finally {
      held.release();
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return sendJson(res, 400, { error: 'expected a JSON object' });
    const result = await runAction(action, sources, body as Record<string, unknown>);
    sendJson(res, result.status, result.body);
    // The change shows on every open page at once, not at the next tick.
    viewers.tick();
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void | Promise<void> => {
    if (!hostAllowed(req.headers.host, host)) return send(res, 421, 'text/plain; charset=utf-8', 'This dashboard answers to its address, localhost or the host it was bound to.\n');
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'POST' && path.startsWith('/actions/')) return handlePost(req, res, path.slice('/actions/'.length));
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'Method not allowed\n', { allow: 'GET, HEAD' });
    switch (path) {
      case '/':
        return send(res, 200, 'text/html; charset=utf-8', pageHtml(token), { 'content-security-policy': PAGE_POLICY });
      case '/dashboard.js':
        return send(res, 200, 'text/javascript; charset=utf-8', PAGE_SCRIPT);
      case '/dashboard.css':
        return send(res, 200, 'text/css; charset=utf-8', PAGE_STYLE);
      case '/snapshot':
        return send(res, 200, 'application/json; charset=utf-8', picture());
      case '/events':
        if (req.method !== 'GET') return send(res, 405, 'text/plain; charset=utf-8', 'Method not allowed\n', { allow: 'GET' });
        if (!viewers.add(res)) send(res, 503, 'text/plain; charset=utf-8', `At most ${limits.maxViewers} pages may watch at once.\n`, { 'retry-after': '5' });
        return;
      default:
        return send(res, 404, 'text/plain; charset=utf-8', 'Not found\n');
    }
  };

  // Served by the emulator host (src/emulator/host/listen.ts): bind address, connection cap, failures kept to their request.
  const spec = {
    service: 'dashboard',
    host,
    maxConnections: limits.maxViewers + 32,
    bodyIdleTimeoutMs: limits.bodyIdleTimeoutMs,
    log,
    routes: {
      request: handle,
      requestFailed: (res: ServerResponse) => {
        if (!res.headersSent) sendJson(res, 500, { error: 'the dashboard failed to answer; see the emulator log' });
        else res.destroy();
      },
    },
  };
  let listening: Listening;
  try {
    listening = await listen({ ...spec, port: options.port ?? 0 });
  } catch (error) {
    if (!options.fallbackToFreePort || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    log(`dashboard: port ${options.port} is taken; using a free one`);
    listening = await listen({ ...spec, port: 0 });
  }
  const port = listening.port;
  const url = `http://${authority(host, port)}/`;
  log(`dashboard: ${url}`);
  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    url,
    viewerCount: () => viewers.size,
    close: () =>
      (closing ??= (async () => {
        viewers.close();
        await listening.close();
      })()),
  };
}
