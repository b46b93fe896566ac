import { HybridConnectionClient, HybridConnectionListener, redactSecrets, type RelayEntityOptions, type SocketLike } from 'azure-realtime';
import { serverRelayTokenProvider, type DemoConfig } from './api.js';
import { button, describeError, el, field, input, logView, randomName, statusLine, type LogView } from './ui.js';

// Relay Hybrid Connections, both ends in the browser: this tab can listen on an entity (relayed
// WebSockets echoed, HTTP requests answered by a fetch-style handler) and send to one.

const ECHO_TIMEOUT_MS = 10_000;
// The listener is the app behind the relay, so it answers CORS itself, as on the service (the
// page calls the relay's origin, not its own). POST with text/plain needs no preflight.
const CORS = { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, POST, OPTIONS', 'access-control-allow-headers': 'content-type' };

type RelaySettings = NonNullable<DemoConfig['relay']>;

function entity(config: RelaySettings, path: string): RelayEntityOptions {
  const { namespace, useDevelopmentEmulator } = config;
  return { namespace, path, useDevelopmentEmulator, tokenProvider: serverRelayTokenProvider(path) };
}

function decode(data: unknown): string {
  return typeof data === 'string' ? data : `${new TextDecoder().decode(data as ArrayBuffer)}`;
}

export function mountRelayPanel(root: HTMLElement, config: RelaySettings): void {
  const listenerSection = el('section', { class: 'half' });
  const senderSection = el('section', { class: 'half' });
  mountListener(listenerSection, config);
  mountSender(senderSection, config);
  root.append(
    el('h2', {}, 'Relay Hybrid Connections'),
    el('p', { class: 'hint' }, `Namespace ${config.namespace} (emulator). Listen in one tab, send from another.`),
    el('div', { class: 'columns' }, listenerSection, senderSection),
  );
}

function mountListener(root: HTMLElement, config: RelaySettings): void {
  const name = randomName('listener');
  const path = input('relay-listen-path', 'demo', { maxlength: '50' });
  const status = statusLine('relay-listener-status', 'not listening');
  const log = logView('relay-listener-log');
  let listener: HybridConnectionListener | undefined;

  const report = (error: unknown) => {
    status.set('error', `error: ${describeError(error)}`);
    log.add('error', describeError(error));
  };

  const start = async () => {
    if (listener) return;
    const current = (listener = new HybridConnectionListener(entity(config, path.value.trim()), {
      requestHandler: (request) => answerHttp(request, name, log),
    }));
    current.on('connecting', (error) => {
      status.set('busy', `connecting${error ? ` (after ${describeError(error)})` : ''}…`);
      log.add('info', 'status: connecting');
    });
    current.on('online', () => {
      status.set('ok', `online as ${name} at ${redactSecrets(current.address)}`);
      log.add('info', 'status: online');
    });
    current.on('offline', (error) => {
      if (listener === current) listener = undefined;
      status.set(error ? 'error' : 'idle', `offline${error ? `: ${describeError(error)}` : ''}`);
      log.add(error ? 'error' : 'info', `status: offline${error ? ` (${describeError(error)})` : ''}`);
    });
    current.on('error', (error) => log.add('error', describeError(error)));
    current.on('connection', ({ socket, request }) => echo(socket, request.url, log));
    try {
      await current.open();
    } catch (error) {
      if (listener === current) listener = undefined;
      throw error;
    }
  };

  const stop = async () => {
    const current = listener;
    listener = undefined;
    await current?.close();
  };

  root.append(
    el('h3', {}, 'Listener (this tab)'),
    el('div', { class: 'row' }, field('Path', path), button('relay-listen', 'Start listening', start, report), button('relay-stop', 'Stop', stop, report)),
    status.node,
    log.node,
  );
}

/** Accepted WebSocket: attach handlers at once (the socket is already open), echo every message. */
function echo(socket: SocketLike, url: string, log: LogView): void {
  log.add('in', `WebSocket accepted: ${url}`);
  socket.onmessage = ({ data }) => {
    const text = decode(data);
    log.add('in', `WebSocket message: ${text}`);
    socket.send(`echo: ${text}`);
  };
  socket.onclose = ({ code }) => log.add('info', `WebSocket closed (${code})`);
}

async function answerHttp(request: Request, name: string, log: LogView): Promise<Response> {
  const url = new URL(request.url);
  if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: CORS });
  const body = await request.text();
  log.add('in', `HTTP ${request.method} ${url.pathname}${url.search} (${body.length} chars) → 200`);
  return Response.json(
    { answeredBy: name, method: request.method, path: url.pathname, query: url.search, body },
    { headers: CORS },
  );
}

function mountSender(root: HTMLElement, config: RelaySettings): void {
  const path = input('relay-send-path', 'demo', { maxlength: '50' });
  const message = input('relay-message', 'hello relay', { maxlength: '2000' });
  const status = statusLine('relay-sender-status', 'nothing sent yet');
  const log = logView('relay-sender-log');
  const report = (error: unknown) => {
    status.set('error', `error: ${describeError(error)}`);
    log.add('error', describeError(error));
  };
  // One client (and so one cached token) per entity path.
  const clients = new Map<string, HybridConnectionClient>();
  const client = () => {
    const target = path.value.trim();
    let existing = clients.get(target);
    if (!existing) clients.set(target, (existing = new HybridConnectionClient(entity(config, target))));
    return existing;
  };

  const sendWebSocket = async () => {
    const text = message.value;
    status.set('busy', 'opening a relayed WebSocket…');
    const started = performance.now();
    const socket = await client().createConnection();
    try {
      const reply = await firstMessage(socket, () => socket.send(text));
      const ms = Math.round(performance.now() - started);
      status.set('ok', `WebSocket round trip: ${ms} ms`);
      log.add('out', `WebSocket sent: ${text}`);
      log.add('in', `WebSocket reply: ${reply} (${ms} ms incl. connect)`);
    } finally {
      socket.close(1000);
    }
  };

  const sendHttp = async () => {
    const text = message.value;
    status.set('busy', 'sending an HTTP request through the relay…');
    const started = performance.now();
    const response = await client().fetch('hello?from=demo', { method: 'POST', body: text, headers: { 'content-type': 'text/plain' } });
    const body = await response.text();
    const ms = Math.round(performance.now() - started);
    log.add('out', `HTTP POST ${path.value.trim()}/hello: ${text}`);
    log.add(response.ok ? 'in' : 'error', `HTTP ${response.status}: ${body} (${ms} ms)`);
    status.set(response.ok ? 'ok' : 'error', `HTTP ${response.status} in ${ms} ms`);
  };

  root.append(
    el('h3', {}, 'Sender'),
    el('div', { class: 'row' }, field('Path', path), field('Message', message)),
    el('div', { class: 'row' }, button('relay-send-ws', 'Send over WebSocket', sendWebSocket, report), button('relay-send-http', 'Send HTTP request', sendHttp, report)),
    status.node,
    log.node,
  );
}

function firstMessage(socket: SocketLike, send: () => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no reply within ${ECHO_TIMEOUT_MS / 1000} s`)), ECHO_TIMEOUT_MS);
    socket.onmessage = ({ data }) => {
      clearTimeout(timer);
      resolve(decode(data));
    };
    socket.onclose = ({ code }) => {
      clearTimeout(timer);
      reject(new Error(`the relayed WebSocket closed (${code}) before a reply`));
    };
    send();
  });
}
