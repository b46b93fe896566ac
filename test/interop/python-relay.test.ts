import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_KEY_NAME, EMULATOR_SAS_KEY } from '../../src/emulator/defaults.js';
import { startRelayEmulator, type RunningRelayEmulator } from '../../src/emulator/relay/index.js';
import { HybridConnectionClient, HybridConnectionListener } from '../../src/node/relay.js';

// Issue 11: a Relay listener and sender written in Python (`websockets` 10, urllib, hmac) from the
// protocol document, not from our code (test/interop/python/relay_*.py), meet the emulator and a
// foreign peer on the other end: our HybridConnectionClient against the Python listener, the
// Python sender against our HybridConnectionListener and against Microsoft's hyco-https
// listener (HTTP), and Python against Python.
const PYTHON = '/usr/bin/python3';
const SCRIPTS = fileURLToPath(new URL('./python/', import.meta.url));
const SUFFIX = Date.now().toString(36);
const PY_LISTENER_PATH = `py-listener-${SUFFIX}`;
const PY_QUERY_LISTENER_PATH = `py-query-listener-${SUFFIX}`;
const OUR_LISTENER_PATH = `our-listener-${SUFFIX}`;
const HYCO_LISTENER_PATH = `hyco-listener-${SUFFIX}`;
// hyco-https replaces https.Server on Node's shared https module; loading it here keeps that inside this worker.
const hyco = createRequire(import.meta.url)('hyco-https');

let emulator: RunningRelayEmulator;
const emulatorLog: string[] = [];
const children: ChildProcess[] = [];

/** Which emulator a Python peer talks to; `caFile` (its certificate) switches to wss/https. */
interface Target {
  emulator: RunningRelayEmulator;
  caFile?: string;
}

function commonArgs(path: string, target: Target): string[] {
  const { emulator: relay, caFile } = target;
  const secure = caFile !== undefined;
  return [
    ...['--base', `${secure ? 'wss' : 'ws'}://127.0.0.1:${relay.port}`, '--host-for-token', '127.0.0.1', '--path', path],
    ...['--key-name', EMULATOR_KEY_NAME, '--key', EMULATOR_SAS_KEY],
    ...(secure ? ['--ca', caFile] : []),
  ];
}

/** A running Python listener: its JSON event lines, and a wait for the next one matching. */
class PythonListener {
  readonly events: Array<Record<string, unknown>> = [];
  readonly #waiters: Array<{ match: (event: Record<string, unknown>) => boolean; resolve: (event: Record<string, unknown>) => void }> = [];
  stderr = '';

  constructor(readonly child: ChildProcess) {}

  static async start(path: string, tokenIn: 'header' | 'query', target: Target = { emulator }): Promise<PythonListener> {
    const child = spawn(PYTHON, ['relay_listener.py', ...commonArgs(path, target), '--token-in', tokenIn], { cwd: SCRIPTS, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const listener = new PythonListener(child);
    child.stderr!.on('data', (chunk: Buffer) => (listener.stderr += chunk.toString()));
    let buffered = '';
    const ready = new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`python listener exited (${code}): ${listener.stderr}${JSON.stringify(listener.events)}`)));
      child.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        let newline;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line === 'READY') resolve();
          else if (line) listener.#push(JSON.parse(line));
        }
      });
    });
    await ready;
    return listener;
  }

  #push(event: Record<string, unknown>): void {
    const at = this.#waiters.findIndex((waiter) => waiter.match(event));
    if (at >= 0) this.#waiters.splice(at, 1)[0]!.resolve(event);
    else this.events.push(event);
  }

  next(name: string): Promise<Record<string, unknown>> {
    const at = this.events.findIndex((event) => event.event === name);
    if (at >= 0) return Promise.resolve(this.events.splice(at, 1)[0]!);
    return new Promise((resolve) => this.#waiters.push({ match: (event) => event.event === name, resolve }));
  }
}

