import type { AddressInfo } from 'node:net';
import type { Plugin, ViteDevServer } from 'vite';
import { redactSecrets } from '../core/errors.js';
import type { DevBackend } from './dev-backend.js';
import type { DevEmulatorOptions } from './options.js';

// The dev-server half of azureRealtime({ emulator }): starts the emulators once the server has
// its address (a Web PubSub event handler URL points back at it), serves `{apiBase}/*` from them
// (requests that arrive earlier wait), and closes them with the server. The emulator code loads
// only here, so `azureRealtime()` alone costs a config nothing.

export function devEmulatorPlugin(options: DevEmulatorOptions): Plugin {
  const errorText = (error: unknown) => redactSecrets(String((error as Error)?.message ?? error));
  // One backend per dev server. On a restart (server.restart(), or Vite's own after a config edit)
  // Vite may call configureServer again on this same object for the new server before it closes
  // the old one, and starts the new one listening only after that; each server's emulators close
  // with that server.
  interface ServerState {
    httpServer: { listening: boolean };
    started?: boolean;
    backend?: Promise<DevBackend>;
    ready: Promise<DevBackend>;
    resolve: (value: Promise<DevBackend>) => void;
    closing?: Promise<void>;
  }
  const states = new Set<ServerState>();
  const closeState = (state: ServerState) =>
    (state.closing ??= (async () => {
      states.delete(state);
      if (state.backend) await (await state.backend.catch(() => undefined))?.close();
    })());

  const start = (server: ViteDevServer, state: ServerState) => {
    const address = server.httpServer?.address() as AddressInfo | string | null | undefined;
    if (!address || typeof address === 'string') {
      // A pipe or socket path: nothing to point the Web PubSub event handler at. The endpoints say so (503).
      state.resolve(Promise.reject(new Error('expected the dev server to listen on a TCP port')));
      return;
    }
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    state.started = true;
    state.backend ??= import('./dev-backend.js').then(({ startDevBackend }) => startDevBackend({ ...options, origin: `http://${host}:${address.port}` }));
    state.resolve(state.backend);
    state.backend.then(
      (running) => server.config.logger.info(['', '  azure-realtime emulators (in-process; keys redacted: they are the public development keys):', ...running.describe().map((line) => `    ${line}`), ''].join('\n')),
      (error: unknown) => server.config.logger.error(`azure-realtime: the emulators did not start: ${errorText(error)}`),
    );
  };

  return {
    name: 'azure-realtime:dev-emulator',
    apply: 'serve',
    config(user) {
      // Vite 8 runs its CORS middleware before any plugin's: it would answer the emulator's
      // abuse-protection OPTIONS to the event handler itself, without WebHook-Allowed-Origin.
      if (options.webpubsub !== false && options.broadcastEvent && user.server?.cors === undefined) return { server: { cors: false } };
      return undefined;
    },
    configureServer(server) {
      if (!server.httpServer) {
        server.config.logger.warn('azure-realtime: no HTTP server (middleware mode), so no emulators and no dev endpoints');
        return;
      }
      if (options.webpubsub !== false && options.broadcastEvent && server.config.server.cors !== false) {
        server.config.logger.warn("azure-realtime: server.cors is set, so Vite answers the Web PubSub event handler's OPTIONS itself and the emulator will refuse the handler");
      }
      const httpServer = server.httpServer;
      let resolve!: (value: Promise<DevBackend>) => void;
      const ready = new Promise<DevBackend>((done) => (resolve = done));
      ready.catch(() => undefined); // a failed start is logged once and answered per request (503), not an unhandled rejection
      const state: ServerState = { httpServer, ready, resolve };
      states.add(state);
      if (httpServer.listening) start(server, state);
      else httpServer.once('listening', () => start(server, state));
      httpServer.once('close', () => void closeState(state));
      const apiBase = (options.apiBase ?? '/api').replace(/\/+$/, '');
      // Mounted at the root: connect's prefix mount of '/api' would also catch '/api.ts'.
      server.middlewares.use((req, res, next) => {
        if (!req.url?.startsWith(`${apiBase}/`)) return next();
        state.ready.then(
          (running) => running.handle(req, res, next),
          (error: unknown) => {
            res.writeHead(503, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: `the emulators did not start: ${errorText(error)}` }));
          },
        );
      });
    },
    // After a server is torn down (Vite awaits this): its HTTP server has stopped listening, while a
    // restart's new server has not started yet. The 'close' event above covers a bare httpServer.close().
    async closeServer() {
      await Promise.all([...states].filter((state) => state.started && !state.httpServer.listening).map(closeState));
    },
  };
}
