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
  let backend: Promise<DevBackend> | undefined;
  let resolveBackend!: (value: Promise<DevBackend>) => void;
  const backendReady = new Promise<DevBackend>((resolve) => (resolveBackend = resolve));
  const errorText = (error: unknown) => redactSecrets(String((error as Error)?.message ?? error));

  const start = (server: ViteDevServer) => {
    const address = server.httpServer?.address() as AddressInfo | string | null | undefined;
    if (!address || typeof address === 'string') throw new Error('expected the dev server to listen on a TCP port');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    backend ??= import('./dev-backend.js').then(({ startDevBackend }) => startDevBackend({ ...options, origin: `http://${host}:${address.port}` }));
    resolveBackend(backend);
    backend.then(
      (running) => server.config.logger.info(['', '  azure-realtime emulators (in-process; keys redacted: they are the public development keys):', ...running.describe().map((line) => `    ${line}`), ''].join('\n')),
      (error: unknown) => server.config.logger.error(`azure-realtime: the emulators did not start: ${errorText(error)}`),
    );
  };
  const close = async () => {
    if (backend) await (await backend.catch(() => undefined))?.close();
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
        server.config.logger.warn('azure-realtime: server.cors is set, so Vite answers the Web PubSub event handler\'s OPTIONS itself and the emulator will refuse the handler');
      }
      if (server.httpServer.listening) start(server);
      else server.httpServer.once('listening', () => start(server));
      server.httpServer.once('close', () => void close());
      const apiBase = (options.apiBase ?? '/api').replace(/\/+$/, '');
      // Mounted at the root: connect's prefix mount of '/api' would also catch '/api.ts'.
      server.middlewares.use((req, res, next) => {
        if (!req.url?.startsWith(`${apiBase}/`)) return next();
        backendReady.then(
          (running) => running.handle(req, res, next),
          (error: unknown) => {
            res.writeHead(503, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: `the emulators did not start: ${errorText(error)}` }));
          },
        );
      });
    },
    closeBundle: close,
  };
}