/** Runs the Python sender once; resolves with its JSON result line. */
function pythonSender(mode: 'ws-echo' | 'ws-reject' | 'http', path: string, extra: string[] = [], target: Target = { emulator }): Promise<Record<string, any>> {
  const httpBase = `${target.caFile ? 'https' : 'http'}://127.0.0.1:${target.emulator.port}`;
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['relay_sender.py', mode, ...commonArgs(path, target), '--http-base', httpBase, ...extra], { cwd: SCRIPTS });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => {
      try {
        const outcome = JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
        if (code !== 0 || outcome.mode === 'fatal') reject(new Error(`python sender failed (${code}): ${stdout}${stderr}`));
        else resolve(outcome);
      } catch {
        reject(new Error(`python sender printed no result (${code}): ${stdout}${stderr}`));
      }
    });
  });
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function pattern(length: number, modulo = 256): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => i % modulo);
}

beforeAll(async () => {
  emulator = await startRelayEmulator({ port: 0, log: (line) => emulatorLog.push(line) });
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill();
  await emulator.close();
  // Python's tokens never reach the emulator's log.
  expect(emulatorLog.join('\n')).not.toMatch(/sig=|SharedAccessSignature /);
});

describe('Python listener (websockets), our HybridConnectionClient as sender', () => {
  let python: PythonListener;
  let client: HybridConnectionClient;

  beforeAll(async () => {
    python = await PythonListener.start(PY_LISTENER_PATH, 'header');
    client = new HybridConnectionClient(emulator.connectionString, { path: PY_LISTENER_PATH });
  });

  it('accepts by dialling the rendezvous address and echoes text and binary, subprotocol agreed', async () => {
    const socket = await client.createConnection({ headers: { 'X-Trace': 'ts-client' }, protocols: ['echo.v1', 'echo.v0'] });
    expect(socket.protocol).toBe('echo.v1');
    const received: Array<string | Uint8Array> = [];
    const two = new Promise<void>((resolve) => {
      socket.onmessage = (event: { data: unknown }) => {
        const data = event.data;
        received.push(typeof data === 'string' ? data : new Uint8Array(data as ArrayBuffer));
        if (received.length === 2) resolve();
      };
    });
    socket.send('hello python');
    socket.send(pattern(3000));
    await two;
    expect(received[0]).toBe('hello python');
    expect(sha256(received[1] as Uint8Array)).toBe(sha256(pattern(3000)));
    expect(await python.next('accept')).toMatchObject({ xTrace: 'ts-client' });
    expect(await python.next('accepted')).toMatchObject({ subprotocol: 'echo.v1' });
    socket.close(1000);
    expect(await python.next('accepted-closed')).toMatchObject({ code: 1000 });
  });

  it('rejects through sb-hc-statusCode: its dial fails with 410 and our sender sees 403', async () => {
    await expect(client.createConnection({ headers: { 'X-Reject': 'yes' } })).rejects.toMatchObject({ status: 403 });
    expect(await python.next('rejected')).toMatchObject({ dialStatus: 410 });
  });

  it('renewToken from Python keeps the channel (no reply, no 1008)', async () => {
    await python.next('renew-sent');
    const response = await client.fetch('after-renew');
    expect(response.status).toBe(200);
    expect(await python.next('request')).toMatchObject({ target: `/${PY_LISTENER_PATH}/after-renew` });
    expect(emulator.listenerCount(PY_LISTENER_PATH)).toBe(1);
  });

  it('answers a small GET on the control channel; Via marks it as the listener’s', async () => {
    const response = await client.fetch('things/7?colour=blue', { headers: { 'X-Trace': 'ts-fetch' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-python-listener')).toMatch(/^websockets-/);
    expect(response.headers.get('x-request-target')).toBe(`/${PY_LISTENER_PATH}/things/7?colour=blue`);
    expect(response.headers.get('via')).toMatch(/127\.0\.0\.1/);
    const echoed = await response.json();
    expect(echoed.headers['X-Trace'] ?? echoed.headers['x-trace']).toBe('ts-fetch');
    expect(Object.keys(echoed.headers).map((name: string) => name.toLowerCase())).not.toContain('servicebusauthorization');
    expect(await python.next('request')).toMatchObject({ via: 'control', method: 'GET' });
  });

  it('a 200 kB POST arrives over request rendezvous and its echo comes back there', async () => {
    const body = pattern(200 * 1024, 253);
    const response = await client.fetch('upload', { method: 'POST', body: body as Uint8Array<ArrayBuffer> });
    expect(response.status).toBe(201);
    const echoed = new Uint8Array(await response.arrayBuffer());
    expect(echoed.length).toBe(body.length);
    expect(sha256(echoed)).toBe(sha256(body));
    expect(response.headers.get('x-body-sha256')).toBe(sha256(body));
    expect(await python.next('request')).toMatchObject({ via: 'rendezvous', method: 'POST', length: body.length });
  });

  it('a 300 kB answer to a control-channel GET goes back over the request address', async () => {
    const response = await client.fetch('big?respond-bytes=300000');
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(bytes.length).toBe(300_000);
    expect(sha256(bytes)).toBe(sha256(pattern(300_000, 251)));
    expect(await python.next('response-over-rendezvous')).toMatchObject({ length: 300_000 });
  });
});

describe('Python sender, our HybridConnectionListener', () => {
  let listener: HybridConnectionListener;

  beforeAll(async () => {
    listener = new HybridConnectionListener(emulator.connectionString, {
      path: OUR_LISTENER_PATH,
      acceptHandler: (request) => (request.headers['x-reject'] || request.headers['X-Reject'] ? { status: 403, statusDescription: 'TypeScript says no' } : true),
      requestHandler: async (request) => {
        const body = new Uint8Array(await request.arrayBuffer());
        return new Response(body.length > 0 ? body : JSON.stringify({ method: request.method, url: request.url, trace: request.headers.get('x-trace') }), {
          status: request.method === 'POST' ? 201 : 200,
          headers: { 'x-handled-by': 'azure-realtime', 'x-body-sha256': sha256(body) },
        });
      },
    });
    listener.on('connection', ({ socket }) => {
      socket.onmessage = (event: { data: unknown }) => socket.send(event.data as string | ArrayBuffer);
    });
    await listener.open();
  });
  afterAll(() => listener.close());

  it('ws-echo: text and binary come back with their type; the offered subprotocol is agreed', async () => {
    const outcome = await pythonSender('ws-echo', OUR_LISTENER_PATH, ['--protocol', 'py.v1']);
    expect(outcome).toMatchObject({ text: 'hello from python', binaryOk: true, subprotocol: 'py.v1', closeCode: 1000 });
  });

  it('ws-reject: the handshake fails with the listener’s status', async () => {
    expect(await pythonSender('ws-reject', OUR_LISTENER_PATH)).toMatchObject({ opened: false, status: 403 });
  });

  it('http GET with the token in the query reaches the handler without it', async () => {
    const outcome = await pythonSender('http', OUR_LISTENER_PATH, ['--target', '/q?x=1', '--token-in', 'query']);
    expect(outcome.status).toBe(200);
    expect(outcome.headers['x-handled-by']).toBe('azure-realtime');
    const seen = JSON.parse(outcome.text);
    expect(seen.url).toMatch(new RegExp(`/${OUR_LISTENER_PATH}/q\\?x=1$`));
    expect(seen.trace).toBe('python-sender');
  });

  it('http POST of 150 kB goes over rendezvous and comes back intact', async () => {
    const outcome = await pythonSender('http', OUR_LISTENER_PATH, ['--method', 'POST', '--body-bytes', String(150 * 1024)]);
    expect(outcome).toMatchObject({ status: 201, length: 150 * 1024 });
    expect(outcome.sha256).toBe(outcome.sentSha256);
    expect(outcome.headers['x-body-sha256']).toBe(outcome.sentSha256);
  });
});

describe('Python sender, Python listener (token in the query)', () => {
  beforeAll(async () => {
    await PythonListener.start(PY_QUERY_LISTENER_PATH, 'query');
  });

  it('ws-echo', async () => {
    expect(await pythonSender('ws-echo', PY_QUERY_LISTENER_PATH)).toMatchObject({ text: 'hello from python', binaryOk: true, closeCode: 1000 });
  });

  it('ws-reject', async () => {
    expect(await pythonSender('ws-reject', PY_QUERY_LISTENER_PATH)).toMatchObject({ opened: false, status: 403 });
  });

  it('http POST 100 kB and a small DELETE', async () => {
    const post = await pythonSender('http', PY_QUERY_LISTENER_PATH, ['--method', 'POST', '--body-bytes', String(100 * 1024)]);
    expect(post).toMatchObject({ status: 201, length: 100 * 1024 });
    expect(post.sha256).toBe(post.sentSha256);
    // The listener writes this statusCode as the string "200", as the protocol document's example does.
    const del = await pythonSender('http', PY_QUERY_LISTENER_PATH, ['--method', 'DELETE', '--target', '/item/3']);
    expect(del).toMatchObject({ status: 200, reason: 'Python answered' });
    expect(JSON.parse(del.text)).toMatchObject({ method: 'DELETE', target: `/${PY_QUERY_LISTENER_PATH}/item/3` });
  });
});

describe('Python sender, hyco-https listener (HTTP)', () => {
  let server: { close(cb?: () => void): void; on(event: string, fn: (...args: any[]) => void): void; listen(): void };

  beforeAll(async () => {
    server = hyco.createRelayedServer(
      {
        server: `ws://127.0.0.1:${emulator.port}/$hc/${HYCO_LISTENER_PATH}?sb-hc-action=listen`,
        token: hyco.createRelayToken(`http://127.0.0.1/${HYCO_LISTENER_PATH}`, EMULATOR_KEY_NAME, EMULATOR_SAS_KEY),
      },
      (req: any, res: any) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          const body = Buffer.concat(chunks);
          res.setHeader('X-Handled-By', 'hyco-https');
          res.setHeader('X-Body-Sha256', sha256(body));
          res.statusCode = req.method === 'POST' ? 201 : 200;
          res.end(body.length > 0 ? body : JSON.stringify({ method: req.method, url: req.url, trace: req.headers['x-trace'] ?? null }));
        });
      },
    );
    const online = new Promise<void>((resolve) => server.on('listening', () => resolve()));
    server.listen();
    await online;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('GET with a suffix and the token in the header', async () => {
    const outcome = await pythonSender('http', HYCO_LISTENER_PATH, ['--target', '/x/y?z=1']);
    expect(outcome.status).toBe(200);
    expect(outcome.headers['x-handled-by']).toBe('hyco-https');
    expect(JSON.parse(outcome.text)).toMatchObject({ method: 'GET', url: `/${HYCO_LISTENER_PATH}/x/y?z=1`, trace: 'python-sender' });
  });

  it('a 100 kB POST with the token in the query goes over rendezvous and comes back intact', async () => {
    const outcome = await pythonSender('http', HYCO_LISTENER_PATH, ['--method', 'POST', '--body-bytes', String(100 * 1024), '--token-in', 'query']);
    expect(outcome).toMatchObject({ status: 201, length: 100 * 1024 });
    expect(outcome.sha256).toBe(outcome.sentSha256);
    expect(outcome.headers['x-body-sha256']).toBe(outcome.sentSha256);
  });
});

describe('over TLS: Python listener and sender trust the emulator certificate (wss, https)', () => {
  let secure: RunningRelayEmulator;
  let target: Target;
  let dir: string;
  let python: PythonListener;
  const path = `py-tls-${SUFFIX}`;

  beforeAll(async () => {
    secure = await startRelayEmulator({ port: 0, tls: true, log: (line) => emulatorLog.push(line) });
    dir = await mkdtemp(join(tmpdir(), 'relay-python-tls-'));
    const caFile = join(dir, 'relay.pem');
    await writeFile(caFile, secure.certificate!);
    target = { emulator: secure, caFile };
    python = await PythonListener.start(path, 'header', target);
  });
  afterAll(async () => {
    python.child.kill();
    await secure.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('ws-echo through a wss rendezvous (Python verifies the host name 127.0.0.1 against the SANs)', async () => {
    expect(await pythonSender('ws-echo', path, [], target)).toMatchObject({ text: 'hello from python', binaryOk: true, closeCode: 1000 });
  });

  it('https POST of 100 kB over a wss request rendezvous', async () => {
    const outcome = await pythonSender('http', path, ['--method', 'POST', '--body-bytes', String(100 * 1024)], target);
    expect(outcome).toMatchObject({ status: 201, length: 100 * 1024 });
    expect(outcome.sha256).toBe(outcome.sentSha256);
  });
});
